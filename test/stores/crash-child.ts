/**
 * The process test/stores/durability.test.ts kills with SIGKILL: it opens the SQLite stores in
 * DIR, starts RUNS traces named `<TAG>-<k>` and appends hash-chained batches to all of them
 * concurrently until killed, printing `ok <runId> <count>` after each append is acknowledged.
 * Usage: node crash-child.ts DIR TAG RUNS
 */
import { writeSync } from 'node:fs';
import { createSqliteStores } from '../../platform/node/sqlite-store.ts';
import { batchLines, batchSize } from './crash-batches.ts';

const [dir, tag, runs] = process.argv.slice(2);
if (!dir || !tag || !runs) throw new Error('usage: crash-child.ts DIR TAG RUNS');

const stores = createSqliteStores(dir);
// writeSync to the pipe: once a line is written the parent reads it, even after SIGKILL.
writeSync(1, 'ready\n');
await Promise.all(Array.from({ length: Number(runs) }, async (_, k) => {
  const runId = `${tag}-${k}`;
  let seq = 0;
  let head = 'genesis';
  for (let batch = 0; ; batch++) {
    const b = batchLines(runId, batch, batchSize(batch, k), head);
    await stores.traces.append(runId, seq, b.lines);
    seq += b.lines.length;
    head = b.head;
    writeSync(1, `ok ${runId} ${seq}\n`);
  }
}));
