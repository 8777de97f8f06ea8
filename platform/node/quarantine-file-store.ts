/**
 * A QuarantineStore over one JSON-lines file in the data directory (`quarantine.jsonl`): every
 * change is one appended line (O_APPEND, fsynced before `put` resolves), so the history is the
 * file and the current state is each identity's last line. The interim Node store of the CLI until
 * the SQLite store is wired in; any QuarantineStore can replace it. One writing process at a time.
 */
import { mkdir, open, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { KernelError } from '../../src/errors.ts';
import type { QuarantineRecord, QuarantineStore } from '../../src/ports/quarantine-store.ts';
import { guardStore } from '../../src/stores/store-error.ts';
import { checkQuarantineRecord } from '../../src/stores/validate.ts';

export const QUARANTINE_FILE = 'quarantine.jsonl';

const recordSchema = z.strictObject({
  identity: z.string().min(1),
  quarantined: z.boolean(),
  reason: z.string(),
  at: z.number(),
  by: z.string(),
});

export type FileQuarantineStore = QuarantineStore & { readonly path: string };

/** The file store of `dataDir` (created on first write). */
export function fileQuarantineStore(dataDir: string): FileQuarantineStore {
  const path = join(dataDir, QUARANTINE_FILE);
  let queue: Promise<unknown> = Promise.resolve();

  /** Every record in file order. A last line without its newline is a write that never completed: ignored. */
  async function load(): Promise<{ records: QuarantineRecord[]; tornAt?: number }> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [] };
      throw e;
    }
    const end = text.lastIndexOf('\n') + 1;
    const records = text.slice(0, end).split('\n').slice(0, -1).map((line, i) => {
      let json: unknown;
      try { json = JSON.parse(line); } catch { json = undefined; }
      const r = recordSchema.safeParse(json);
      if (!r.success) throw new KernelError('STORE_SCHEMA', `${path}: line ${i + 1} is not a quarantine record; the file was edited or damaged`, { path, line: i + 1 });
      return r.data;
    });
    return end < text.length ? { records, tornAt: Buffer.byteLength(text.slice(0, end)) } : { records };
  }

  const read = <T>(op: string, fn: (records: QuarantineRecord[]) => T) => guardStore('quarantine file', op, async () => fn((await load()).records));

  return {
    path,
    get: (identity) => read('get', (rs) => rs.findLast((r) => r.identity === identity)),
    list: () => read('list', (rs) => [...new Map(rs.map((r) => [r.identity, r])).values()]),
    history: (identity) => read('history', (rs) => rs.filter((r) => r.identity === identity)),
    put(record) {
      checkQuarantineRecord(record);
      const line = `${JSON.stringify({ identity: record.identity, quarantined: record.quarantined, reason: record.reason, at: record.at, by: record.by })}\n`;
      const write = queue.then(() => guardStore('quarantine file', 'put', async () => {
        await mkdir(dataDir, { recursive: true });
        const { tornAt } = await load();
        if (tornAt !== undefined) await truncate(path, tornAt);
        const fh = await open(path, 'a', 0o600);
        try {
          await fh.write(line);
          await fh.datasync();
        } finally {
          await fh.close();
        }
      }));
      queue = write.catch(() => undefined);
      return write;
    },
  };
}
