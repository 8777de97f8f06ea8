/**
 * Trace storage over SQLite (schema: sql-schema.ts), synchronous, shared by the Node store and the
 * per-run Durable Object: the operations of a `TraceDriver`. Every method is one transaction, so an
 * append is stored whole or not at all and a removal deletes a whole trace.
 */
import type { TraceAppendResult, TraceRunInfo } from '../ports/trace-store.ts';
import { first, type SqlExecutor } from './sql-executor.ts';

interface RunRow extends Record<string, number | string> {
  run_id: string;
  created_at: number;
  sealed: number;
  entry_count: number;
}

export interface SqlTraces {
  /** Stores the batch when the run holds exactly `fromSeq` entries and is not sealed; else answers what it found. */
  append(runId: string, fromSeq: number, lines: readonly string[], createdAt: number): TraceAppendResult;
  /** Undefined for an unknown run. */
  read(runId: string): string[] | undefined;
  /** Returns the sealed run's entry count; undefined for an unknown run. */
  seal(runId: string): number | undefined;
  info(runId: string): TraceRunInfo | undefined;
  /** Every run, in creation order. */
  list(): TraceRunInfo[];
  remove(runId: string): void;
}

const toInfo = (r: RunRow): TraceRunInfo => ({ runId: r.run_id, count: r.entry_count, createdAt: r.created_at, sealed: r.sealed === 1 });

/** Trace operations over `db`; the store core (create.ts) decides refusals and translates platform errors. */
export function sqlTraces(db: SqlExecutor): SqlTraces {
  const run = (runId: string) => first<RunRow>(db, 'SELECT run_id, created_at, sealed, entry_count FROM runs WHERE run_id = ?', runId);
  return {
    append(runId, fromSeq, lines, createdAt) {
      return db.transaction((): TraceAppendResult => {
        const r = run(runId);
        const found = { count: r?.entry_count ?? 0, sealed: r?.sealed === 1 };
        if (found.count !== fromSeq || found.sealed) return { stored: false, found };
        if (!r) db.run('INSERT INTO runs (run_id, created_at) VALUES (?, ?)', runId, createdAt);
        for (let i = 0; i < lines.length; i++) db.run('INSERT INTO traces (run_id, seq, line) VALUES (?, ?, ?)', runId, fromSeq + i, lines[i]!);
        return { stored: true };
      });
    },
    read(runId) {
      return db.transaction(() => {
        if (!run(runId)) return undefined;
        return db.all<{ line: string }>('SELECT line FROM traces WHERE run_id = ? ORDER BY seq', runId).map((r) => r.line);
      }, 'read');
    },
    seal(runId) {
      return db.transaction(() => {
        const r = run(runId);
        if (!r) return undefined;
        if (r.sealed === 0) db.run('UPDATE runs SET sealed = 1 WHERE run_id = ?', runId);
        return r.entry_count;
      });
    },
    info(runId) {
      const r = run(runId);
      return r && toInfo(r);
    },
    list() {
      return db.all<RunRow>('SELECT run_id, created_at, sealed, entry_count FROM runs ORDER BY rowid').map(toInfo);
    },
    remove(runId) {
      db.transaction(() => {
        // The run row goes first: the schema refuses deleting entries of a run that still exists.
        db.run('DELETE FROM runs WHERE run_id = ?', runId);
        db.run('DELETE FROM traces WHERE run_id = ?', runId);
      });
    },
  };
}
