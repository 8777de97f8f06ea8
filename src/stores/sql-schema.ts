/**
 * The SQL schema shared by the two SQLite hosts (Node's `node:sqlite`, Durable Objects). The
 * rules that keep a trace trustworthy are enforced by the database as well as by the code, so a
 * bug or a second writer cannot break them: entries are append-only and contiguous, a sealed run
 * takes no more entries, a trace is deleted whole, quarantine history is never rewritten.
 * Each host composes these into its own numbered migrations (docs/stores.md lists them).
 */

export const TRACES_DDL = `
CREATE TABLE runs (
  run_id      TEXT    NOT NULL PRIMARY KEY,
  created_at  INTEGER NOT NULL,
  sealed      INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1)),
  entry_count INTEGER NOT NULL DEFAULT 0 CHECK (entry_count >= 0)
);
CREATE TABLE traces (
  run_id TEXT    NOT NULL,
  seq    INTEGER NOT NULL CHECK (seq >= 0),
  line   TEXT    NOT NULL,
  UNIQUE (run_id, seq)
);
CREATE TRIGGER traces_in_order BEFORE INSERT ON traces
WHEN NEW.seq IS NOT (SELECT CASE WHEN sealed = 0 THEN entry_count END FROM runs WHERE run_id = NEW.run_id)
BEGIN SELECT RAISE(ABORT, 'trace entry out of order, for an unknown run, or for a sealed run'); END;
CREATE TRIGGER traces_count AFTER INSERT ON traces
BEGIN UPDATE runs SET entry_count = entry_count + 1 WHERE run_id = NEW.run_id; END;
CREATE TRIGGER traces_no_update BEFORE UPDATE ON traces
BEGIN SELECT RAISE(ABORT, 'trace entries are append-only'); END;
CREATE TRIGGER traces_delete_whole BEFORE DELETE ON traces
WHEN EXISTS (SELECT 1 FROM runs WHERE run_id = OLD.run_id)
BEGIN SELECT RAISE(ABORT, 'a trace is deleted whole: delete its run first'); END;
CREATE TRIGGER runs_no_unseal BEFORE UPDATE OF sealed ON runs
WHEN OLD.sealed = 1 AND NEW.sealed = 0
BEGIN SELECT RAISE(ABORT, 'a sealed trace cannot be reopened'); END;
`;

export const QUARANTINE_DDL = `
CREATE TABLE quarantine_history (
  id          INTEGER NOT NULL PRIMARY KEY,
  identity    TEXT    NOT NULL,
  quarantined INTEGER NOT NULL CHECK (quarantined IN (0, 1)),
  reason      TEXT    NOT NULL,
  changed_at  REAL    NOT NULL,
  changed_by  TEXT    NOT NULL
);
CREATE INDEX quarantine_history_by_identity ON quarantine_history (identity, id);
CREATE TABLE quarantine_current (
  identity   TEXT    NOT NULL PRIMARY KEY,
  history_id INTEGER NOT NULL REFERENCES quarantine_history (id)
);
CREATE TRIGGER quarantine_history_no_update BEFORE UPDATE ON quarantine_history
BEGIN SELECT RAISE(ABORT, 'quarantine history is append-only'); END;
CREATE TRIGGER quarantine_history_no_delete BEFORE DELETE ON quarantine_history
BEGIN SELECT RAISE(ABORT, 'quarantine history is append-only'); END;
`;

export const PACKAGES_DDL = `
CREATE TABLE packages (
  digest    TEXT    NOT NULL PRIMARY KEY,
  bytes     BLOB    NOT NULL,
  size      INTEGER NOT NULL CHECK (size = length(bytes)),
  stored_at INTEGER NOT NULL
);
`;
