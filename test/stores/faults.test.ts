/**
 * Fault injection per adapter, with the host's own failures where Node can produce them: a full
 * SQLite database (a size quota), a lock held by another connection, a closed or foreign file, a
 * newer schema; IndexedDB quota errors and host-aborted transactions (fake-indexeddb); KV and
 * Durable Object outages inside workerd. Each time: the caller gets STORE_UNAVAILABLE (or
 * STORE_SCHEMA) with the platform error visible, the launch check denies (fail closed), and
 * everything stored before is read back intact.
 */
import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { openDB } from 'idb';
import { createIdbStores } from '../../platform/browser/idb-store.ts';
import { createSqliteStores, SQLITE_FILE } from '../../platform/node/sqlite-store.ts';
import { KernelError } from '../../src/errors.ts';
import type { Stores } from '../../src/ports/platform.ts';
import { assertLaunchAllowed } from '../../src/trust/quarantine.ts';
import { runInWorkerd } from './workerd.ts';

const dirs: string[] = [];
after(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), 'forge-faults-')); dirs.push(d); return d; };

const lines = (from: number, n: number, pad = 0) => Array.from({ length: n }, (_, i) => JSON.stringify({ seq: from + i, pad: 'p'.repeat(pad) }));

/** Asserts `p` rejects with a KernelError of `code` whose platform error matches `cause`; returns it. */
async function rejectsWith(p: Promise<unknown>, code: string, cause: RegExp): Promise<KernelError> {
  const e = await p.then(() => assert.fail(`expected ${code}, but it succeeded`), (x: unknown) => x);
  assert.ok(e instanceof KernelError, `expected a KernelError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  assert.ok(e.cause !== undefined, 'the platform error is kept as cause');
  assert.match(e.message, cause, 'the message names the platform error');
  return e;
}

/** What every fault must leave: stored data intact, and the launch check denying while it lasts. */
async function seed(s: Stores): Promise<void> {
  await s.traces.append('run', 0, lines(0, 3));
  await s.quarantine.put({ identity: 't/pkg', quarantined: false, reason: 'released', at: 1, by: 'admin' });
  await s.packages.put('pkg', new Uint8Array([1, 2, 3]));
}
async function intact(s: Stores, count = 3): Promise<void> {
  assert.deepEqual(await s.traces.read('run'), lines(0, count));
  assert.deepEqual(await s.quarantine.history('t/pkg'), [{ identity: 't/pkg', quarantined: false, reason: 'released', at: 1, by: 'admin' }]);
  assert.deepEqual(await s.packages.get('pkg'), new Uint8Array([1, 2, 3]));
}

describe('sqlite faults', () => {
  it('a full database (size quota) refuses the whole batch, keeps what is stored, and recovers when space is freed', async () => {
    const s = createSqliteStores(tempDir(), { maxBytes: 256 * 1024 });
    await seed(s);
    let seq = 3;
    const e = await (async () => {
      for (;;) {
        try { await s.traces.append('run', seq, lines(seq, 20, 1000)); seq += 20; } catch (x) { return x as KernelError; }
      }
    })();
    assert.equal(e.code, 'STORE_UNAVAILABLE');
    assert.match(e.message, /full/);
    assert.deepEqual((e.details['platformError'] as { errstr?: string }).errstr, 'database or disk is full');
    assert.equal((await s.traces.list())[0]?.count, seq, 'the failed batch left no entry behind');
    await rejectsWith(s.packages.put('big', new Uint8Array(512 * 1024)), 'STORE_UNAVAILABLE', /full/);
    assert.deepEqual((await s.traces.read('run')).slice(0, 3), lines(0, 3));
    await s.traces.seal('run');
    await s.traces.remove('run');
    await s.traces.append('run', 0, lines(0, 3));
    await intact(s);
    s.close();
  });

  it('a lock held by another connection times out as STORE_UNAVAILABLE (SQLITE_BUSY); reads go on (WAL); the write succeeds after', async () => {
    const dir = tempDir();
    const s = createSqliteStores(dir, { busyTimeoutMs: 50 });
    await seed(s);
    const other = new DatabaseSync(join(dir, SQLITE_FILE));
    other.exec('BEGIN EXCLUSIVE');
    const e = await rejectsWith(s.traces.append('run', 3, lines(3, 2)), 'STORE_UNAVAILABLE', /locked/);
    assert.equal((e.details['platformError'] as { code?: number }).code, 5, 'SQLITE_BUSY');
    assert.deepEqual(await s.traces.read('run'), lines(0, 3), 'readers are not blocked by the writer (WAL)');
    other.exec('ROLLBACK');
    other.close();
    await s.traces.append('run', 3, lines(3, 2));
    await intact(s, 5);
    s.close();
  });

  it('a closed database answers STORE_UNAVAILABLE and the launch check denies; reopening finds everything', async () => {
    const dir = tempDir();
    const s = createSqliteStores(dir);
    await seed(s);
    s.close();
    await rejectsWith(s.traces.append('run', 3, lines(3, 1)), 'STORE_UNAVAILABLE', /not open|finalized/);
    await rejectsWith(assertLaunchAllowed(s.quarantine, 't/pkg'), 'STORE_UNAVAILABLE', /not open|finalized/);
    await rejectsWith(s.packages.get('pkg'), 'STORE_UNAVAILABLE', /not open|finalized/);
    const again = createSqliteStores(dir);
    await intact(again);
    again.close();
  });

  it('a file that is not a database is refused at open with STORE_UNAVAILABLE, and left untouched', () => {
    const dir = tempDir();
    writeFileSync(join(dir, SQLITE_FILE), 'these bytes are not an SQLite database, and must survive'.repeat(100));
    assert.throws(() => createSqliteStores(dir), (e: unknown) => e instanceof KernelError && e.code === 'STORE_UNAVAILABLE' && /not a database/.test(e.message));
  });

  it('a database written by a newer schema is refused with STORE_SCHEMA', () => {
    const dir = tempDir();
    createSqliteStores(dir).close();
    const raw = new DatabaseSync(join(dir, SQLITE_FILE));
    raw.prepare('INSERT INTO forge_schema (version, description, applied_at) VALUES (99, ?, 0)').run('from the future');
    raw.close();
    assert.throws(() => createSqliteStores(dir), (e: unknown) => e instanceof KernelError && e.code === 'STORE_SCHEMA' && /99/.test(e.message));
  });

  it('the schema itself refuses a gap, a rewrite, a partial delete and reopening a sealed trace', async () => {
    const dir = tempDir();
    const s = createSqliteStores(dir);
    await s.traces.append('run', 0, lines(0, 3));
    await s.traces.seal('run');
    s.close();
    const raw = new DatabaseSync(join(dir, SQLITE_FILE));
    assert.throws(() => raw.prepare('INSERT INTO traces (run_id, seq, line) VALUES (?, ?, ?)').run('run', 5, 'x'), /out of order|sealed/);
    assert.throws(() => raw.prepare('UPDATE traces SET line = ? WHERE seq = 1').run('forged'), /append-only/);
    assert.throws(() => raw.prepare('DELETE FROM traces WHERE seq = 2').run(), /deleted whole/);
    assert.throws(() => raw.prepare('UPDATE runs SET sealed = 0').run(), /reopened/);
    assert.throws(() => raw.prepare('INSERT INTO traces (run_id, seq, line) VALUES (?, ?, ?)').run('ghost', 0, 'x'), /unknown run/);
    raw.close();
    const again = createSqliteStores(dir);
    assert.deepEqual(await again.traces.read('run'), lines(0, 3));
    again.close();
  });
});

describe('indexeddb faults (fake-indexeddb)', () => {
  let n = 0;
  const open = () => createIdbStores(`forge-faults-${process.pid}-${n++}`);
  const proto = (globalThis as unknown as { IDBObjectStore: { prototype: Record<string, unknown> } }).IDBObjectStore.prototype;

  /** Replaces an IDBObjectStore method for the duration of `fn`. */
  async function patched(method: 'add' | 'put', impl: (orig: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown, fn: () => Promise<void>) {
    const orig = proto[method] as (...a: unknown[]) => unknown;
    proto[method] = impl(orig);
    try { await fn(); } finally { proto[method] = orig; }
  }

  it('a quota error on the third entry of a batch stores none of it; quarantine and package writes fail the same way', async () => {
    const s = await open();
    await seed(s);
    let calls = 0;
    await patched('add', (orig) => function (this: unknown, ...a: unknown[]) {
      if (++calls === 3) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return orig.apply(this, a);
    }, async () => {
      const e = await rejectsWith(s.traces.append('run', 3, lines(3, 5)), 'STORE_UNAVAILABLE', /QuotaExceededError/);
      assert.ok(e.cause instanceof DOMException);
    });
    await patched('put', () => () => { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); }, async () => {
      await rejectsWith(s.quarantine.put({ identity: 't/pkg', quarantined: true, reason: 'x', at: 2, by: 'kernel' }), 'STORE_UNAVAILABLE', /QuotaExceededError/);
      await rejectsWith(s.packages.put('pkg', new Uint8Array([9])), 'STORE_UNAVAILABLE', /QuotaExceededError/);
    });
    await intact(s);
    await s.traces.append('run', 3, lines(3, 5));
    s.close();
  });

  it('a transaction the host aborts mid-append stores nothing of the batch', async () => {
    const s = await open();
    await seed(s);
    await patched('put', (orig) => function (this: { transaction: IDBTransaction }, ...a: unknown[]) {
      const req = orig.apply(this, a);
      this.transaction.abort();
      return req;
    }, async () => {
      await rejectsWith(s.traces.append('run', 3, lines(3, 4)), 'STORE_UNAVAILABLE', /Abort/);
    });
    await intact(s);
    s.close();
  });

  it('a closed connection answers STORE_UNAVAILABLE and the launch check denies; reopening finds everything', async () => {
    const name = `forge-faults-closed-${process.pid}`;
    const s = await createIdbStores(name);
    await seed(s);
    s.close();
    await rejectsWith(s.traces.append('run', 3, lines(3, 1)), 'STORE_UNAVAILABLE', /InvalidStateError/);
    await rejectsWith(assertLaunchAllowed(s.quarantine, 't/pkg'), 'STORE_UNAVAILABLE', /InvalidStateError/);
    const again = await createIdbStores(name);
    await intact(again);
    again.close();
  });

  it('a database from a newer schema is refused with STORE_SCHEMA', async () => {
    const name = `forge-faults-newer-${process.pid}`;
    (await openDB(name, 99)).close();
    await assert.rejects(createIdbStores(name), (e: unknown) => e instanceof KernelError && e.code === 'STORE_SCHEMA');
  });
});

describe('cloudflare faults (workerd via Miniflare)', () => {
  it('KV and Durable Object outages, lost chunks and interrupted removals, run inside workerd', async (t) => {
    const results = await runInWorkerd('/faults');
    assert.ok(results.length >= 5, `expected the Cloudflare fault cases, got ${results.length}`);
    for (const r of results) await t.test(r.name, () => { assert.equal(r.status, 'pass', `${r.name}: ${r.message ?? ''}`); });
  });
});
