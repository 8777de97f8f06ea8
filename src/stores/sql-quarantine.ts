/**
 * Quarantine state over SQLite (schema: sql-schema.ts), synchronous, shared by the Node store and
 * the quarantine Durable Object: every change is a new history row, and `quarantine_current`
 * points at each identity's latest one — both written in one transaction.
 */
import type { QuarantineRecord } from '../ports/quarantine-store.ts';
import { first, type SqlExecutor } from './sql-executor.ts';

interface HistoryRow extends Record<string, number | string> {
  identity: string;
  quarantined: number;
  reason: string;
  changed_at: number;
  changed_by: string;
}

export interface SqlQuarantine {
  get(identity: string): QuarantineRecord | undefined;
  put(record: QuarantineRecord): void;
  list(): QuarantineRecord[];
  history(identity: string): QuarantineRecord[];
}

const COLUMNS = 'h.identity, h.quarantined, h.reason, h.changed_at, h.changed_by';

const toRecord = (r: HistoryRow): QuarantineRecord =>
  ({ identity: r.identity, quarantined: r.quarantined === 1, reason: r.reason, at: r.changed_at, by: r.changed_by });

/** Quarantine operations over `db`; the store core (create.ts) validates records and translates platform errors. */
export function sqlQuarantine(db: SqlExecutor): SqlQuarantine {
  return {
    get(identity) {
      const r = first<HistoryRow>(db, `SELECT ${COLUMNS} FROM quarantine_current c JOIN quarantine_history h ON h.id = c.history_id WHERE c.identity = ?`, identity);
      return r && toRecord(r);
    },
    put(record) {
      db.transaction(() => {
        const row = first<{ id: number }>(db,
          'INSERT INTO quarantine_history (identity, quarantined, reason, changed_at, changed_by) VALUES (?, ?, ?, ?, ?) RETURNING id',
          record.identity, record.quarantined ? 1 : 0, record.reason, record.at, record.by);
        if (!row) throw new Error('the quarantine history insert returned no row id');
        db.run('INSERT INTO quarantine_current (identity, history_id) VALUES (?, ?) ON CONFLICT (identity) DO UPDATE SET history_id = excluded.history_id',
          record.identity, row.id);
      });
    },
    list() {
      return db.all<HistoryRow>(`SELECT ${COLUMNS} FROM quarantine_current c JOIN quarantine_history h ON h.id = c.history_id ORDER BY c.rowid`).map(toRecord);
    },
    history(identity) {
      return db.all<HistoryRow>(`SELECT ${COLUMNS} FROM quarantine_history h WHERE h.identity = ? ORDER BY h.id`, identity).map(toRecord);
    },
  };
}
