/**
 * Forensic replay (docs/dna.md § Replay). `replayFeed` hands the sandbox the recorded results of
 * nondeterministic calls in order; `createReplayChecker` is a full set of gate hooks that also
 * replays every decision and confirms, call by call, that the guest makes the same syscalls with
 * the same arguments and gets the same results — or names the first entry where it does not.
 */
import { equalBytes, toHex } from '../../lib/encoding.ts';
import type { Decision, GateHooks, RecordContext, SyscallOutcome, SyscallRequest } from '../../ports/gate-hooks.ts';
import { KernelError } from '../../errors.ts';
import { analyzeTrace, type Analysis } from './analyze.ts';
import type { CallEntry, RunOutcome, TraceEntry } from '../format.ts';
import { Hasher } from '../hash/hasher.ts';
import { saltedDigest } from '../record/redact.ts';

/**
 * Calls whose results come from outside the guest's inputs: the sandbox takes their outcome from
 * the replay hook (they are the calls whose handler commits a result, src/execution/wasi).
 */
export const NONDETERMINISTIC_SYSCALLS: ReadonlySet<string> = new Set([
  'clock_time_get', 'clock_res_get', 'random_get', 'poll_oneoff', 'fd_read', 'fd_pread',
]);

/** Calls the sandbox answered before any policy question (rule `sandbox…`) never reach the replay hook. */
const answeredBySandbox = (e: CallEntry) => e.decision.rules.length === 1 && /^sandbox(\.|$)/.test(e.decision.rules[0]!);

function intact(text: string): Analysis & { genesis: NonNullable<Analysis['genesis']> } {
  const a = analyzeTrace(text);
  if (!a.genesis || a.fault) {
    const f = a.fault!;
    throw new KernelError(f.kind === 'invalid' ? 'TRACE_INVALID' : 'TRACE_TAMPERED', `cannot replay this trace: ${f.reason}`, { entry: f.entry, line: f.line });
  }
  return a as Analysis & { genesis: NonNullable<Analysis['genesis']> };
}

const show = (v: unknown) => (v instanceof Uint8Array ? `${v.length} bytes ${toHex(v.slice(0, 16))}${v.length > 16 ? '…' : ''}` : v === undefined ? '(none)' : JSON.stringify(v));

function describe(r: { syscall: string; fd?: number | undefined; path?: string | undefined; env?: string | undefined }): string {
  const args = [r.fd !== undefined ? `fd ${r.fd}` : '', r.path ?? '', r.env ?? ''].filter(Boolean).join(', ');
  return `${r.syscall}(${args})`;
}

function diverged(e: CallEntry | undefined, seq: number, field: string, recorded: unknown, actual: unknown, req?: SyscallRequest): KernelError {
  const what = e ? `recorded ${describe({ syscall: e.syscall, ...e.args })}` : 'the trace has no further call';
  const did = req ? `the guest called ${describe(req)}` : 'the guest stopped';
  return new KernelError('REPLAY_DIVERGED', `replay diverged at entry ${seq}: ${what}, but ${did} — ${field} differs (recorded ${show(recorded)}, replayed ${show(actual)})`,
    { entry: seq, field, recorded: show(recorded), actual: show(actual) });
}

/** The recorded outcome of a call, for the sandbox to hand to the guest. @throws KernelError REPLAY_INCOMPLETE */
function outcomeOf(e: CallEntry): SyscallOutcome {
  const r = e.result;
  if (r.dataNote !== undefined) {
    throw new KernelError('REPLAY_INCOMPLETE', `entry ${e.seq} (${e.syscall}) returned ${r.dataLen} bytes the trace did not keep (${r.dataNote}): the run cannot be replayed past it`, { entry: e.seq, note: r.dataNote });
  }
  return { errno: r.errno, ...(r.size !== undefined ? { size: r.size } : {}), ...(r.data !== undefined ? { data: r.data.slice() } : {}) };
}

/**
 * A replay source: the recorded outcomes of allowed nondeterministic calls, in order.
 * @throws KernelError TRACE_INVALID / TRACE_TAMPERED for a trace that is not intact; the returned
 *   function throws REPLAY_DIVERGED when asked for a call the trace does not hold next, REPLAY_INCOMPLETE
 *   when the data was not kept
 */
export function replayFeed(text: string): NonNullable<GateHooks['replay']> {
  const a = intact(text);
  const feed = a.entries.filter((e): e is CallEntry => e.kind === 'call' && e.decision.effect === 'allow' && NONDETERMINISTIC_SYSCALLS.has(e.syscall) && !answeredBySandbox(e));
  let i = 0;
  return (req) => {
    const e = feed[i];
    if (!e) throw diverged(undefined, a.entries.length, 'syscall', undefined, req.syscall, req);
    if (e.syscall !== req.syscall) throw diverged(e, e.seq, 'syscall', e.syscall, req.syscall, req);
    if (e.args.fd !== req.fd) throw diverged(e, e.seq, 'fd', e.args.fd, req.fd, req);
    i++;
    return outcomeOf(e);
  };
}

export interface ReplayReport {
  readonly ok: true;
  /** Call entries confirmed. */
  readonly calls: number;
  readonly message: string;
}

export interface ReplayChecker extends GateHooks {
  replay(request: SyscallRequest): SyscallOutcome;
  /** Confirms the guest made every recorded call and ended as recorded. @throws KernelError REPLAY_DIVERGED */
  finish(outcome: RunOutcome): ReplayReport;
  /** Index of the next entry to confirm. */
  readonly position: number;
  /** The first divergence (or REPLAY_INCOMPLETE), once one was found (every later hook call throws it again). */
  readonly divergence: KernelError | undefined;
}

/**
 * Gate hooks that replay a trace and check the guest against it.
 * @throws KernelError TRACE_INVALID / TRACE_TAMPERED for a trace that is not intact
 */
export function createReplayChecker(text: string, opts: { compareFuel?: boolean } = {}): ReplayChecker {
  const a = intact(text);
  const nonce = a.genesis.nonce;
  const h = new Hasher();
  const entries: TraceEntry[] = a.entries;
  const compareFuel = opts.compareFuel ?? true;
  let pos = 1;
  let checkedRequest = -1;
  let divergence: KernelError | undefined;

  const fail = (err: KernelError): never => {
    divergence ??= err;
    throw divergence;
  };
  const current = (req: SyscallRequest): CallEntry => {
    if (divergence) throw divergence;
    const e = entries[pos];
    if (e === undefined) return fail(diverged(undefined, pos, 'syscall', undefined, req.syscall, req));
    if (e.kind === 'drop') {
      return fail(new KernelError('REPLAY_INCOMPLETE', `entry ${e.seq} is a drop record: ${e.count} calls were never recorded, so the run cannot be replayed past it`, { entry: e.seq }));
    }
    if (e.kind !== 'call') return fail(diverged(undefined, pos, 'entry', e.kind, 'call', req));
    if (checkedRequest !== pos) {
      const same = (field: string, rec: string | undefined, digest: Uint8Array | undefined, act: string | undefined) => {
        const ok = digest ? act !== undefined && equalBytes(saltedDigest(h, nonce, act), digest) : rec === act;
        if (!ok) fail(diverged(e, e.seq, field, digest ? `<redacted ${toHex(digest).slice(0, 12)}>` : rec, act, req));
      };
      if (e.syscall !== req.syscall) fail(diverged(e, e.seq, 'syscall', e.syscall, req.syscall, req));
      if (e.group !== req.group) fail(diverged(e, e.seq, 'group', e.group, req.group, req));
      if (e.args.fd !== req.fd) fail(diverged(e, e.seq, 'fd', e.args.fd, req.fd, req));
      same('path', e.args.path, e.args.pathDigest, req.path);
      same('path2', e.args.path2, e.args.path2Digest, req.path2);
      same('env', e.args.env, e.args.envDigest, req.env);
      if (e.args.bytes !== req.bytes) fail(diverged(e, e.seq, 'bytes', e.args.bytes, req.bytes, req));
      if (e.args.access !== req.access) fail(diverged(e, e.seq, 'access', e.args.access, req.access, req));
      checkedRequest = pos;
    }
    return e;
  };

  return {
    get position() { return pos; },
    get divergence() { return divergence; },
    decide(req): Decision {
      const d = current(req).decision;
      return { effect: d.effect, rules: [...d.rules], reason: d.reason, ...(d.monitored ? { monitored: true } : {}), ...(d.limited !== undefined ? { limited: d.limited } : {}) };
    },
    replay(req) {
      const e = current(req);
      try {
        return outcomeOf(e);
      } catch (err) {
        return fail(err as KernelError);
      }
    },
    record(req, decision, outcome, ctx: RecordContext) {
      const e = current(req);
      const r = e.result;
      if (decision.effect !== e.decision.effect) fail(diverged(e, e.seq, 'decision', e.decision.effect, decision.effect, req));
      if (outcome.errno !== r.errno) fail(diverged(e, e.seq, 'errno', r.errno, outcome.errno, req));
      if (outcome.size !== r.size) fail(diverged(e, e.seq, 'size', r.size, outcome.size, req));
      const data = outcome.data;
      if (r.data !== undefined && !(data !== undefined && equalBytes(data, r.data))) fail(diverged(e, e.seq, 'data', r.data, data, req));
      if (r.dataDigest !== undefined && !(data !== undefined && equalBytes(h.digest(data), r.dataDigest))) fail(diverged(e, e.seq, 'data digest', r.dataDigest, data, req));
      if (r.dataLen !== undefined && data?.length !== r.dataLen) fail(diverged(e, e.seq, 'data length', r.dataLen, data?.length, req));
      if (compareFuel && ctx.fuelUsed !== e.fuel) fail(diverged(e, e.seq, 'fuel used', e.fuel.toString(), ctx.fuelUsed.toString(), req));
      pos++;
    },
    finish(outcome) {
      if (divergence) throw divergence;
      const next = entries[pos];
      if (next !== undefined) {
        const what = next.kind === 'call' ? describe({ syscall: next.syscall, ...next.args }) : `a ${next.kind} record`;
        fail(new KernelError('REPLAY_DIVERGED', `replay diverged at entry ${pos}: the guest stopped (${outcome.status}), but the trace continues with ${what}`, { entry: pos, field: 'end' }));
      }
      const s = a.summary?.summary.outcome;
      if (s && (s.status !== outcome.status || s.exitCode !== outcome.exitCode)) {
        fail(new KernelError('REPLAY_DIVERGED', `replay diverged at the end (entry ${pos}): recorded outcome ${s.status}${s.exitCode !== undefined ? ` ${s.exitCode}` : ''}, replayed ${outcome.status}${outcome.exitCode !== undefined ? ` ${outcome.exitCode}` : ''}`,
          { entry: pos, field: 'outcome', recorded: s, actual: { status: outcome.status, exitCode: outcome.exitCode } }));
      }
      const calls = pos - 1;
      return { ok: true, calls, message: `replayed ${calls} calls identically${s ? `; same outcome (${s.status})` : '; the trace has no summary, so the outcome was not compared'}` };
    },
  };
}
