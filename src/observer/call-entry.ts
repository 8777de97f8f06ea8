/**
 * Turns what the gate hands over — request, decision, outcome, fuel, trust — into a call entry:
 * a snapshot (the gate may reuse its objects and the data may be a view of guest memory), with
 * redacted arguments digested and returned data kept, digested or withheld (docs/dna.md § Data).
 */
import type { Decision, SyscallOutcome, SyscallRequest } from '../execution/syscalls.ts';
import { KernelError } from '../errors.ts';
import { isGroup, isSyscall, wellFormed } from './canonical.ts';
import type { CallArgs, CallEntry, CallResult } from './format.ts';
import type { Hasher } from './hasher.ts';
import { saltedDigest, type Redaction } from './redact.ts';

export interface EntryContext {
  readonly hasher: Hasher;
  readonly nonce: Uint8Array;
  readonly redaction: Redaction;
  /** Inline data still allowed in this run. */
  dataBudget: number;
}

/** Calls whose returned data is never kept, nor digested: environment values and arguments. */
const WITHHELD = new Set(['environ_get', 'environ_sizes_get', 'args_get', 'args_sizes_get']);

function bad(field: string, v: unknown): never {
  throw new KernelError('INTERNAL', `DNA record: ${field} must be a non-negative integer, got ${String(v)}`, { field });
}
function uint(v: number | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < 0) bad(field, v);
  return v;
}

/**
 * Snapshots one syscall as a call entry. `keepData: false` skips data handling (a call about to be dropped).
 * @throws KernelError INTERNAL when the gate passes a value no trace can hold (an unknown syscall, a negative count)
 */
export function makeCallEntry(c: EntryContext, seq: number, req: SyscallRequest, d: Decision, o: SyscallOutcome, fuel: bigint, trust: number, keepData: boolean): CallEntry {
  if (!isSyscall(req.syscall)) throw new KernelError('INTERNAL', `DNA record: unknown syscall "${String(req.syscall)}"`);
  if (!isGroup(req.group)) throw new KernelError('INTERNAL', `DNA record: unknown action group "${String(req.group)}"`);
  if (typeof fuel !== 'bigint' || fuel < 0n || fuel >= 1n << 64n) bad('fuelUsed', fuel);
  const r = c.redaction;
  let redacted = false;
  const args: { -readonly [K in keyof CallArgs]: CallArgs[K] } = {};
  if (req.fd !== undefined) args.fd = uint(req.fd, 'fd');
  if (req.path !== undefined) {
    if (r.path(req.path)) {
      args.pathDigest = saltedDigest(c.hasher, c.nonce, req.path);
      redacted = true;
    } else args.path = wellFormed(req.path);
  }
  if (req.path2 !== undefined) {
    if (r.path(req.path2)) {
      args.path2Digest = saltedDigest(c.hasher, c.nonce, req.path2);
      redacted = true;
    } else args.path2 = wellFormed(req.path2);
  }
  if (req.env !== undefined) {
    if (r.envName(req.env)) args.envDigest = saltedDigest(c.hasher, c.nonce, req.env);
    else args.env = wellFormed(req.env);
  }
  if (req.bytes !== undefined) args.bytes = uint(req.bytes, 'bytes');
  if (req.access !== undefined) args.access = req.access;

  let rules = d.rules;
  if (rules.some((x) => wellFormed(x) !== x)) rules = rules.map(wellFormed);
  const decision = {
    effect: d.effect === 'allow' ? 'allow' as const : 'deny' as const,
    rules: [...rules],
    reason: wellFormed(d.reason),
    ...(d.monitored ? { monitored: true as const } : {}),
    ...(d.limited !== undefined ? { limited: wellFormed(d.limited) } : {}),
  };

  const result: { -readonly [K in keyof CallResult]: CallResult[K] } = { errno: uint(o.errno, 'errno')! };
  if (o.size !== undefined) result.size = uint(o.size, 'size');
  const data = o.data;
  if (data !== undefined && keepData) {
    result.dataLen = data.length;
    if (WITHHELD.has(req.syscall) || req.group === 'env') result.dataNote = 'withheld';
    else if (redacted || r.data === 'digest') {
      result.dataDigest = c.hasher.digest(data);
      result.dataNote = 'redacted';
    } else if (data.length > r.maxEntryData || data.length > c.dataBudget) {
      result.dataDigest = c.hasher.digest(data);
      result.dataNote = 'cap';
    } else {
      delete result.dataLen;
      result.data = data.slice();
      c.dataBudget -= data.length;
    }
  }
  // -0 and NaN would not survive the JSON view unchanged; the policy graph's scale is finite.
  const t = Number.isFinite(trust) ? trust + 0 : 0;
  return { kind: 'call', seq, syscall: req.syscall, group: req.group, args, decision, result, fuel, trust: t };
}
