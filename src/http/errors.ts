/**
 * The API's one error shape: every failure is answered as `{ error: { code, message, details } }`
 * with the HTTP status its KernelError code maps to (src/errors.ts). Anything that is not a
 * KernelError is an internal failure: its message is not shown, so nothing of the host leaks.
 */
import type { z } from 'zod';
import { firstIssue } from '../lib/zod-issues.ts';
import { KernelError, httpStatusOf } from '../errors.ts';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details: Readonly<Record<string, unknown>> };
}

/** The JSON body and status for any thrown value. */
export function errorBody(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof KernelError) return { status: err.httpStatus, body: { error: { ...err.toJSON(), details: plain(err.details) } } };
  return { status: httpStatusOf(err), body: { error: { code: 'INTERNAL', message: 'internal error', details: {} } } };
}

/** The Response for any thrown value. */
export function errorResponse(err: unknown): Response {
  const { status, body } = errorBody(err);
  return Response.json(body, { status });
}

/**
 * A zod failure on a request field as BAD_REQUEST naming the field (`limits.fuel`, `args[2]`).
 * `where` says which part of the request it was (`request body`, `query`).
 */
export function badRequest(error: z.ZodError, where: string): KernelError {
  const i = firstIssue(error);
  return new KernelError('BAD_REQUEST', `${where} field "${i.path}": ${i.message}`, { field: i.path });
}

/** Details may hold anything a module attached (a bigint, a nested error): keep what JSON can carry. */
function plain(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v))) as Record<string, unknown>;
  } catch {
    return {};
  }
}
