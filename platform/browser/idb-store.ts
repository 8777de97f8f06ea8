/**
 * The browser's stores: one IndexedDB database through `idb`. Every operation is one IndexedDB
 * transaction, so an append is stored whole or not at all and a trace is removed whole. Packages
 * are kept as bytes — a compiled `WebAssembly.Module` cannot be stored in IndexedDB.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { KernelError } from '../../src/errors.ts';
import type { Stores } from '../../src/ports/platform.ts';
import { pruneTraces, withRetention, type PruneReport, type RetentionPolicy } from '../../src/stores/retention.ts';
import { guardStore, storeError } from '../../src/stores/store-error.ts';
import { checkAppend, checkPackage, checkQuarantineRecord, checkRunId, normalizeRecord } from '../../src/stores/validate.ts';
import { IDB_MIGRATIONS, inTx, issue, runRange, toInfo, type ForgeDb } from './idb-schema.ts';

export interface IdbStoreOptions {
  now?: () => number;
  /** Applied after every seal, and by `prune()` when called without a policy. */
  retention?: RetentionPolicy;
}

export type IdbStores = Stores & { close(): void; prune(policy?: RetentionPolicy): Promise<PruneReport> };

/**
 * Opens (creating or upgrading) the IndexedDB stores named `dbName`.
 * @throws KernelError STORE_UNAVAILABLE when IndexedDB cannot open; STORE_SCHEMA when the database is newer
 */
export async function createIdbStores(dbName: string, opts: IdbStoreOptions = {}): Promise<IdbStores> {
  const now = opts.now ?? Date.now;
  let db: IDBPDatabase<ForgeDb>;
  try {
    db = await openDB<ForgeDb>(dbName, IDB_MIGRATIONS.length, {
      upgrade(d, oldVersion) { for (let v = oldVersion; v < IDB_MIGRATIONS.length; v++) IDB_MIGRATIONS[v]!(d); },
      // A newer build (another tab) wants to upgrade: step aside; our next call reports STORE_UNAVAILABLE.
      blocking() { db.close(); },
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'VersionError') {
      throw new KernelError('STORE_SCHEMA', `IndexedDB database ${dbName} comes from a newer ForgeOne (this build knows schema ${IDB_MIGRATIONS.length})`, { dbName }, { cause: e });
    }
    throw storeError(e, 'open', 'indexeddb');
  }
  const g = <T,>(op: string, fn: () => Promise<T>) => guardStore('indexeddb', op, fn);

  const traceStore: Stores['traces'] = {
    append: (runId, fromSeq, lines) => g('traces.append', async () => {
      checkAppend(runId, fromSeq, lines);
      const tx = db.transaction(['runs', 'entries'], 'readwrite');
      await inTx(tx, async () => {
        const r = await tx.objectStore('runs').index('runId').get(runId);
        const have = r?.count ?? 0;
        if (fromSeq !== have) throw new KernelError('TRACE_INVALID', `run ${runId}: append at entry ${fromSeq} but ${have} are stored`, { runId, fromSeq, have });
        if (r?.sealed) throw new KernelError('TRACE_INVALID', `run ${runId} is sealed; nothing more can be appended`, { runId });
        const entries = tx.objectStore('entries');
        // `add`, not `put`: the database itself refuses an entry that already exists.
        const runs = tx.objectStore('runs');
        await issue([
          ...lines.map((line, i) => () => entries.add({ runId, seq: fromSeq + i, line })),
          () => runs.put(r ? { ...r, count: have + lines.length } : { runId, createdAt: now(), sealed: false, count: lines.length }),
        ]);
      });
    }),
    read: (runId) => g('traces.read', async () => {
      checkRunId(runId);
      const tx = db.transaction(['runs', 'entries'], 'readonly');
      return inTx(tx, async () => {
        if ((await tx.objectStore('runs').index('runId').getKey(runId)) === undefined) throw new KernelError('NOT_FOUND', `no trace stored for run ${runId}`, { runId });
        return (await tx.objectStore('entries').getAll(runRange(runId))).map((e) => e.line);
      });
    }),
    seal: (runId) => g('traces.seal', async () => {
      checkRunId(runId);
      const tx = db.transaction('runs', 'readwrite');
      await inTx(tx, async () => {
        const r = await tx.store.index('runId').get(runId);
        if (!r) throw new KernelError('NOT_FOUND', `no trace stored for run ${runId}`, { runId });
        if (!r.sealed) await tx.store.put({ ...r, sealed: true });
      });
    }),
    list: () => g('traces.list', async () => (await db.getAll('runs')).map(toInfo)),
    remove: (runId) => g('traces.remove', async () => {
      checkRunId(runId);
      const tx = db.transaction(['runs', 'entries'], 'readwrite');
      await inTx(tx, async () => {
        const ord = await tx.objectStore('runs').index('runId').getKey(runId);
        if (ord === undefined) return;
        await issue([() => tx.objectStore('runs').delete(ord), () => tx.objectStore('entries').delete(runRange(runId))]);
      });
    }),
  };

  return {
    traces: opts.retention ? withRetention(traceStore, opts.retention, now) : traceStore,
    quarantine: {
      get: (identity) => g('quarantine.get', async () => db.get('quarantine', identity)),
      put: (record) => g('quarantine.put', async () => {
        checkQuarantineRecord(record);
        const r = normalizeRecord(record);
        const tx = db.transaction(['quarantine', 'quarantineHistory'], 'readwrite');
        await inTx(tx, async () => { await issue([() => tx.objectStore('quarantineHistory').add(r), () => tx.objectStore('quarantine').put(r)]); });
      }),
      list: () => g('quarantine.list', async () => db.getAll('quarantine')),
      history: (identity) => g('quarantine.history', async () => db.getAllFromIndex('quarantineHistory', 'identity', identity)),
    },
    packages: {
      put: (digest, bytes) => g('packages.put', async () => {
        checkPackage(digest, bytes);
        await db.put('packages', { digest, bytes: bytes.slice(), size: bytes.length });
      }),
      get: (digest) => g('packages.get', async () => {
        checkPackage(digest);
        const rec = await db.get('packages', digest);
        if (!rec) return undefined;
        if (!(rec.bytes instanceof Uint8Array) || rec.bytes.length !== rec.size) {
          throw new KernelError('STORE_UNAVAILABLE', `indexeddb store: package ${digest} is damaged (stored size ${rec.size})`, { digest });
        }
        return rec.bytes;
      }),
      list: () => g('packages.list', async () => db.getAllKeys('packages')),
      remove: (digest) => g('packages.remove', async () => { checkPackage(digest); await db.delete('packages', digest); }),
    },
    close() { db.close(); },
    prune: (policy) => pruneTraces(traceStore, policy ?? opts.retention ?? {}, now()),
  };
}
