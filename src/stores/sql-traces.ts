/**
 * Trace storage over SQLite (schema: sql-schema.ts), synchronous, shared by the Node store and the
 * per-run Durable Object. Every method is one transaction, so an append is stored whole or not at
 * all and a removal deletes a whole trace.
 */
import { KernelError } from '../errors.ts';
import type { TraceRunInfo } from '../ports/trace-store.ts';
import { first, type SqlExecutor } from './sql-executor.ts';

interface RunRow extends Record<string, number | string> {
  run_id: string;
  created_at: number;
  sealed: number;
  entry_count: number;
}

export interface SqlTraces {
  /** @throws KernelError TRACE_INVALID on a gap, an overlap or a sealed run */
  append(runId: string, fromSeq: number, lines: readonly string[], createdAt: number): void;
  /** @throws KernelError NOT_FOUND */
  read(runId: string): string[];
  /** Returns the sealed run's entry count. @throws KernelError NOT_FOUND */
  seal(runId: string): number;
  info(runId: string): TraceRunInfo | undefined;
  /** Every run, in creation order. */
  list(): TraceRunInfo[];
  remove(runId: string): void;
}

const toInfo = (r: RunRow): TraceRunInfo => ({ runId: r.run_id, count: r.entry_count, createdAt: r.created_at, sealed: r.sealed === 1 });

function notFound(runId: string): KernelError {
  return new KernelError('NOT_FOUND', `no trace stored for run ${runId}`, { runId });
}

/** Trace operations over `db`; callers translate platform errors (store-error.ts). */
export function sqlTraces(db: SqlExecutor): SqlTraces {
  const run = (runId: string) => first<RunRow>(db, 'SELECT run_id, created_at, sealed, entry_count FROM runs WHERE run_id = ?', runId);
  return {
    append(runId, fromSeq, lines, createdAt) {
      db.transaction(() => {
        const r = run(runId);
        const have = r?.entry_count ?? 0;
        if (fromSeq !== have) {
          throw new KernelError('TRACE_INVALID', `run ${runId}: append at entry ${fromSeq} but ${have} are stored`, { runId, fromSeq, have });
        }
        if (r?.sealed === 1) throw new KernelError('TRACE_INVALID', `run ${runId} is sealed; nothing more can be appended`, { runId });
        if (!r) db.run('INSERT INTO runs (run_id, created_at) VALUES (?, ?)', runId, createdAt);
        for (let i = 0; i < lines.length; i++) db.run('INSERT INTO traces (run_id, seq, line) VALUES (?, ?, ?)', runId, fromSeq + i, lines[i]!);
      });
    },
    read(runId) {
      return db.transaction(() => {
        if (!run(runId)) throw notFound(runId);
        return db.all<{ line: string }>('SELECT line FROM traces WHERE run_id = ? ORDER BY seq', runId).map((r) => r.line);
      }, 'read');
    },
    seal(runId) {
      return db.transaction(() => {
        const r = run(runId);
        if (!r) throw notFound(runId);
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
