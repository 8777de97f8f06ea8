/**
 * One `node:sqlite` connection to the data directory's database, set up for the stores: WAL (readers
 * never wait for the writer; a crash never tears a commit), the chosen durability, an optional size
 * quota, the busy timeout, and the schema migrated forward. Used by sqlite-store.ts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { KernelError } from '../../src/errors.ts';
import { migrate, type Migration, type SqlExecutor, type SqlValue } from '../../src/stores/sql-executor.ts';
import { PACKAGES_DDL, QUARANTINE_DDL, TRACES_DDL } from '../../src/stores/sql-schema.ts';
import { storeError } from '../../src/stores/store-error.ts';

/** The database file inside the data directory. */
export const SQLITE_FILE = 'forge.sqlite';

/** Schema history of the Node database; append a step, never edit one that shipped. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'traces (runs + entries), quarantine (current + history), packages by digest', sql: TRACES_DDL + QUARANTINE_DDL + PACKAGES_DDL },
];

export interface SqliteConnectionOptions {
  /**
   * `full` (default): every commit is fsynced — nothing acknowledged is lost even on power loss.
   * `normal`: WAL's lighter mode; still safe if the process dies, may lose the last commits on power loss.
   */
  durability?: 'full' | 'normal';
  /** How long a writer waits for another connection's lock before STORE_UNAVAILABLE (ms, default 5000). */
  busyTimeoutMs?: number;
  /** A quota: the database file never grows past this many bytes; a write that needs more fails whole. */
  maxBytes?: number;
}

/** A `SqlExecutor` over one connection, with prepared statements cached by text. */
function executor(db: DatabaseSync): SqlExecutor {
  const cache = new Map<string, StatementSync>();
  const stmt = (sql: string) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    run(sql, ...params: SqlValue[]) {
      if (params.length === 0 && sql.includes(';')) db.exec(sql);
      else stmt(sql).run(...params);
    },
    all: <R,>(sql: string, ...params: SqlValue[]) => stmt(sql).all(...params) as R[],
    transaction(fn, mode = 'write') {
      // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read;
      // a read-only snapshot (DEFERRED) takes no lock at all in WAL mode.
      // A transaction still open here was cut off by the wall-clock guard (V8's TerminateExecution
      // runs no catch): it never committed, so it is rolled back rather than nested into.
      if (db.isTransaction) db.exec('ROLLBACK');
      db.exec(mode === 'read' ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE');
      try {
        const out = fn();
        db.exec('COMMIT');
        return out;
      } catch (e) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw e;
      }
    },
  };
}

/** Opens the connection, sets WAL and durability, migrates. @throws KernelError STORE_UNAVAILABLE, STORE_SCHEMA */
function open(path: string, opts: SqliteConnectionOptions): DatabaseSync {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { timeout: opts.busyTimeoutMs ?? 5000 });
    const mode = (db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode?: string } | undefined)?.journal_mode;
    if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, WAL could not be enabled`);
    db.exec(`PRAGMA synchronous = ${opts.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
    if (opts.maxBytes !== undefined) {
      const pageSize = Number((db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size);
      db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(opts.maxBytes / pageSize))}`);
    }
    migrate(executor(db), SQLITE_MIGRATIONS, path);
    return db;
  } catch (e) {
    db?.close();
    throw storeError(e, 'open', 'sqlite');
  }
}

/**
 * Opens (creating when needed) `dir`'s database.
 * @throws KernelError STORE_UNAVAILABLE, STORE_SCHEMA (a newer schema), CONFIG_INVALID (a bad `maxBytes`)
 */
export function openSqlite(dir: string, opts: SqliteConnectionOptions): { db: DatabaseSync; sql: SqlExecutor; path: string } {
  if (opts.maxBytes !== undefined && !(Number.isSafeInteger(opts.maxBytes) && opts.maxBytes > 0)) {
    throw new KernelError('CONFIG_INVALID', `sqlite store: maxBytes must be a positive integer, got ${opts.maxBytes}`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw storeError(e, 'open', 'sqlite');
  }
  const path = join(dir, SQLITE_FILE);
  const db = open(path, opts);
  return { db, sql: executor(db), path };
}
