/**
 * A container: one run of one WASI command. launch → running → a terminal state:
 *   instrument (fuel + memory cap) → compile through the platform loader → instantiate with the
 *   WASI imports (all through the gate) → run `_start` under the wall-clock guard where the host
 *   has one → a result with status, exit code, output, fuel used, peak memory and a reason.
 * Everything that fails before `_start` runs is thrown (KernelError): the run was refused.
 * Everything after is a result: a guest cannot make launchContainer throw.
 */
import { limitsSchema, type Limits } from '../config/schema.ts';
import { toHex } from '../lib/encoding.ts';
import { resolveCrypto } from '../crypto/noble.ts';
import { ERROR_CODES, KernelError, asKernelError, type ErrorCode } from '../errors.ts';
import type { ContainerStatus } from '../ports/run-status.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';
import type { Platform } from '../ports/platform.ts';
import { issueText } from '../lib/zod-issues.ts';
import type { GateContext } from './gate.ts';
import { FUEL_EXPORT, createInstrumenter, type Instrumenter } from './instrument/index.ts';
import type { GateHooks } from '../ports/gate-hooks.ts';
import { checkCompiledImports, checkImports, WASI_IMPORT_TABLE } from './import-surface.ts';
import { createWasiImports } from './wasi/imports.ts';
import { WASI_HANDLERS } from './wasi/handlers.ts';
import { atomicsSleep } from './wasi/sleep.ts';
import { bytesStdin, OutputStream, type OutputSink, type StdinSource } from './wasi/stdio.ts';
import { GuestStop } from './wasi/stop.ts';
import { WasiSystem } from './wasi/system.ts';
import type { Vfs } from './wasi/vfs.ts';

export type { ContainerStatus };
export type ContainerState = 'launch' | 'running' | ContainerStatus;

export interface ContainerOptions {
  readonly platform: Platform;
  /** The module bytes to run (already verified when they came from a package). */
  readonly module: Uint8Array;
  /** Lowercase hex SHA-256 of `module`, when the caller already hashed it. */
  readonly moduleDigest?: string;
  /** The guest's argv, argv[0] included (by convention the module's file name). */
  readonly args?: readonly string[];
  /** Variables offered to the guest; the policy decides which it sees (gate.ts). */
  readonly env?: readonly (readonly [string, string])[];
  /** The filesystem: its mounts become preopens 3, 4, … in order. */
  readonly fs?: Vfs;
  readonly stdin?: Uint8Array | StdinSource;
  /** Pass-through sinks; output is also kept in the result unless `keepOutput` is false. */
  readonly stdout?: OutputSink;
  readonly stderr?: OutputSink;
  readonly keepOutput?: boolean;
  /** Limits; anything not given takes the defaults of src/config/schema.ts. */
  readonly limits?: Partial<Limits>;
  /** Policy and trace: decide and record every call. */
  readonly hooks: GateHooks;
  /** The export to run; `_start` by default. */
  readonly entry?: string;
  /** A shared instrumentation cache (the kernel's); a private one otherwise. */
  readonly instrumenter?: Instrumenter;
  readonly crypto?: CryptoProvider;
  /** Aborting stops the run (as `killed`) at its next syscall; a guest that makes none runs to its fuel or timeout. */
  readonly signal?: AbortSignal;
  readonly tty?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  readonly onState?: (state: ContainerState) => void;
}

export interface ContainerResult {
  readonly status: ContainerStatus;
  readonly exitCode: number;
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  readonly fuelUsed: bigint;
  /** The guest's linear memory at the end — all its memories together (memory never shrinks, so this is the peak). */
  readonly peakMemoryBytes: number;
  /** One sentence a person can read. */
  readonly reason: string;
  readonly error?: KernelError;
  /** The guest's filesystem after the run (write it back with the host's adapter). */
  readonly fs: Vfs;
  readonly durationMs: number;
  /** A copy of linear memory at the end of a run that trapped or was stopped by policy or quarantine (evidence). */
  readonly memory?: Uint8Array;
}

/** Statuses whose end state is evidence: their linear memory is kept in the result. */
const SNAPSHOT: ReadonlySet<ContainerStatus> = new Set(['trapped', 'quarantined', 'denied']);

/** The KernelError code each way of ending names; its exit code comes from src/errors.ts. */
export const STATUS_CODE: Readonly<Record<Exclude<ContainerStatus, 'exited'>, ErrorCode>> = {
  trapped: 'WASM_TRAP',
  'fuel-exhausted': 'FUEL_EXHAUSTED',
  timeout: 'TIMEOUT',
  killed: 'KILLED',
  quarantined: 'QUARANTINED',
  denied: 'POLICY_DENIED',
  'output-limit': 'OUTPUT_LIMIT',
};

interface Ended {
  status: ContainerStatus;
  exitCode: number;
  reason: string;
  error?: KernelError;
}

function ended(status: ContainerStatus, reason: string, exitCode?: number, cause?: unknown): Ended {
  if (status === 'exited') return { status, exitCode: exitCode ?? 0, reason: `the guest exited with code ${exitCode ?? 0}` };
  const code = STATUS_CODE[status];
  const error = cause instanceof KernelError ? cause : new KernelError(code, reason, {}, cause === undefined ? undefined : { cause });
  return { status, exitCode: exitCode ?? ERROR_CODES[code].exit, reason, error };
}

/** Classifies how the entry point ended: a stop from a host call, a trap, the guard, or our own failure. */
function classify(e: unknown, sys: WasiSystem, fuelLeft: () => bigint | undefined, timeoutMs: number): Ended {
  const stop = sys.stopped ?? (e instanceof GuestStop ? e : undefined);
  if (stop !== undefined) return ended(stop.status, stop.reason, stop.exitCode, stop.cause);
  if (e instanceof KernelError && e.code === 'TIMEOUT') {
    // The guard was given what compiling left of the run's time; the limit to name is the run's own.
    const reason = `the guest ran past its ${timeoutMs} ms wall-clock limit`;
    return ended('timeout', reason, undefined, new KernelError('TIMEOUT', reason, { timeoutMs }, { cause: e }));
  }
  if (e instanceof WebAssembly.RuntimeError) {
    const left = fuelLeft();
    if (left !== undefined && left < 0n) return ended('fuel-exhausted', 'the guest used all of its fuel');
    return ended('trapped', `the guest trapped: ${e.message}`, undefined, e);
  }
  if (e instanceof RangeError && /call stack/i.test(e.message)) return ended('trapped', 'the guest overflowed its call stack', undefined, e);
  const msg = e instanceof Error ? e.message : String(e);
  return ended('killed', `internal error while running the guest: ${msg}`, 70, asKernelError(e, 'INTERNAL', 'internal error while running the guest'));
}

/**
 * `work`, or TIMEOUT (`late()`) once `deadline` (a time on `now`, ms) has passed. A compile
 * given up on may still finish in the background: engines cannot cancel one.
 * @throws KernelError `late()` at the deadline, or whatever `work` throws (its own TIMEOUT becomes `late()`)
 */
async function beforeDeadline<T>(work: Promise<T>, deadline: number, now: () => number, late: () => KernelError): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(late()), Math.max(0, deadline - now())); });
  try {
    return await Promise.race([work, timeout]);
  } catch (e) {
    throw e instanceof KernelError && e.code === 'TIMEOUT' ? late() : e;
  } finally {
    clearTimeout(timer);
  }
}

/** How long after the deadline the wall-clock guard cuts a guest off (see the call above it). */
const GUARD_GRACE_MS = 250;

/**
 * Runs one WASI command to completion.
 * @throws KernelError when the run is refused before start: PKG_INVALID_WASM, WASM_LIMIT_EXCEEDED, MEMORY_LIMIT (instrumentation),
 *   TIMEOUT (instrumenting, compiling and instantiating took longer than the run's `timeoutMs`),
 *   WASM_IMPORT_REFUSED (an import the kernel does not offer), WASM_COMPILE_FAILED / WASM_NOT_BUNDLED (loader), WASM_INSTANTIATE_FAILED, WASM_EXPORT_MISSING, CONFIG_INVALID (limits)
 */
export async function launchContainer(options: ContainerOptions): Promise<ContainerResult> {
  // Every time of the run is read on the platform's clock, so a manual clock drives its timeouts.
  const clock = options.platform.clock;
  const now = () => Number(clock.monotonicNs()) / 1e6;
  const t0 = now();
  const setState = (s: ContainerState) => options.onState?.(s);
  setState('launch');
  const parsed = limitsSchema.safeParse(options.limits ?? {});
  if (!parsed.success) throw new KernelError('CONFIG_INVALID', `invalid limits: ${parsed.error.issues.map((i) => issueText(i, { dotted: true, root: '' })).join('; ')}`);
  const limits = parsed.data;
  const crypto = options.crypto ?? resolveCrypto(options.platform.crypto);
  const instrumenter = options.instrumenter ?? createInstrumenter({ sha256: crypto.sha256 });

  const memoryMaxPages = Math.floor(limits.memoryBytes / 65536);
  const digest = options.moduleDigest ?? toHex(crypto.sha256(options.module));
  // The run's wall-clock limit covers instrumenting and compiling: a hostile module is work before the start.
  const deadline = t0 + limits.timeoutMs;
  const late = () => new KernelError('TIMEOUT', `compiling the module took longer than the run's ${limits.timeoutMs} ms limit`, { timeoutMs: limits.timeoutMs });
  const instrumented = await beforeDeadline(instrumenter.instrumentAsync(options.module, digest, { memoryMaxPages }, { deadline, now }), deadline, now, late);
  checkImports(instrumented.imports, WASI_IMPORT_TABLE);
  const module = await beforeDeadline(options.platform.wasm.load(instrumented.bytes, instrumented.digest), deadline, now, late);
  if (!WebAssembly.Module.exports(module).some((x) => x.name === (options.entry ?? '_start') && x.kind === 'function')) {
    throw new KernelError('WASM_EXPORT_MISSING', `the module exports no function "${options.entry ?? '_start'}" to run`, { entry: options.entry ?? '_start' });
  }

  const keep = options.keepOutput ?? true;
  const stdin = options.stdin instanceof Uint8Array ? bytesStdin(options.stdin) : options.stdin;
  const sys = new WasiSystem({
    args: options.args ?? [], env: options.env ?? [], ...(options.fs ? { fs: options.fs } : {}), ...(stdin ? { stdin } : {}),
    stdout: new OutputStream('stdout', limits.stdoutBytes, options.stdout, keep),
    stderr: new OutputStream('stderr', limits.stderrBytes, options.stderr, keep),
    clock,
    random: (n) => crypto.randomBytes(n),
    ...(options.tty ? { tty: options.tty } : {}),
  });
  const blocking = options.platform.capabilities.blockingSleep ? atomicsSleep() : undefined;
  // A sleep never outlasts the run's time: past its deadline the run is timed out, in every host.
  sys.sleepFn = (ns) => {
    const leftMs = deadline - now();
    const wantMs = Number(ns) / 1e6;
    if (blocking) blocking(Math.max(0, Math.min(wantMs, leftMs)));
    if (wantMs > leftMs) sys.stop(new GuestStop('timeout', 124, `the guest slept past its ${limits.timeoutMs} ms timeout`));
    return blocking !== undefined;
  };

  let fuelGlobal: WebAssembly.Global | undefined;
  const budget = BigInt(limits.fuel);
  const fuelLeft = () => (fuelGlobal === undefined ? undefined : (fuelGlobal.value as bigint));
  const fuelUsed = () => {
    const left = fuelLeft();
    return left === undefined ? 0n : left < 0n ? budget : budget - left;
  };
  const ctx: GateContext = {
    sys, hooks: options.hooks, handlers: WASI_HANDLERS,
    recordContext: { get fuelUsed() { return fuelUsed(); } },
    ...(options.signal ? { signal: options.signal } : {}),
    deadline: { at: deadline, now, timeoutMs: limits.timeoutMs, left: 1 },
  };

  let instance: WebAssembly.Instance;
  // Instantiating allocates the memories and tables and copies the segments: work before the start,
  // under the same deadline. The engine does it in one task, so a late one is refused when it ends.
  const lateInstantiate = () => new KernelError('TIMEOUT', `instantiating the module took longer than the run's ${limits.timeoutMs} ms limit`, { timeoutMs: limits.timeoutMs });
  try {
    checkCompiledImports(module, WASI_IMPORT_TABLE);
    instance = await beforeDeadline(WebAssembly.instantiate(module, createWasiImports(ctx)), deadline, now, lateInstantiate);
  } catch (e) {
    if (e instanceof KernelError && e.code === 'TIMEOUT') throw e;
    throw asKernelError(e, 'WASM_INSTANTIATE_FAILED', 'the module could not be instantiated');
  }
  if (now() >= deadline) throw lateInstantiate();
  const exports = instance.exports;
  fuelGlobal = exports[FUEL_EXPORT] as WebAssembly.Global | undefined;
  if (fuelGlobal === undefined) throw new KernelError('INTERNAL', `the instrumented module has no ${FUEL_EXPORT} export`);
  fuelGlobal.value = budget;
  const memory = exports['memory'] instanceof WebAssembly.Memory ? exports['memory'] : undefined;
  if (memory) sys.mem.bind(memory);
  // Every memory is exported once instrumented (MEMORY_EXPORT_PREFIX): the peak is their sum, and a memory never shrinks.
  const memories = new Set(Object.values(exports).filter((x): x is WebAssembly.Memory => x instanceof WebAssembly.Memory));
  const memoryBytes = () => { let n = 0; for (const m of memories) n += m.buffer.byteLength; return n; };
  const entry = exports[options.entry ?? '_start'] as () => unknown;

  setState('running');
  let end: Ended;
  try {
    const guard = options.platform.guard;
    // The guard fires a little after the deadline: a guest making calls is stopped by the gate
    // between them (gate.ts, DEADLINE_EVERY); the guard is for one that computes without calling.
    if (guard) guard(() => entry(), Math.max(1, deadline - now()) + GUARD_GRACE_MS);
    else entry();
    end = sys.stopped ? classify(sys.stopped, sys, fuelLeft, limits.timeoutMs) : ended('exited', '', 0);
  } catch (e) {
    end = classify(e, sys, fuelLeft, limits.timeoutMs);
  }
  setState(end.status);
  return {
    ...end,
    stdout: sys.stdout.bytes(),
    stderr: sys.stderr.bytes(),
    fuelUsed: fuelUsed(),
    peakMemoryBytes: memoryBytes(),
    fs: sys.vfs,
    durationMs: now() - t0,
    ...(memory && SNAPSHOT.has(end.status) ? { memory: new Uint8Array(memory.buffer.slice(0)) } : {}),
  };
}
