/**
 * Node's default stores: one embedded SQLite database (`node:sqlite`, built into Node ≥ 22.5, so
 * no native build) in the data directory, in WAL mode. SQLite is synchronous, so these drivers are
 * thin over it; the store core (src/stores/create.ts) checks arguments, decides refusals and
 * translates every platform error.
 */
import type { PackageDriver } from '../../src/ports/package-store.ts';
import type { QuarantineDriver } from '../../src/ports/quarantine-store.ts';
import type { TraceDriver } from '../../src/ports/trace-store.ts';
import { createStores, type CoreStores } from '../../src/stores/create.ts';
import type { RetentionPolicy } from '../../src/stores/retention.ts';
import type { SqlExecutor } from '../../src/stores/sql-executor.ts';
import { sqlQuarantine } from '../../src/stores/sql-quarantine.ts';
import { sqlTraces } from '../../src/stores/sql-traces.ts';
import { openSqlite, type SqliteConnectionOptions } from './sqlite-connection.ts';

export { SQLITE_FILE, SQLITE_MIGRATIONS } from './sqlite-connection.ts';

export interface SqliteStoreOptions extends SqliteConnectionOptions {
  /** Clock for `createdAt`; `Date.now` by default. */
  now?: () => number;
  /** Applied after every seal, and by `prune()` when called without a policy. */
  retention?: RetentionPolicy;
}

export type SqliteStores = CoreStores & {
  /** Closes the database; later calls fail with STORE_UNAVAILABLE. */
  close(): void;
  /** The database file. */
  readonly path: string;
};

/**
 * Opens (creating when needed) the SQLite stores in `dir`.
 * @throws KernelError STORE_UNAVAILABLE when the directory or database cannot be opened;
 *   STORE_SCHEMA when the database comes from a newer schema; CONFIG_INVALID for a bad `maxBytes`
 *   or `retention`
 */
export function createSqliteStores(dir: string, opts: SqliteStoreOptions = {}): SqliteStores {
  const now = opts.now ?? Date.now;
  const { db, sql, path } = openSqlite(dir, opts);
  const traces = sqlTraces(sql);
  const traceDriver: TraceDriver = {
    appendSync: (runId, fromSeq, lines, createdAt) => traces.append(runId, fromSeq, lines, createdAt),
    append: async (runId, fromSeq, lines, createdAt) => traces.append(runId, fromSeq, lines, createdAt),
    read: async (runId) => traces.read(runId),
    seal: async (runId) => traces.seal(runId) !== undefined,
    list: async () => traces.list(),
    remove: async (runId) => traces.remove(runId),
  };
  const quarantine = sqlQuarantine(sql);
  const quarantineDriver: QuarantineDriver = {
    get: async (identity) => quarantine.get(identity),
    put: async (record) => quarantine.put(record),
    list: async () => quarantine.list(),
    history: async (identity) => quarantine.history(identity),
  };
  const stores = createStores('sqlite', { traces: traceDriver, quarantine: quarantineDriver, packages: sqlitePackages(sql, now) }, opts);
  return { ...stores, path, close() { if (db.isOpen) db.close(); } };
}

/** Packages as blobs, with their size kept beside them so damage is seen on read. */
function sqlitePackages(sql: SqlExecutor, now: () => number): PackageDriver {
  return {
    async put(digest, bytes) {
      sql.run('INSERT INTO packages (digest, bytes, size, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO UPDATE SET bytes = excluded.bytes, size = excluded.size',
        digest, bytes, bytes.length, now());
    },
    get: async (digest) => sql.all<{ bytes: Uint8Array; size: number }>('SELECT bytes, size FROM packages WHERE digest = ?', digest)[0],
    list: async () => sql.all<{ digest: string }>('SELECT digest FROM packages ORDER BY rowid').map((r) => r.digest),
    async remove(digest) { sql.run('DELETE FROM packages WHERE digest = ?', digest); },
  };
}
