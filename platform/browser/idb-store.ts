/**
 * The browser's stores: one IndexedDB database through `idb`. Every operation is one IndexedDB
 * transaction, so an append is stored whole or not at all and a trace is removed whole. Packages
 * are kept as bytes — a compiled `WebAssembly.Module` cannot be stored in IndexedDB. These are
 * drivers; the store core (src/stores/create.ts) checks arguments, decides refusals and translates
 * every platform error (a QuotaExceededError, an aborted transaction, a closed connection).
 */
import { openDB, type IDBPDatabase } from 'idb';
import { KernelError } from '../../src/errors.ts';
import type { PackageDriver } from '../../src/ports/package-store.ts';
import type { QuarantineDriver } from '../../src/ports/quarantine-store.ts';
import type { TraceAppendResult, TraceDriver } from '../../src/ports/trace-store.ts';
import { createStores, type CoreStores } from '../../src/stores/create.ts';
import type { RetentionPolicy } from '../../src/stores/retention.ts';
import { storeError } from '../../src/stores/store-error.ts';
import { IDB_MIGRATIONS, inTx, issue, runRange, toInfo, type ForgeDb } from './idb-schema.ts';

export interface IdbStoreOptions {
  now?: () => number;
  /** Applied after every seal, and by `prune()` when called without a policy. */
  retention?: RetentionPolicy;
}

export type IdbStores = CoreStores & { close(): void };

/**
 * Opens (creating or upgrading) the IndexedDB stores named `dbName`.
 * @throws KernelError STORE_UNAVAILABLE when IndexedDB cannot open; STORE_SCHEMA when the database
 *   is newer; CONFIG_INVALID for a bad `retention`
 */
export async function createIdbStores(dbName: string, opts: IdbStoreOptions = {}): Promise<IdbStores> {
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
  const stores = createStores('indexeddb', { traces: idbTraces(db), quarantine: idbQuarantine(db), packages: idbPackages(db) }, opts);
  return { ...stores, close() { db.close(); } };
}

function idbTraces(db: IDBPDatabase<ForgeDb>): TraceDriver {
  return {
    async append(runId, fromSeq, lines, createdAt) {
      const tx = db.transaction(['runs', 'entries'], 'readwrite');
      return inTx(tx, async (): Promise<TraceAppendResult> => {
        const r = await tx.objectStore('runs').index('runId').get(runId);
        const found = { count: r?.count ?? 0, sealed: r?.sealed ?? false };
        if (found.count !== fromSeq || found.sealed) return { stored: false, found };
        const entries = tx.objectStore('entries');
        const runs = tx.objectStore('runs');
        // `add`, not `put`: the database itself refuses an entry that already exists.
        await issue([
          ...lines.map((line, i) => () => entries.add({ runId, seq: fromSeq + i, line })),
          () => runs.put(r ? { ...r, count: fromSeq + lines.length } : { runId, createdAt, sealed: false, count: lines.length }),
        ]);
        return { stored: true };
      });
    },
    async read(runId) {
      const tx = db.transaction(['runs', 'entries'], 'readonly');
      return inTx(tx, async () => {
        if ((await tx.objectStore('runs').index('runId').getKey(runId)) === undefined) return undefined;
        return (await tx.objectStore('entries').getAll(runRange(runId))).map((e) => e.line);
      });
    },
    async seal(runId) {
      const tx = db.transaction('runs', 'readwrite');
      return inTx(tx, async () => {
        const r = await tx.store.index('runId').get(runId);
        if (r && !r.sealed) await tx.store.put({ ...r, sealed: true });
        return r !== undefined;
      });
    },
    list: async () => (await db.getAll('runs')).map(toInfo),
    async remove(runId) {
      const tx = db.transaction(['runs', 'entries'], 'readwrite');
      await inTx(tx, async () => {
        const ord = await tx.objectStore('runs').index('runId').getKey(runId);
        if (ord === undefined) return;
        await issue([() => tx.objectStore('runs').delete(ord), () => tx.objectStore('entries').delete(runRange(runId))]);
      });
    },
  };
}

function idbQuarantine(db: IDBPDatabase<ForgeDb>): QuarantineDriver {
  return {
    get: (identity) => db.get('quarantine', identity),
    async put(record) {
      const tx = db.transaction(['quarantine', 'quarantineHistory'], 'readwrite');
      await inTx(tx, async () => { await issue([() => tx.objectStore('quarantineHistory').add(record), () => tx.objectStore('quarantine').put(record)]); });
    },
    list: () => db.getAll('quarantine'),
    history: (identity) => db.getAllFromIndex('quarantineHistory', 'identity', identity),
  };
}

/** Packages as bytes beside their size, so a damaged record is seen on read. */
function idbPackages(db: IDBPDatabase<ForgeDb>): PackageDriver {
  return {
    async put(digest, bytes) { await db.put('packages', { digest, bytes, size: bytes.length }); },
    get: (digest) => db.get('packages', digest),
    list: () => db.getAllKeys('packages'),
    async remove(digest) { await db.delete('packages', digest); },
  };
}
