/**
 * Store throughput: appending a write-behind batch (64 trace lines of ~300 bytes, the size a
 * recorder flushes) and reading a 4096-entry trace back, per adapter, each beside the in-memory
 * reference measured in the same run. SQLite is measured with both durability modes.
 */
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdbStores } from '../../platform/browser/idb-store.ts';
import { createSqliteStores } from '../../platform/node/sqlite-store.ts';
import type { Stores } from '../../src/ports/platform.ts';
import { memoryStores } from '../../src/stores/memory.ts';
import { timeNsAsync, type BenchRow } from './harness.ts';

const BATCH = Array.from({ length: 64 }, (_, i) => JSON.stringify({ seq: i, syscall: 'fd_write', args: { fd: 1, len: 120 }, decision: 'allow', rules: ['app.stdio'], h: 'ab'.repeat(32), pad: 'x'.repeat(80) }));

async function appendNs(s: Stores, tag: string): Promise<number> {
  let seq = 0;
  const runId = `bench-${tag}`;
  return timeNsAsync(async () => { await s.traces.append(runId, seq, BATCH); seq += BATCH.length; }, 100);
}

async function readNs(s: Stores, tag: string): Promise<number> {
  const runId = `read-${tag}`;
  for (let seq = 0; seq < 4096; seq += BATCH.length) await s.traces.append(runId, seq, BATCH);
  return timeNsAsync(() => s.traces.read(runId), 10);
}

export default async function (): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'forge-bench-'));
  try {
    const memory = memoryStores();
    const full = createSqliteStores(join(dir, 'full'));
    const normal = createSqliteStores(join(dir, 'normal'), { durability: 'normal' });
    const idb = await createIdbStores(`forge-bench-${process.pid}`);
    const memAppend = await appendNs(memory, 'mem');
    const memRead = await readNs(memory, 'mem');
    const append = { name: 'memory: append a 64-line batch', value: memAppend / 1000 };
    const read = { name: 'memory: read a 4096-entry trace', value: memRead / 1000 };
    const rows: BenchRow[] = [];
    for (const [label, s] of [['sqlite (durability full: fsync per commit)', full], ['sqlite (durability normal)', normal], ['indexeddb (fake-indexeddb)', idb]] as const) {
      rows.push({ name: `${label}: append a 64-line batch`, value: (await appendNs(s, label.slice(0, 6))) / 1000, unit: 'µs/batch', baseline: append });
      rows.push({ name: `${label}: read a 4096-entry trace`, value: (await readNs(s, label.slice(0, 6))) / 1000, unit: 'µs', baseline: read });
    }
    full.close();
    normal.close();
    idb.close();
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
