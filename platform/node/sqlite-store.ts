/**
 * Node's default stores: one embedded SQLite database (`node:sqlite`, built into Node ≥ 22.5, so
 * no native build) in the data directory, in WAL mode. The synchronous SQLite API sits behind the
 * asynchronous ports; every platform error is translated at this boundary (store-error.ts).
 */
import { KernelError } from '../../src/errors.ts';
import type { Stores } from '../../src/ports/platform.ts';
import { pruneTraces, withRetention, type PruneReport, type RetentionPolicy } from '../../src/stores/retention.ts';
import { sqlQuarantine } from '../../src/stores/sql-quarantine.ts';
import { sqlTraces } from '../../src/stores/sql-traces.ts';
import { guardStore , storeError } from '../../src/stores/store-error.ts';
import { checkAppend, checkPackage, checkQuarantineRecord, checkRunId, normalizeRecord } from '../../src/stores/validate.ts';
import { openSqlite, type SqliteConnectionOptions } from './sqlite-connection.ts';

export { SQLITE_FILE, SQLITE_MIGRATIONS } from './sqlite-connection.ts';

export interface SqliteStoreOptions extends SqliteConnectionOptions {
  /** Clock for `createdAt`; `Date.now` by default. */
  now?: () => number;
  /** Applied after every seal, and by `prune()` when called without a policy. */
  retention?: RetentionPolicy;
}

export type SqliteStores = Stores & {
  /** Closes the database; later calls fail with STORE_UNAVAILABLE. */
  close(): void;
  /** Applies a retention policy (the configured one by default) now. */
  prune(policy?: RetentionPolicy): Promise<PruneReport>;
  /** The database file. */
  readonly path: string;
};

/**
 * Opens (creating when needed) the SQLite stores in `dir`.
 * @throws KernelError STORE_UNAVAILABLE when the directory or database cannot be opened;
 *   STORE_SCHEMA when the database comes from a newer schema; CONFIG_INVALID for a bad `maxBytes`
 */
export function createSqliteStores(dir: string, opts: SqliteStoreOptions = {}): SqliteStores {
  const now = opts.now ?? Date.now;
  const { db, sql, path } = openSqlite(dir, opts);
  const traces = sqlTraces(sql);
  const quarantine = sqlQuarantine(sql);
  const g = <T,>(op: string, fn: () => T) => guardStore('sqlite', op, fn);

  const appendSync = (runId: string, fromSeq: number, lines: readonly string[]): void => {
    try {
      checkAppend(runId, fromSeq, lines);
      traces.append(runId, fromSeq, lines, now());
    } catch (e) {
      throw storeError(e, 'traces.append', 'sqlite');
    }
  };
  const traceStore: Stores['traces'] = {
    append: (runId, fromSeq, lines) => g('traces.append', () => appendSync(runId, fromSeq, lines)),
    appendSync,
    read: (runId) => g('traces.read', () => (checkRunId(runId), traces.read(runId))),
    seal: (runId) => g('traces.seal', () => { checkRunId(runId); traces.seal(runId); }),
    list: () => g('traces.list', () => traces.list()),
    remove: (runId) => g('traces.remove', () => (checkRunId(runId), traces.remove(runId))),
  };

  const packages: Stores['packages'] = {
    put: (digest, bytes) => g('packages.put', () => {
      checkPackage(digest, bytes);
      sql.run('INSERT INTO packages (digest, bytes, size, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO UPDATE SET bytes = excluded.bytes, size = excluded.size',
        digest, bytes, bytes.length, now());
    }),
    get: (digest) => g('packages.get', () => {
      checkPackage(digest);
      const row = sql.all<{ bytes: Uint8Array; size: number }>('SELECT bytes, size FROM packages WHERE digest = ?', digest)[0];
      if (!row) return undefined;
      if (!(row.bytes instanceof Uint8Array) || row.bytes.length !== row.size) {
        throw new KernelError('STORE_UNAVAILABLE', `sqlite store: package ${digest} is damaged (stored size ${row.size})`, { digest });
      }
      return new Uint8Array(row.bytes);
    }),
    list: () => g('packages.list', () => sql.all<{ digest: string }>('SELECT digest FROM packages ORDER BY rowid').map((r) => r.digest)),
    remove: (digest) => g('packages.remove', () => { checkPackage(digest); sql.run('DELETE FROM packages WHERE digest = ?', digest); }),
  };

  return {
    traces: opts.retention ? withRetention(traceStore, opts.retention, now) : traceStore,
    quarantine: {
      get: (identity) => g('quarantine.get', () => quarantine.get(identity)),
      put: (record) => g('quarantine.put', () => { checkQuarantineRecord(record); quarantine.put(normalizeRecord(record)); }),
      list: () => g('quarantine.list', () => quarantine.list()),
      history: (identity) => g('quarantine.history', () => quarantine.history(identity)),
    },
    packages,
    path,
    close() { if (db.isOpen) db.close(); },
    prune: (policy) => pruneTraces(traceStore, policy ?? opts.retention ?? {}, now()),
  };
}
