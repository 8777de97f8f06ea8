/**
 * The IndexedDB schema of the browser stores (idb-store.ts) and the two transaction helpers every
 * operation uses, so that each one commits whole or not at all.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction } from 'idb';
import type { QuarantineRecord } from '../../src/ports/quarantine-store.ts';
import type { TraceRunInfo } from '../../src/ports/trace-store.ts';

export interface RunRecord { ord?: number; runId: string; createdAt: number; sealed: boolean; count: number }

export interface ForgeDb extends DBSchema {
  /** Keyed by an auto-incremented `ord`, so key order is creation order (retention's tie-break). */
  runs: { key: number; value: RunRecord; indexes: { runId: string } };
  entries: { key: [string, number]; value: { runId: string; seq: number; line: string } };
  quarantine: { key: string; value: QuarantineRecord };
  quarantineHistory: { key: number; value: QuarantineRecord; indexes: { identity: string } };
  packages: { key: string; value: { digest: string; bytes: Uint8Array; size: number } };
}

/** Schema steps by version (the IndexedDB database version); append, never edit one that shipped. */
export const IDB_MIGRATIONS: readonly ((db: IDBPDatabase<ForgeDb>) => void)[] = [
  (db) => {
    db.createObjectStore('runs', { keyPath: 'ord', autoIncrement: true }).createIndex('runId', 'runId', { unique: true });
    db.createObjectStore('entries', { keyPath: ['runId', 'seq'] });
    db.createObjectStore('quarantine', { keyPath: 'identity' });
    db.createObjectStore('quarantineHistory', { autoIncrement: true }).createIndex('identity', 'identity');
    db.createObjectStore('packages', { keyPath: 'digest' });
  },
];

export const runRange = (runId: string) => IDBKeyRange.bound([runId, 0], [runId, Infinity]);
export const toInfo = (r: RunRecord): TraceRunInfo => ({ runId: r.runId, count: r.count, createdAt: r.createdAt, sealed: r.sealed });

/** Runs `body` in one transaction and waits for it to commit; any failure aborts all of it. */
export async function inTx<T>(tx: Pick<IDBPTransaction, 'done' | 'abort'>, body: () => Promise<T>): Promise<T> {
  const done = tx.done;
  done.catch(() => {}); // observed below; an abort must not surface as an unhandled rejection
  try {
    const out = await body();
    await done;
    return out;
  } catch (e) {
    try { tx.abort(); } catch { /* already finished or aborted */ }
    throw e;
  }
}

/**
 * Issues requests in order and waits for all. When one throws synchronously (a quota error raised
 * by `add`), the transaction aborts and the requests already issued reject: they are observed
 * here, so the one failure is reported once, not as stray unhandled rejections.
 */
export function issue(requests: readonly (() => Promise<unknown>)[]): Promise<unknown[]> {
  const issued: Promise<unknown>[] = [];
  try {
    for (const r of requests) issued.push(r());
  } catch (e) {
    for (const p of issued) p.catch(() => {});
    throw e;
  }
  return Promise.all(issued);
}

