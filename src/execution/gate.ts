/**
 * `secureSyscall` — the one path every WASI import takes. For each call it:
 *   1. decodes the guest's arguments from linear memory (bounds-checked: EFAULT, never a throw),
 *   2. builds the SyscallRequest (the group refined per call: fd_write on stdout is `stdio`),
 *   3. asks `hooks.decide`; a deny returns ENOTCAPABLE to the guest (see docs/sandbox.md),
 *   4. performs the call (or, for nondeterministic calls, takes the outcome from `hooks.replay`),
 *   5. hands request, decision and outcome to `hooks.record` with the fuel used so far.
 * Calls the sandbox answers itself before any policy question — an argument outside memory,
 * an fd the guest does not hold, a malformed path — are recorded with a `sandbox*` rule (answered()).
 * A hook that throws KernelError QUARANTINED or POLICY_DENIED stops the run (GuestStop).
 */
import { KernelError } from '../errors.ts';
import { DEFAULT_GROUP, type SyscallName } from '../ports/syscalls.ts';
import type { Decision, GateHooks, RecordContext, SyscallOutcome, SyscallRequest } from '../ports/gate-hooks.ts';
import { E, ERRNO_NAMES } from './wasi/constants.ts';
import { GuestStop } from './wasi/stop.ts';
import type { Args, Handler, Prepared, WasiSystem } from './wasi/system.ts';

export interface GateContext {
  readonly sys: WasiSystem;
  readonly hooks: GateHooks;
  readonly handlers: Readonly<Record<SyscallName, Handler>>;
  /** Passed to `hooks.record`; its `fuelUsed` is read lazily (a getter over the fuel global). */
  readonly recordContext: RecordContext;
  /** Checked on every call: once aborted, the run stops as `killed`. */
  readonly signal?: AbortSignal;
  /** The run's wall-clock deadline, checked every DEADLINE_EVERY calls (so a host without a guard stops a busy guest too). */
  readonly deadline?: Deadline;
}

/** When a run must end (a time on `now`, ms) and the limit to name; `left` counts calls down to the next look at the clock. */
export interface Deadline {
  readonly at: number;
  /** The platform's monotonic clock in ms (`Clock.monotonicNs`), so a manual clock drives the timeout. */
  readonly now: () => number;
  readonly timeoutMs: number;
  left: number;
}

/**
 * Calls between looks at the clock: reading it costs about 50 ns, more than the rest of a cheap
 * call's check, while 64 calls take microseconds. The gate, not the guard, should stop a guest that
 * is making calls: the guard's TerminateExecution may land inside host code — a store write, a
 * trace entry half made — where the gate stops between calls.
 */
export const DEADLINE_EVERY = 64;

/** The errno a policy deny returns: WASI's "capabilities insufficient". */
export const DENY_ERRNO = E.NOTCAPABLE;

const OUT_OF_BOUNDS: Decision = Object.freeze({
  effect: 'deny', rules: Object.freeze(['sandbox.bounds']), reason: 'refused by the sandbox: an argument points outside guest memory',
});

/**
 * The decision recorded for a call the sandbox answered before any policy question. EFAULT is a
 * refusal (a deny: out-of-bounds pointers are what hostile guests send); the others — an fd the
 * guest does not hold, a non-socket given to a socket call, a malformed path — are ordinary
 * errors of a call that names nothing to decide on (wasi-libc probes fds this way at start-up),
 * so they are recorded as let through to their error, under the rule `sandbox`.
 */
function answered(errno: number): Decision {
  return errno === E.FAULT ? OUT_OF_BOUNDS : {
    effect: 'allow', rules: ['sandbox'], reason: `answered by the sandbox before any policy question: ${ERRNO_NAMES[errno] ?? errno}`,
  };
}

/** The fd a call names, read from its raw arguments (for the record of a call refused while decoding). */
function fdArg(name: SyscallName, args: Args): number | undefined {
  if (name === 'path_symlink') return typeof args[2] === 'number' ? args[2] >>> 0 : undefined;
  if (name.startsWith('fd_') || name.startsWith('path_') || name.startsWith('sock_')) return typeof args[0] === 'number' ? args[0] >>> 0 : undefined;
  return undefined;
}

function toRequest(name: SyscallName, p: Prepared): SyscallRequest {
  const req: { -readonly [K in keyof SyscallRequest]: SyscallRequest[K] } = { syscall: name, group: p.group ?? DEFAULT_GROUP[name] };
  if (p.fd !== undefined) req.fd = p.fd;
  if (p.path !== undefined) req.path = p.path;
  if (p.path2 !== undefined) req.path2 = p.path2;
  if (p.env !== undefined) req.env = p.env;
  if (p.bytes !== undefined) req.bytes = p.bytes;
  if (p.access !== undefined) req.access = p.access;
  return req;
}

/** Turns a hook's exception into the stop it means; anything else is an internal failure. */
function stopFor(e: unknown): GuestStop {
  if (e instanceof GuestStop) return e;
  if (e instanceof KernelError) {
    const status = e.code === 'QUARANTINED' ? 'quarantined' : e.code === 'POLICY_DENIED' || e.code === 'RATE_LIMITED' ? 'denied'
      : e.code === 'OUTPUT_LIMIT' ? 'output-limit' : 'killed';
    return new GuestStop(status, e.exitCode, e.message, e);
  }
  return new GuestStop('killed', 70, `internal error in the syscall gate: ${e instanceof Error ? e.message : String(e)}`, e);
}

/**
 * The environment the guest may see: each offered variable is a request of its own
 * (`environ_get` with `env: NAME`), decided and recorded once, so a policy grants names, not the
 * whole environment, and the trace shows every name handed out or withheld.
 */
function visibleEnv(ctx: GateContext): Uint8Array[] {
  const visible: Uint8Array[] = [];
  for (const [name, bytes] of ctx.sys.envOffered) {
    const req: SyscallRequest = { syscall: 'environ_get', group: 'env', env: name };
    let decision: Decision;
    try {
      decision = ctx.hooks.decide(req);
    } catch (e) {
      return ctx.sys.stop(stopFor(e));
    }
    const allowed = decision.effect === 'allow';
    if (allowed) visible.push(bytes);
    try {
      ctx.hooks.record(req, decision, { errno: allowed ? 0 : DENY_ERRNO, size: allowed ? bytes.length : 0 }, ctx.recordContext);
    } catch (h) {
      ctx.sys.stop(stopFor(h));
    }
  }
  return visible;
}

/**
 * Performs one WASI call for the guest and returns its errno.
 * @throws GuestStop when the call ends the run (proc_exit, a stop from a hook, an output cap, cancellation)
 */
export function secureSyscall(name: SyscallName, args: Args, ctx: GateContext): number {
  const sys = ctx.sys;
  if (sys.stopped !== undefined) throw sys.stopped;
  if (ctx.signal?.aborted) sys.stop(new GuestStop('killed', 137, 'the run was cancelled by its host'));
  const dl = ctx.deadline;
  if (dl !== undefined && --dl.left <= 0) {
    dl.left = DEADLINE_EVERY;
    if (dl.now() > dl.at) sys.stop(new GuestStop('timeout', 124, `the guest ran past its ${dl.timeoutMs} ms wall-clock limit`));
  }
  sys.mem.refresh();
  const hooks = ctx.hooks;
  if (sys.env === undefined && (name === 'environ_get' || name === 'environ_sizes_get')) sys.env = visibleEnv(ctx);

  let prepared: Prepared;
  try {
    prepared = ctx.handlers[name](sys, args);
  } catch (e) {
    if (typeof e !== 'number') throw e;
    const fd = fdArg(name, args);
    const req: SyscallRequest = fd === undefined ? { syscall: name, group: DEFAULT_GROUP[name] } : { syscall: name, group: DEFAULT_GROUP[name], fd };
    try {
      hooks.record(req, answered(e), { errno: e }, ctx.recordContext);
    } catch (h) {
      sys.stop(stopFor(h));
    }
    return e;
  }

  const req = toRequest(name, prepared);
  let decision: Decision;
  try {
    decision = hooks.decide(req);
  } catch (e) {
    const stop = stopFor(e);
    try {
      hooks.record(req, { effect: 'deny', rules: [], reason: stop.reason }, { errno: DENY_ERRNO }, ctx.recordContext);
    } catch {
      // The stop below is what the caller learns; a failing record must not hide it.
    }
    return sys.stop(stop);
  }
  // A guest may always end itself: a denied proc_exit is recorded as denied and still exits.
  if (decision.effect === 'deny' && name !== 'proc_exit') {
    const outcome: SyscallOutcome = { errno: DENY_ERRNO };
    try {
      hooks.record(req, decision, outcome, ctx.recordContext);
    } catch (h) {
      sys.stop(stopFor(h));
    }
    return DENY_ERRNO;
  }

  let outcome: SyscallOutcome;
  let stop: GuestStop | undefined;
  try {
    if (prepared.commit !== undefined && hooks.replay !== undefined) {
      outcome = hooks.replay(req);
      if (outcome.errno === 0) prepared.commit(outcome, true);
    } else {
      outcome = prepared.run();
      if (prepared.commit !== undefined && outcome.errno === 0) prepared.commit(outcome, false);
    }
  } catch (e) {
    if (typeof e === 'number') outcome = { errno: e };
    else {
      stop = stopFor(e);
      outcome = { errno: 0 };
    }
  }
  try {
    hooks.record(req, decision, outcome, ctx.recordContext);
  } catch (h) {
    stop ??= stopFor(h);
  }
  if (stop !== undefined) sys.stop(stop);
  return outcome.errno;
}
