/**
 * The one place platform storage failures become kernel errors. The store core (create.ts) runs
 * every driver call — memory, SQLite, IndexedDB, KV + Durable Objects — through `guardStore`, and
 * the fault injector uses the same translation, so a caller sees STORE_UNAVAILABLE with the
 * platform's own error attached — never a raw DOMException or SQLite error, and never a silent success.
 */
import { KernelError } from '../errors.ts';

/** What is known of a platform error, kept in `details` so it survives JSON (HTTP, CLI, RPC). */
export interface PlatformErrorInfo {
  readonly name: string;
  readonly message: string;
  /** A platform code when there is one: `ERR_SQLITE_ERROR`, an SQLite `errcode`, … */
  readonly code?: string | number;
  /** SQLite's own description (`database is locked`, `database or disk is full`). */
  readonly errstr?: string;
}

/** Describes any thrown value without trusting its shape. */
export function describePlatformError(e: unknown): PlatformErrorInfo {
  if (typeof e !== 'object' || e === null) return { name: typeof e, message: String(e) };
  const o = e as Record<string, unknown>;
  const name = typeof o['name'] === 'string' ? o['name'] : 'Error';
  const message = typeof o['message'] === 'string' ? o['message'] : String(e);
  const errcode = o['errcode'];
  const code = typeof errcode === 'number' ? errcode : typeof o['code'] === 'string' || typeof o['code'] === 'number' ? o['code'] : undefined;
  const errstr = typeof o['errstr'] === 'string' ? o['errstr'] : undefined;
  return { name, message, ...(code !== undefined ? { code } : {}), ...(errstr !== undefined ? { errstr } : {}) };
}

/**
 * Translates a failure of store operation `op` (e.g. `traces.append`): a KernelError passes through
 * unchanged (it is already a decision: TRACE_INVALID, NOT_FOUND …); anything else becomes
 * STORE_UNAVAILABLE with the original as `cause` and its description in `details.platformError`.
 */
export function storeError(e: unknown, op: string, store: string): KernelError {
  if (e instanceof KernelError) return e;
  const info = describePlatformError(e);
  return new KernelError('STORE_UNAVAILABLE',
    `${store} store unavailable: ${op} failed: ${info.name}: ${info.message}`,
    { op, store, platformError: info }, { cause: e });
}

/** Runs one store call, translating any failure with `storeError`. @throws KernelError */
export async function guardStore<T>(store: string, op: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw storeError(e, op, store);
  }
}
