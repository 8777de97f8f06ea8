/**
 * Argument checks the store core (create.ts) runs before any driver touches its host, so every
 * store refuses the same inputs the same way: a value one host would silently mangle (a lone
 * surrogate becomes U+FFFD in SQLite and KV — and then matches another key; a newline splits a
 * JSON-lines export; NUL truncates in some SQLite bindings) is refused instead of stored or looked up.
 */
import { KernelError } from '../errors.ts';
import type { QuarantineRecord } from '../ports/quarantine-store.ts';

/** Longest run id or identity accepted: Durable Object names and KV keys need a bound. */
export const MAX_KEY_LENGTH = 512;

/** No lone UTF-16 surrogate (every host the kernel runs in has ES2024's `isWellFormed`). */
function wellFormed(s: string): boolean {
  return s.isWellFormed();
}

function checkKey(kind: string, key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH || !wellFormed(key)) {
    throw new KernelError('BAD_REQUEST', `${kind} must be a non-empty, well-formed string of at most ${MAX_KEY_LENGTH} characters`, { kind });
  }
}

/** @throws KernelError BAD_REQUEST when `runId` is empty, too long or not well-formed */
export function checkRunId(runId: unknown): asserts runId is string {
  checkKey('run id', runId);
}

/** @throws KernelError BAD_REQUEST when `identity` is empty, too long or not well-formed */
export function checkIdentity(identity: unknown): asserts identity is string {
  checkKey('quarantine identity', identity);
}

/**
 * Checks an append's arguments (not the position against what is stored: the driver reports what
 * it found, atomically with the write, and create.ts decides).
 * @throws KernelError BAD_REQUEST for a bad run id; TRACE_INVALID for a bad `fromSeq` or line
 */
export function checkAppend(runId: unknown, fromSeq: unknown, lines: unknown): void {
  checkRunId(runId);
  if (typeof fromSeq !== 'number' || !Number.isSafeInteger(fromSeq) || fromSeq < 0) {
    throw new KernelError('TRACE_INVALID', `run ${runId}: append position ${String(fromSeq)} is not a non-negative integer`, { runId });
  }
  if (!Array.isArray(lines)) throw new KernelError('TRACE_INVALID', `run ${runId}: lines must be an array of strings`, { runId });
  for (let i = 0; i < lines.length; i++) {
    const line: unknown = lines[i];
    if (typeof line !== 'string' || !wellFormed(line) || /[\n\r\0]/.test(line)) {
      throw new KernelError('TRACE_INVALID',
        `run ${runId}: entry ${fromSeq + i} is not one line of well-formed text (no newline, carriage return, NUL or lone surrogate)`,
        { runId, seq: fromSeq + i });
    }
  }
}

/** @throws KernelError BAD_REQUEST when a field is missing or of the wrong type */
export function checkQuarantineRecord(r: unknown): asserts r is QuarantineRecord {
  const o = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
  checkKey('quarantine identity', o['identity']);
  const bad = typeof o['quarantined'] !== 'boolean' ? 'quarantined (boolean)'
    : typeof o['reason'] !== 'string' || !wellFormed(o['reason']) ? 'reason (string)'
    : typeof o['at'] !== 'number' || !Number.isFinite(o['at']) ? 'at (finite number)'
    : typeof o['by'] !== 'string' || !wellFormed(o['by']) ? 'by (string)'
    : undefined;
  if (bad) throw new KernelError('BAD_REQUEST', `quarantine record for ${o['identity']}: field ${bad} is missing or invalid`, { identity: o['identity'] });
}

/** @throws KernelError BAD_REQUEST when the digest is not a key a store can hold */
export function checkDigest(digest: unknown): asserts digest is string {
  checkKey('package digest', digest);
}

/** @throws KernelError BAD_REQUEST when the digest is not a key a store can hold or `bytes` is not a Uint8Array */
export function checkPackage(digest: unknown, bytes: unknown): asserts bytes is Uint8Array {
  checkDigest(digest);
  if (!(bytes instanceof Uint8Array)) throw new KernelError('BAD_REQUEST', `package ${digest}: bytes must be a Uint8Array`, { digest });
}

/** The record with exactly the port's fields, so no adapter stores or returns extras. */
export function normalizeRecord(r: QuarantineRecord): QuarantineRecord {
  return { identity: r.identity, quarantined: r.quarantined, reason: r.reason, at: r.at, by: r.by };
}
