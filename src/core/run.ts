/**
 * One run of one guest, the same in every host (the CLI, the HTTP API, the Service Worker, the
 * Worker): verify the package or accept a bare module as unsigned (load.ts, which forensic replay
 * shares) → refuse a quarantined identity → build the policy graph and the trust gate → open the
 * Execution DNA → launch the container with every syscall through the gate → seal the trace with
 * a signed summary.
 */
import type { Limits } from '../config/schema.ts';
import type { TrustRoot } from '../packages/trust-root.ts';
import { ERROR_CODES, KernelError } from '../errors.ts';
import { launchContainer, STATUS_CODE, type ContainerOptions, type ContainerResult } from '../execution/container.ts';
import type { GateHooks } from '../ports/gate-hooks.ts';
import { mountBundledFiles } from '../execution/wasi/bundled-files.ts';
import { Vfs } from '../execution/wasi/vfs.ts';
import type { Kernel } from '../kernel.ts';
import { loadGuest, type LoadedGuest, type RunPackageInfo } from './load.ts';
import { createDnaRecorder, type DnaRecorder } from '../dna/index.ts';
import type { SignedSummary } from '../dna/verify/attestation.ts';
import type { TraceSink } from '../dna/record/recorder.ts';
import type { TraceStore } from '../ports/trace-store.ts';
import {
  assertLaunchAllowed, builtinPolicy, createTrustGate, identityOf, policyDigest, type PolicyDocument, type Subject,
} from '../trust/index.ts';

export type { RunPackageInfo } from './load.ts';

export type BuiltinPolicyName = 'baseline' | 'permissive' | 'strict';

export interface RunRequest {
  /** A `.forgepkg` (verified against `trustRoots`) or, with `allowUnsigned`, a bare WebAssembly module. */
  readonly bytes: Uint8Array;
  /** Verified trust roots; a package must verify under one of them. */
  readonly trustRoots?: readonly TrustRoot[];
  readonly allowUnsigned?: boolean;
  /** A built-in policy (granting `grants`), or the run's policy layers, top first. Default `baseline`. */
  readonly policy?: BuiltinPolicyName | readonly PolicyDocument[];
  /** What a built-in policy grants: the mounted directories and the offered variable names. */
  readonly grants?: { readonly dirs?: readonly { guest: string; readonly: boolean }[] };
  /** Default `local`. The container identity is `${tenant}/${packageDigest}`. */
  readonly tenant?: string;
  /** argv after argv[0]; argv[0] is `name`. */
  readonly args?: readonly string[];
  /** argv[0]: by convention the file name the guest was given as. */
  readonly name?: string;
  readonly env?: readonly (readonly [string, string])[];
  /** A filesystem the host prepared (its mounts become preopens); files bundled in the package are added read-only. */
  readonly fs?: Vfs;
  /** Limits asked for; each is capped by the kernel's configured limit and by the package's own. */
  readonly limits?: Partial<Limits>;
  /** Entries the trace may hold before the run is stopped (output-limit); at most TRACE_ENTRIES_MAX, which is the default. */
  readonly traceEntriesMax?: number;
  /** Trace persistence. Default: the platform's TraceStore, sealed at the end. `false`: no trace. */
  readonly trace?: false | { readonly sink?: TraceSink; readonly retainLines?: boolean };
  /** Wall-clock ms for the genesis entry and verification; default the platform clock. */
  readonly now?: number;
  readonly stdin?: ContainerOptions['stdin'];
  readonly stdout?: ContainerOptions['stdout'];
  readonly stderr?: ContainerOptions['stderr'];
  readonly keepOutput?: boolean;
  readonly tty?: ContainerOptions['tty'];
  readonly signal?: AbortSignal;
}

export interface RunOutcome {
  readonly result: ContainerResult;
  /** The process exit code by the CLI convention: the guest's, or 124 limits, 125 policy/quarantine/output, 134 trap, 137 killed. */
  readonly exitCode: number;
  readonly identity: string;
  readonly subject: Subject;
  readonly pkg: RunPackageInfo;
  readonly limits: Limits;
  readonly policyDigest: string;
  readonly trust: { readonly score: number; readonly quarantined: boolean };
  /** Present when the run was traced. */
  readonly trace?: { readonly runId: string; readonly summary: SignedSummary; readonly recorder: DnaRecorder };
}

/**
 * The CLI/HTTP exit convention for a finished container: the guest's own code when it exited, the
 * code of the trap or internal failure that killed it, else the exit code of the KernelError its
 * way of ending names (src/errors.ts).
 */
export function exitCodeOfResult(r: ContainerResult): number {
  if (r.status === 'exited') return r.exitCode & 0xff;
  if (r.status === 'trapped' || r.status === 'killed') return r.exitCode;
  return ERROR_CODES[STATUS_CODE[r.status]].exit;
}

/** Each limit is the least of: what the run asks, what the package asks, and the kernel's configured limit. */
function limitsFor(configured: Limits, asked: Partial<Limits> | undefined, manifest: LoadedGuest['manifestLimits']): Limits {
  const min = (dflt: number, ...xs: (number | undefined)[]) => Math.min(dflt, ...xs.filter((x): x is number => x !== undefined));
  return {
    fuel: min(configured.fuel, asked?.fuel, manifest.fuel),
    memoryBytes: min(configured.memoryBytes, asked?.memoryBytes, manifest.memory),
    timeoutMs: min(configured.timeoutMs, asked?.timeoutMs, manifest.timeoutMs),
    stdoutBytes: min(configured.stdoutBytes, asked?.stdoutBytes),
    stderrBytes: min(configured.stderrBytes, asked?.stderrBytes),
  };
}

function layersFor(req: RunRequest, bundled: readonly string[]): PolicyDocument[] {
  const p = req.policy ?? 'baseline';
  if (typeof p !== 'string') {
    if (p.length === 0) throw new KernelError('POLICY_INVALID', 'a run needs at least one policy layer');
    return [...p];
  }
  return [builtinPolicy(p, {
    dirs: [...(req.grants?.dirs ?? []), ...bundled.map((guest) => ({ guest, readonly: true }))],
    env: (req.env ?? []).map(([k]) => k),
  })];
}

/**
 * The platform's trace store as the recorder's sink: synchronous where the store can write
 * synchronously (so a guest that never yields is still persisted at every checkpoint).
 */
function storeSink(traces: TraceStore): TraceSink {
  const { appendSync } = traces;
  if (appendSync) return Object.assign((runId: string, fromSeq: number, lines: string[]) => appendSync.call(traces, runId, fromSeq, lines), { sync: true as const });
  return (runId, fromSeq, lines) => traces.append(runId, fromSeq, lines);
}

/**
 * Entries one run's trace may hold. A trace is read back whole (verify, explain, evidence, replay),
 * and a guest that calls the clock in a loop writes hundreds of MB a minute: past this the run is
 * stopped (output-limit) rather than leaving a trace too large to read. 2^20 holds a million calls.
 */
export const TRACE_ENTRIES_MAX = 1_048_576;

/**
 * Runs one guest to its end.
 * @throws KernelError when the run is refused before start: PKG_* / TRUST_ROOT_* (verification),
 *   QUARANTINED (the identity is quarantined), POLICY_INVALID, STORE_UNAVAILABLE (fail closed),
 *   WASM_* and MEMORY_LIMIT (the module), TRACE_INVALID / KEY_INVALID (the trace could not open)
 */
export async function runGuest(kernel: Kernel, req: RunRequest): Promise<RunOutcome> {
  const platform = kernel.platform;
  const now = req.now ?? platform.clock.now();
  const tenant = req.tenant ?? 'local';
  const loaded = await loadGuest(kernel, req, tenant, now);
  const limits = limitsFor(kernel.config.limits, req.limits, loaded.manifestLimits);
  const fs = req.fs ?? new Vfs();
  const bundled = mountBundledFiles(fs, loaded.files).map((m) => m.absPath);
  const layers = layersFor(req, bundled);
  const digestOfPolicy = policyDigest(layers);
  const identity = identityOf(tenant, loaded.pkg.digest);
  const quarantine = platform.stores.quarantine;
  await assertLaunchAllowed(quarantine, identity);
  const gate = createTrustGate({ layers, subject: loaded.subject, identity, clock: platform.clock, quarantine });

  let recorder: DnaRecorder | undefined;
  if (req.trace !== false) {
    recorder = createDnaRecorder({
      crypto: kernel.crypto, signingKey: kernel.signingKey, checkpointInterval: kernel.config.trace.checkpointInterval,
      sink: req.trace?.sink ?? storeSink(platform.stores.traces), signSync: kernel.crypto.signEd25519Sync,
      retainLines: req.trace?.retainLines ?? false,
      genesis: {
        kernelId: kernel.config.kernelId, configDigest: kernel.configDigest, package: loaded.pkg, policyDigest: digestOfPolicy, identity,
        limits: { ...limits }, startedAt: now,
      },
    });
  }
  const rec = recorder;
  const traceCap = Math.min(req.traceEntriesMax ?? TRACE_ENTRIES_MAX, TRACE_ENTRIES_MAX);
  const hooks: GateHooks = {
    decide(request) {
      // A trace that can no longer be persisted fails the gate closed: nothing runs unrecorded.
      if (rec?.failure) throw rec.failure;
      if (rec !== undefined && rec.count >= traceCap) {
        throw new KernelError('OUTPUT_LIMIT', `the run's trace reached its cap of ${traceCap} entries: the guest was stopped so that what it did stays readable and verifiable`, { entries: rec.count });
      }
      return gate.decide(request);
    },
    record(request, decision, outcome, ctx) {
      gate.observe(request, decision, outcome);
      rec?.record(request, decision, outcome, { fuelUsed: ctx.fuelUsed, trust: gate.score });
    },
  };

  const result = await launchContainer({
    platform, module: loaded.module, moduleDigest: loaded.moduleDigest, entry: loaded.entry, instrumenter: kernel.instrumenter,
    crypto: kernel.crypto, args: [req.name ?? 'main.wasm', ...(req.args ?? [])], env: req.env ?? [], fs, limits, hooks,
    ...(req.stdin !== undefined && { stdin: req.stdin }), ...(req.stdout && { stdout: req.stdout }), ...(req.stderr && { stderr: req.stderr }),
    ...(req.keepOutput !== undefined && { keepOutput: req.keepOutput }), ...(req.tty && { tty: req.tty }),
    ...(req.signal && { signal: req.signal }),
  });

  let trace: RunOutcome['trace'];
  if (recorder) {
    const summary = await recorder.finish({
      status: result.status,
      ...(result.status === 'exited' ? { exitCode: result.exitCode } : {}),
      ...(result.error ? { code: result.error.code, message: result.error.message } : {}),
      ...(result.memory ? { memory: result.memory } : {}),
    });
    if (req.trace === undefined) await platform.stores.traces.seal(recorder.runId);
    trace = { runId: recorder.runId, summary, recorder };
  }
  await gate.flush();
  return {
    result, exitCode: exitCodeOfResult(result), identity, subject: loaded.subject, pkg: loaded.pkg, limits, policyDigest: digestOfPolicy,
    trust: { score: gate.score, quarantined: gate.quarantined }, ...(trace && { trace }),
  };
}
