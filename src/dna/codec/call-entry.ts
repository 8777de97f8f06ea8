/**
 * Writes what the gate hands over — request, decision, outcome, fuel, trust — as a canonical call
 * entry, straight into the recorder's batch buffer: a snapshot (the gate may reuse its objects and
 * the data may be a view of guest memory), with redacted arguments digested and returned data
 * kept, digested or withheld (docs/dna.md § Data). No object is built per call; the risk flags the
 * call raises are computed over one reused view, exactly as the verifier computes them from the
 * entry it parses (score.ts `callFlags`).
 */
import type { Decision, SyscallOutcome, SyscallRequest } from '../../ports/gate-hooks.ts';
import { GROUP_INDEX, SYSCALL_INDEX } from '../../ports/syscalls.ts';
import { KernelError } from '../../errors.ts';
import { leb, type ByteWriter } from '../../lib/bytes.ts';
import { ACCESS, KIND } from './canonical.ts';
import { CANONICAL_VERSION, DATA_NOTES, type CallEntry } from '../format.ts';
import type { Hasher } from '../hash/hasher.ts';
import { saltedDigest, type Redaction } from '../record/redact.ts';
import { callFlags } from '../inspect/score.ts';

export interface EntryContext {
  readonly hasher: Hasher;
  readonly nonce: Uint8Array;
  readonly redaction: Redaction;
  /** Inline data still allowed in this run. */
  dataBudget: number;
}

/** Calls whose returned data is never kept, nor digested: environment values and arguments. */
const WITHHELD = new Set(['environ_get', 'environ_sizes_get', 'args_get', 'args_sizes_get']);
const NOTE = { cap: DATA_NOTES.indexOf('cap'), redacted: DATA_NOTES.indexOf('redacted'), withheld: DATA_NOTES.indexOf('withheld') };
const REDACTED = new Uint8Array(32);
const FUEL_LIMIT = 1n << 64n;

function bad(field: string, v: unknown): never {
  throw new KernelError('INTERNAL', `DNA record: ${field} must be a non-negative integer, got ${String(v)}`, { field });
}
function checkUint(v: number | undefined, field: string): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) bad(field, v);
}

type FlagView = { -readonly [K in keyof Pick<CallEntry, 'group' | 'trust'>]: CallEntry[K] } & {
  args: { path?: string; path2?: string; env?: string; pathDigest?: Uint8Array; path2Digest?: Uint8Array; envDigest?: Uint8Array };
  decision: { effect: 'allow' | 'deny'; monitored?: true; limited?: string };
  result: { errno: number };
};

/** One per recorder: checks calls, computes their flags and writes their entries. */
export class CallWriter {
  readonly #c: EntryContext;
  readonly #v: FlagView = {
    group: 'proc', trust: 0,
    args: { path: undefined, path2: undefined, env: undefined, pathDigest: undefined, path2Digest: undefined, envDigest: undefined },
    decision: { effect: 'allow', monitored: undefined, limited: undefined }, result: { errno: 0 },
  };
  #path: string | undefined;
  #path2: string | undefined;
  #env: string | undefined;
  #redacted = false;

  constructor(c: EntryContext) {
    this.#c = c;
  }

  /**
   * Checks a call and returns the risk flags it raises (a bit set over RISK_FLAGS), without writing it.
   * @throws KernelError INTERNAL when the gate passes a value no trace can hold (an unknown syscall, a negative count)
   */
  check(req: SyscallRequest, d: Decision, o: SyscallOutcome, fuel: bigint, trust: number): number {
    const syscall = SYSCALL_INDEX.get(req.syscall);
    if (syscall === undefined) throw new KernelError('INTERNAL', `DNA record: unknown syscall "${String(req.syscall)}"`);
    if (!GROUP_INDEX.has(req.group)) throw new KernelError('INTERNAL', `DNA record: unknown action group "${String(req.group)}"`);
    if (typeof fuel !== 'bigint' || fuel < 0n || fuel >= FUEL_LIMIT) bad('fuelUsed', fuel);
    checkUint(req.fd, 'fd');
    checkUint(req.bytes, 'bytes');
    checkUint(o.errno, 'errno');
    if (o.errno === undefined) bad('errno', o.errno);
    checkUint(o.size, 'size');
    if (req.access !== undefined && !ACCESS.includes(req.access)) throw new KernelError('INTERNAL', `DNA record: unknown access "${String(req.access)}"`);
    const r = this.#c.redaction;
    const v = this.#v;
    const a = v.args;
    const pathRedacted = req.path !== undefined && r.path(req.path);
    const path2Redacted = req.path2 !== undefined && r.path(req.path2);
    const envRedacted = req.env !== undefined && r.envName(req.env);
    this.#path = req.path === undefined || pathRedacted ? undefined : req.path.toWellFormed();
    this.#path2 = req.path2 === undefined || path2Redacted ? undefined : req.path2.toWellFormed();
    this.#env = req.env === undefined || envRedacted ? undefined : req.env.toWellFormed();
    this.#redacted = pathRedacted || path2Redacted;
    a.path = this.#path;
    a.path2 = this.#path2;
    a.env = this.#env;
    a.pathDigest = pathRedacted ? REDACTED : undefined;
    a.path2Digest = path2Redacted ? REDACTED : undefined;
    a.envDigest = envRedacted ? REDACTED : undefined;
    v.group = req.group;
    v.decision.effect = d.effect === 'allow' ? 'allow' : 'deny';
    v.decision.monitored = d.monitored ? true : undefined;
    v.decision.limited = d.limited;
    v.result.errno = o.errno;
    // -0 and NaN would not survive the JSON view unchanged; the policy graph's scale is finite.
    v.trust = Number.isFinite(trust) ? trust + 0 : 0;
    return callFlags(v);
  }

  /**
   * Checks the call and appends its canonical entry `seq` to `w`; returns the flags it raises.
   * @throws KernelError INTERNAL as `check` (nothing is written then)
   */
  write(w: ByteWriter, seq: number, req: SyscallRequest, d: Decision, o: SyscallOutcome, fuel: bigint, trust: number): number {
    const flags = this.check(req, d, o, fuel, trust);
    const v = this.#v;
    // Fixed-size fields go in through one room check each run of them; strings make their own room.
    w.room(40);
    let b = w.buf;
    let p = w.pos;
    b[p++] = CANONICAL_VERSION;
    b[p++] = KIND.call;
    p = leb(b, p, seq);
    b[p++] = 1;
    p = leb(b, p, SYSCALL_INDEX.get(req.syscall)!);
    b[p++] = 2;
    p = leb(b, p, GROUP_INDEX.get(req.group)!);
    if (req.fd !== undefined) {
      b[p++] = 3;
      p = leb(b, p, req.fd);
    }
    w.pos = p;
    if (req.path !== undefined) this.#arg(w, 4, this.#path, req.path);
    if (req.path2 !== undefined) this.#arg(w, 6, this.#path2, req.path2);
    if (req.env !== undefined) this.#arg(w, 8, this.#env, req.env);
    w.room(24);
    b = w.buf;
    p = w.pos;
    if (req.bytes !== undefined) {
      b[p++] = 10;
      p = leb(b, p, req.bytes);
    }
    if (req.access !== undefined) {
      b[p++] = 11;
      b[p++] = ACCESS.indexOf(req.access);
    }
    b[p++] = 16;
    b[p++] = v.decision.effect === 'allow' ? 0 : 1;
    b[p++] = 17;
    w.pos = leb(b, p, d.rules.length);
    for (const rule of d.rules) w.str(rule);
    w.u8(18);
    w.str(d.reason);
    if (d.monitored) w.u8(19);
    if (d.limited !== undefined) {
      w.u8(20);
      w.str(d.limited);
    }
    w.room(24);
    b = w.buf;
    p = w.pos;
    b[p++] = 32;
    p = leb(b, p, o.errno);
    if (o.size !== undefined) {
      b[p++] = 33;
      p = leb(b, p, o.size);
    }
    w.pos = p;
    if (o.data !== undefined) this.#data(w, req, o.data);
    w.u8(48);
    w.big(fuel);
    w.u8(49);
    w.f64(v.trust);
    return flags;
  }

  /** A path or variable name as itself (tag), or as its salted digest (tag + 1) when redacted. */
  #arg(w: ByteWriter, tag: number, kept: string | undefined, raw: string): void {
    if (kept !== undefined) {
      w.u8(tag);
      w.str(kept);
    } else {
      w.u8(tag + 1);
      w.raw(saltedDigest(this.#c.hasher, this.#c.nonce, raw));
    }
  }

  #data(w: ByteWriter, req: SyscallRequest, data: Uint8Array): void {
    const c = this.#c;
    const r = c.redaction;
    let note: number;
    if (WITHHELD.has(req.syscall) || req.group === 'env') note = NOTE.withheld;
    else if (this.#redacted || r.data === 'digest') note = NOTE.redacted;
    else if (data.length > r.maxEntryData || data.length > c.dataBudget) note = NOTE.cap;
    else {
      w.u8(34);
      w.bytes(data);
      c.dataBudget -= data.length;
      return;
    }
    w.u8(35);
    w.uint(data.length);
    if (note !== NOTE.withheld) {
      w.u8(36);
      w.room(32);
      c.hasher.reset().update(data).finish(w.buf, w.pos);
      w.pos += 32;
    }
    w.u8(37);
    w.uint(note);
  }
}
