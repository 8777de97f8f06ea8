/**
 * The RPC surface of the `ForgeState` Durable Object (workers/durable-objects.ts) as the adapter
 * sees it. One class plays three roles, each instance by its name: `run:<id>` holds one trace,
 * `catalog` indexes the runs, `quarantine` is the authority on quarantine state.
 *
 * Domain outcomes (a refused append, an unknown run, a refused argument) cross RPC as values,
 * because an exception thrown in a Durable Object reaches the caller as a plain Error without its
 * `code`; anything thrown across RPC is therefore a platform failure, which the store core makes
 * STORE_UNAVAILABLE.
 */
import { KernelError, type ErrorCode } from '../../src/errors.ts';
import type { QuarantineRecord } from '../../src/ports/quarantine-store.ts';
import type { TraceAppendResult, TraceRunInfo } from '../../src/ports/trace-store.ts';

export type StateResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly details: Record<string, unknown> };

export interface CatalogRow {
  readonly runId: string;
  readonly createdAt: number;
  /** Recorded when the run DO confirmed its seal; until then the run DO is asked. */
  readonly sealed: boolean;
  readonly count: number;
  /** A removal started and may not have finished (the process died between the two steps). */
  readonly removing: boolean;
}

/** Methods of ForgeState, synchronous on the object's side; the stub makes each a Promise. */
export interface ForgeStateRpc {
  /** Stored, or refused with the run as the object found it (the adapter decides the error). */
  runAppend(runId: string, fromSeq: number, lines: string[], createdAt: number): StateResult<TraceAppendResult>;
  /** Null for an unknown run. */
  runRead(runId: string): StateResult<string[] | null>;
  /** The sealed run's entry count; null for an unknown run. */
  runSeal(runId: string): StateResult<number | null>;
  runInfo(runId: string): StateResult<TraceRunInfo | null>;
  runRemove(runId: string): StateResult<null>;
  catalogRegister(runId: string, createdAt: number): StateResult<{ removing: boolean }>;
  catalogSealed(runId: string, count: number): StateResult<null>;
  catalogMarkRemoving(runId: string): StateResult<null>;
  catalogDelete(runId: string): StateResult<null>;
  catalogList(): StateResult<CatalogRow[]>;
  quarantineGet(identity: string): StateResult<QuarantineRecord | null>;
  quarantinePut(record: QuarantineRecord): StateResult<null>;
  quarantineList(): StateResult<QuarantineRecord[]>;
  quarantineHistory(identity: string): StateResult<QuarantineRecord[]>;
}

/** What `namespace.get(id)` returns for ForgeState: every method asynchronous. */
export type ForgeStateStub = {
  [K in keyof ForgeStateRpc]: (...args: Parameters<ForgeStateRpc[K]>) => Promise<ReturnType<ForgeStateRpc[K]>>;
};

/** Object side: runs `fn`, turning a KernelError into a result; platform errors propagate. */
export function stateResult<T>(fn: () => T): StateResult<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof KernelError) return { ok: false, code: e.code, message: e.message, details: { ...e.details } };
    throw e;
  }
}

/** Caller side: the value, or the KernelError the object decided on. @throws KernelError */
export async function unwrap<T>(result: Promise<StateResult<T>>): Promise<T> {
  const r = await result;
  if (r.ok) return r.value;
  throw new KernelError(r.code, r.message, r.details);
}
