/**
 * SQLite inside a Durable Object (`ctx.storage.sql`): the shared `SqlExecutor` over it, the
 * object's schema migrations, and the run catalog. Used by workers/durable-objects.ts.
 */
import type { DurableObjectStorage, SqlStorageValue } from '@cloudflare/workers-types';
import type { Migration, SqlExecutor, SqlRow, SqlValue } from '../../src/stores/sql-executor.ts';
import { QUARANTINE_DDL, TRACES_DDL } from '../../src/stores/sql-schema.ts';
import type { CatalogRow } from './state-protocol.ts';

const CATALOG_DDL = `
CREATE TABLE run_catalog (
  run_id      TEXT    NOT NULL PRIMARY KEY,
  created_at  INTEGER NOT NULL,
  sealed      INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1)),
  entry_count INTEGER NOT NULL DEFAULT 0,
  removing    INTEGER NOT NULL DEFAULT 0 CHECK (removing IN (0, 1))
);
`;

/**
 * Schema history of every ForgeState object; append a step, never edit one that shipped. All
 * roles share one schema (an unused empty table costs nothing), so an object needs no role flag.
 */
export const DO_MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'one trace (runs + entries), the run catalog, quarantine (current + history)', sql: TRACES_DDL + CATALOG_DDL + QUARANTINE_DDL },
];

const bind = (p: SqlValue): SqlStorageValue => (p instanceof Uint8Array ? p.slice().buffer : p);

/** A `SqlExecutor` over a Durable Object's storage; transactions through `transactionSync`. */
export function doSqlExecutor(storage: DurableObjectStorage): SqlExecutor {
  return {
    run(sql, ...params) { storage.sql.exec(sql, ...params.map(bind)).toArray(); },
    all: <R extends SqlRow>(sql: string, ...params: SqlValue[]) => storage.sql.exec(sql, ...params.map(bind)).toArray() as unknown as R[],
    transaction: (fn) => storage.transactionSync(fn),
  };
}

interface CatalogSqlRow extends Record<string, number | string> {
  run_id: string;
  created_at: number;
  sealed: number;
  entry_count: number;
  removing: number;
}

/** The index of runs kept by the `catalog` object: what `TraceStore.list()` starts from. */
export function runCatalog(db: SqlExecutor) {
  return {
    /** Records a run (once); reports whether an unfinished removal of the same id is pending. */
    register(runId: string, createdAt: number): { removing: boolean } {
      db.run('INSERT INTO run_catalog (run_id, created_at) VALUES (?, ?) ON CONFLICT (run_id) DO NOTHING', runId, createdAt);
      const row = db.all<{ removing: number }>('SELECT removing FROM run_catalog WHERE run_id = ?', runId)[0];
      return { removing: row?.removing === 1 };
    },
    sealed(runId: string, count: number): void {
      db.run('UPDATE run_catalog SET sealed = 1, entry_count = ? WHERE run_id = ?', count, runId);
    },
    markRemoving(runId: string): void {
      db.run('UPDATE run_catalog SET removing = 1 WHERE run_id = ?', runId);
    },
    delete(runId: string): void {
      db.run('DELETE FROM run_catalog WHERE run_id = ?', runId);
    },
    list(): CatalogRow[] {
      return db.all<CatalogSqlRow>('SELECT run_id, created_at, sealed, entry_count, removing FROM run_catalog ORDER BY rowid')
        .map((r) => ({ runId: r.run_id, createdAt: r.created_at, sealed: r.sealed === 1, count: r.entry_count, removing: r.removing === 1 }));
    },
  };
}
