/**
 * The genesis entry: what a run is bound to before its first syscall — kernel and its key,
 * configuration, package and signer, policy, identity, limits, a fresh nonce, and the trace's
 * own parameters (checkpoint interval, data caps, redaction rules).
 */
import { fromHex } from '../../lib/encoding.ts';
import { KernelError } from '../../errors.ts';
import { TRACE_FORMAT, type GenesisEntry, type GenesisInfo } from '../format.ts';
import type { Redaction } from './redact.ts';

const LIMIT_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function digest(v: unknown, what: string): Uint8Array {
  const b = typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? fromHex(v) : undefined;
  if (!b) throw new KernelError('TRACE_INVALID', `genesis ${what} must be 64 lowercase hex digits (a SHA-256), got ${JSON.stringify(v)}`, { field: what });
  return b;
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new KernelError('TRACE_INVALID', `genesis ${what} must be a non-empty string`, { field: what });
  // A lone surrogate would encode as U+FFFD: store what the canonical bytes say.
  return v.toWellFormed();
}

/**
 * Builds and checks the genesis entry of a run.
 * @throws KernelError TRACE_INVALID naming the field that is missing or malformed
 */
export function buildGenesis(info: GenesisInfo, p: { kernelKey: Uint8Array; nonce: Uint8Array; runId: string; checkpointInterval: number; redaction: Redaction }): GenesisEntry {
  if (!RUN_ID.test(p.runId)) throw new KernelError('TRACE_INVALID', `run id "${p.runId}" must be 1–128 characters of [A-Za-z0-9._-]`, { field: 'runId' });
  if (!Number.isSafeInteger(p.checkpointInterval) || p.checkpointInterval < 1) {
    throw new KernelError('TRACE_INVALID', `checkpointInterval must be a positive integer, got ${p.checkpointInterval}`, { field: 'checkpointInterval' });
  }
  const limits: [string, number][] = [];
  for (const [k, v] of Object.entries(info.limits ?? {})) {
    if (!LIMIT_NAME.test(k)) throw new KernelError('TRACE_INVALID', `genesis limit name "${k}" must match ${LIMIT_NAME}`, { field: `limits.${k}` });
    if (!Number.isSafeInteger(v) || v < 0) throw new KernelError('TRACE_INVALID', `genesis limit ${k} must be a non-negative integer, got ${v}`, { field: `limits.${k}` });
    limits.push([k, v]);
  }
  limits.sort(([a], [b]) => (a < b ? -1 : 1));
  const startedAt = info.startedAt;
  if (startedAt !== undefined && (!Number.isSafeInteger(startedAt) || startedAt < 0)) {
    throw new KernelError('TRACE_INVALID', `genesis startedAt must be a non-negative integer (ms), got ${startedAt}`, { field: 'startedAt' });
  }
  const pkg = info.package;
  if (pkg === null || typeof pkg !== 'object') throw new KernelError('TRACE_INVALID', 'genesis package must be an object with a digest', { field: 'package' });
  const opt = (v: string | undefined, what: string) => (v === undefined ? {} : { [what]: text(v, `package.${what}`) });
  return {
    kind: 'genesis', seq: 0, format: TRACE_FORMAT, runId: p.runId, kernelId: text(info.kernelId, 'kernelId'), kernelKey: p.kernelKey,
    configDigest: digest(info.configDigest, 'configDigest'),
    package: { digest: digest(pkg.digest, 'package.digest'), ...opt(pkg.name, 'name'), ...opt(pkg.version, 'version'), ...opt(pkg.signer, 'signer') },
    policyDigest: digest(info.policyDigest, 'policyDigest'), identity: text(info.identity, 'identity'), limits, nonce: p.nonce,
    checkpointInterval: p.checkpointInterval, ...(startedAt !== undefined ? { startedAt } : {}),
    dataCap: { entry: p.redaction.maxEntryData, run: p.redaction.maxRunData },
    redact: { paths: p.redaction.paths, env: p.redaction.env, data: p.redaction.data },
  };
}
