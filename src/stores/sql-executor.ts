/**
 * The smallest synchronous SQL surface two hosts share: Node's `node:sqlite` and a Durable
 * Object's `ctx.storage.sql` are both SQLite with a synchronous API, so the trace and quarantine
 * logic (sql-traces.ts, sql-quarantine.ts) and the migrations are written once over this.
 */
import { KernelError } from '../errors.ts';

export type SqlValue = string | number | null | Uint8Array;
export type SqlRow = Record<string, SqlValue>;

export interface SqlExecutor {
  /** Runs one statement (or a script of several when `params` is empty). */
  run(sql: string, ...params: SqlValue[]): void;
  /** Rows of one query. */
  all<R extends SqlRow>(sql: string, ...params: SqlValue[]): R[];
  /**
   * Runs `fn` in a transaction: committed when it returns, rolled back when it throws. `read`
   * asks only for a consistent snapshot, so it never waits for (or blocks) a writer where the
   * host distinguishes the two.
   */
  transaction<T>(fn: () => T, mode?: 'read' | 'write'): T;
}

export interface Migration {
  readonly version: number;
  /** Why this step exists (kept with the schema it creates). */
  readonly description: string;
  readonly sql: string;
}

/** The first row of a query, or undefined. */
export function first<R extends SqlRow>(db: SqlExecutor, sql: string, ...params: SqlValue[]): R | undefined {
  return db.all<R>(sql, ...params)[0];
}

/**
 * Brings the database to the newest schema version, one transaction per step, recording each in
 * `forge_schema`. Returns the version now in place.
 * @throws KernelError STORE_SCHEMA when the database was written by a newer schema than this build knows
 */
export function migrate(db: SqlExecutor, migrations: readonly Migration[], label: string): number {
  db.run('CREATE TABLE IF NOT EXISTS forge_schema (version INTEGER NOT NULL PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const current = Number(first<{ v: number | null }>(db, 'SELECT max(version) AS v FROM forge_schema')?.v ?? 0);
  const latest = migrations.reduce((m, s) => Math.max(m, s.version), 0);
  if (current > latest) {
    throw new KernelError('STORE_SCHEMA',
      `${label}: the database has schema version ${current} but this build knows only up to ${latest}; run a newer ForgeOne or use another data location`,
      { current, latest });
  }
  for (const step of [...migrations].sort((a, b) => a.version - b.version)) {
    if (step.version <= current) continue;
    db.transaction(() => {
      // Another process may have applied it since we looked (two CLIs starting on one directory).
      if (first(db, 'SELECT 1 AS x FROM forge_schema WHERE version = ?', step.version)) return;
      db.run(step.sql);
      db.run('INSERT INTO forge_schema (version, description, applied_at) VALUES (?, ?, ?)', step.version, step.description, Date.now());
    });
  }
  return Math.max(current, latest);
}
