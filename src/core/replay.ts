/**
 * Forensic replay of one recorded run, the same in every host (the CLI, the HTTP API, the Service
 * Worker, the Worker) — docs/dna.md § Replay: verify the trace → load the guest as a run does
 * (load.ts) and check it is the very package the genesis entry names → re-run it through the
 * sandbox with the limits the genesis records, every policy decision and every nondeterministic
 * result (clocks, random, stdin, file reads, polls) taken from the trace → confirm it makes the
 * same calls with the same results and ends the same way, or name the first entry where it does
 * not. A replay consults no quarantine state, records no trace and writes nothing back.
 */
import type { Limits } from '../config/schema.ts';
import { toHex } from '../lib/encoding.ts';
import { KernelError, isKernelError } from '../errors.ts';
import { launchContainer, type ContainerOptions, type ContainerResult } from '../execution/container.ts';
import { mountBundledFiles } from '../execution/wasi/bundled-files.ts';
import { Vfs } from '../execution/wasi/vfs.ts';
import type { Kernel } from '../kernel.ts';
import {
  analyzeTrace, createReplayChecker, traceReportError, verifyTrace,
  type Analysis, type GenesisEntry, type SummaryOutcome, type TraceReport,
} from '../dna/index.ts';
import { loadGuest, type GuestSource, type RunPackageInfo } from './load.ts';
import { exitCodeOfResult } from './run.ts';

/** A trace that verified well enough to replay: intact, or cut short (replayed as far as it goes). */
export interface RecordedTrace {
  readonly text: string;
  /** Status `ok` or `truncated`. */
  readonly report: TraceReport;
  readonly genesis: GenesisEntry;
  readonly analysis: Analysis;
}

export interface ReplayRequest extends GuestSource {
  /** The recorded run: its trace as text (verified here), or one already opened with `openRecordedTrace`. */
  readonly trace: string | RecordedTrace;
  /** Pins the trace's signer when the trace is given as text; otherwise the key its genesis names is used. */
  readonly publicKey?: Uint8Array;
  /** How messages name `bytes` (the file it came from); default "the module or package". */
  readonly source?: string;
  /** argv[0], as the recorded run had it; default `main.wasm`. */
  readonly name?: string;
  /** argv after argv[0] and the offered variables, as the recorded run had them: a trace holds neither values nor argv. */
  readonly args?: readonly string[];
  readonly env?: readonly (readonly [string, string])[];
  /**
   * The recorded run's mounted directories (their contents are read from the trace, their
   * structure is not), or a function that builds them — called only once the guest matched the
   * trace, so a host reads its directories only for a replay that will run.
   */
  readonly fs?: Vfs | (() => Vfs);
  /** Wall-clock ms for verifying the package; default the platform clock. */
  readonly now?: number;
  readonly stdout?: ContainerOptions['stdout'];
  readonly stderr?: ContainerOptions['stderr'];
  readonly keepOutput?: boolean;
  readonly signal?: AbortSignal;
}

/** The first entry where the replay parted from the record. */
export interface ReplayDivergence {
  /** REPLAY_DIVERGED: the guest did something else; REPLAY_INCOMPLETE: the trace did not keep what the replay needed. */
  readonly code: 'REPLAY_DIVERGED' | 'REPLAY_INCOMPLETE';
  readonly entry?: number;
  /** What differed: `syscall`, `fd`, `path`, `errno`, `data`, `fuel used`, `end`, `outcome` … */
  readonly field?: string;
  /** The call the trace records at `entry`, when it records one there. */
  readonly syscall?: string;
  /** The recorded and the replayed value, as text. */
  readonly recorded?: string;
  readonly actual?: string;
  readonly message: string;
}

export interface ReplayOutcome {
  readonly verdict: 'identical' | 'diverged' | 'incomplete';
  /** The recorded run's id. */
  readonly runId: string;
  /** How the trace verified. */
  readonly trace: TraceReport;
  /** Call entries confirmed (before the divergence, when there is one). */
  readonly calls: number;
  readonly message: string;
  readonly divergence?: ReplayDivergence;
  /** The divergence as the KernelError the checker raised, for a caller that fails on it. */
  readonly error?: KernelError;
  /** The replayed container's end (a divergence stops it as `killed`). */
  readonly result: ContainerResult;
  /** The CLI/HTTP exit convention for `result` (exitCodeOfResult). */
  readonly exitCode: number;
  /** How the recorded run ended, from its signed summary (absent from a truncated trace). */
  readonly recorded?: SummaryOutcome;
  readonly pkg: RunPackageInfo;
  /** The limits the genesis records, which the replay ran under. */
  readonly limits: Partial<Limits>;
}

const LIMIT_KEYS = ['fuel', 'memoryBytes', 'timeoutMs', 'stdoutBytes', 'stderrBytes'] as const satisfies readonly (keyof Limits)[];

/** The limits the recorded run ran under: the same fuel is what makes fuel-used comparable call by call. */
function recordedLimits(g: GenesisEntry): Partial<Limits> {
  const m = new Map(g.limits);
  return Object.fromEntries(LIMIT_KEYS.filter((k) => m.has(k)).map((k) => [k, m.get(k)!])) as Partial<Limits>;
}

/**
 * Verifies a trace for replay, under `publicKey` when given.
 * @throws KernelError TRACE_TAMPERED / TRACE_INVALID naming the first bad entry; a truncated trace is
 *   returned (its report says so) and replays as far as it goes
 */
export async function openRecordedTrace(kernel: Kernel, text: string, opts: { publicKey?: Uint8Array } = {}): Promise<RecordedTrace> {
  const report = await verifyTrace(text, { crypto: kernel.crypto, ...(opts.publicKey !== undefined && { publicKey: opts.publicKey }) });
  if (report.status === 'tampered' || report.status === 'invalid') throw traceReportError(report)!;
  const analysis = analyzeTrace(text);
  // verifyTrace reports a trace without a genesis entry as tampered or invalid, never as truncated
  return { text, report, genesis: analysis.genesis!, analysis };
}

/** A checker's detail as plain text: its quoted strings unquoted (`"environ_get"` → `environ_get`), other values as JSON. */
function asText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return JSON.stringify(v);
  if (!v.startsWith('"')) return v;
  try {
    const s: unknown = JSON.parse(v);
    return typeof s === 'string' ? s : v;
  } catch {
    return v;
  }
}

function divergenceOf(err: KernelError, a: Analysis): ReplayDivergence {
  const d = err.details;
  const entry = typeof d['entry'] === 'number' ? d['entry'] : undefined;
  const at = entry === undefined ? undefined : a.entries[entry];
  const recorded = asText(d['recorded']);
  const actual = asText(d['actual']);
  return {
    code: err.code === 'REPLAY_INCOMPLETE' ? 'REPLAY_INCOMPLETE' : 'REPLAY_DIVERGED',
    ...(entry !== undefined && { entry }), ...(typeof d['field'] === 'string' && { field: d['field'] }),
    ...(at?.kind === 'call' && { syscall: at.syscall }),
    ...(recorded !== undefined && { recorded }), ...(actual !== undefined && { actual }),
    message: err.message,
  };
}

/**
 * Replays one recorded run and says whether the guest behaved identically.
 * @throws KernelError TRACE_TAMPERED / TRACE_INVALID (the trace), PKG_* / TRUST_ROOT_* (the guest, as a
 *   run verifies it), PKG_DIGEST_MISMATCH (not the package the trace recorded), WASM_* / MEMORY_LIMIT /
 *   TIMEOUT (the module cannot start) — a divergence is not thrown but answered
 */
export async function replayGuest(kernel: Kernel, req: ReplayRequest): Promise<ReplayOutcome> {
  const recorded = typeof req.trace === 'string'
    ? await openRecordedTrace(kernel, req.trace, { ...(req.publicKey !== undefined && { publicKey: req.publicKey }) })
    : req.trace;
  const { genesis, analysis } = recorded;
  const tenant = genesis.identity.slice(0, Math.max(0, genesis.identity.indexOf('/')));
  const loaded = await loadGuest(kernel, req, tenant, req.now ?? kernel.platform.clock.now());
  const expected = toHex(genesis.package.digest);
  if (loaded.pkg.digest !== expected) {
    throw new KernelError('PKG_DIGEST_MISMATCH', `${req.source ?? 'the module or package'} (sha256 ${loaded.pkg.digest}) is not the package the trace recorded (sha256 ${expected})`, { expected, actual: loaded.pkg.digest });
  }
  const fs = typeof req.fs === 'function' ? req.fs() : req.fs ?? new Vfs();
  mountBundledFiles(fs, loaded.files);
  const limits = recordedLimits(genesis);

  const checker = createReplayChecker(recorded.text);
  const result = await launchContainer({
    platform: kernel.platform, module: loaded.module, moduleDigest: loaded.moduleDigest, entry: loaded.entry,
    instrumenter: kernel.instrumenter, crypto: kernel.crypto, args: [req.name ?? 'main.wasm', ...(req.args ?? [])], env: req.env ?? [], fs,
    // every read of stdin is answered from the trace
    stdin: new Uint8Array(0), limits, hooks: checker,
    ...(req.stdout && { stdout: req.stdout }), ...(req.stderr && { stderr: req.stderr }),
    ...(req.keepOutput !== undefined && { keepOutput: req.keepOutput }), ...(req.signal && { signal: req.signal }),
  });

  // A divergence raised inside a hook ends the run (as killed); the checker kept the first one.
  let error = checker.divergence;
  if (!error && (isKernelError(result.error, 'REPLAY_DIVERGED') || isKernelError(result.error, 'REPLAY_INCOMPLETE'))) error = result.error;
  let confirmed: { calls: number; message: string } | undefined;
  if (!error) {
    try {
      confirmed = checker.finish({ status: result.status, ...(result.status === 'exited' ? { exitCode: result.exitCode } : {}) });
    } catch (e) {
      if (!isKernelError(e, 'REPLAY_DIVERGED')) throw e;
      error = e;
    }
  }
  const summary = analysis.summary?.summary.outcome;
  const common = {
    runId: genesis.runId, trace: recorded.report, result, exitCode: exitCodeOfResult(result), pkg: loaded.pkg, limits,
    ...(summary && { recorded: summary }),
  };
  if (confirmed) return { ...common, verdict: 'identical', calls: confirmed.calls, message: confirmed.message };
  const divergence = divergenceOf(error!, analysis);
  return {
    ...common, verdict: divergence.code === 'REPLAY_INCOMPLETE' ? 'incomplete' : 'diverged',
    calls: Math.max(0, checker.position - 1), message: error!.message, divergence, error: error!,
  };
}
