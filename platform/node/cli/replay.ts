/**
 * `forge replay TARGET TRACE.jsonl [-- ARGS]` — forensic replay (docs/dna.md § Replay): re-runs the
 * guest through the sandbox (launchContainer) with the limits its genesis entry records, every
 * policy decision and every nondeterministic result (clocks, random, stdin, file reads, polls)
 * taken from the trace, and confirms it makes the same calls with the same results and ends the
 * same way — or names the first entry where it does not (REPLAY_DIVERGED). The run touches no
 * host file (mounts are copied in and never written back) and consults no quarantine state.
 */
import { isWasmModule } from '../../../src/crypto/wasm-check.ts';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { toHex } from '../../../src/crypto/encoding.ts';
import { verifyPackage } from '../../../src/crypto/index.ts';
import { verifyTrustRoot } from '../../../src/crypto/root-signing.ts';
import { KernelError, isKernelError } from '../../../src/errors.ts';
import { launchContainer, type ContainerResult } from '../../../src/execution/container.ts';
import { mountBundledFiles } from '../../../src/execution/wasi/bundled-files.ts';
import { Vfs } from '../../../src/execution/wasi/vfs.ts';
import { escapeText } from '../../../src/observer/escape.ts';
import { analyzeTrace, createReplayChecker, verifyTrace, type RunStatus } from '../../../src/observer/index.ts';
import { createNodePlatform } from '../index.ts';
import { loadHostDir } from '../fs-mount.ts';
import { readPublicKeyArg } from '../kernel-key.ts';
import { cliCrypto, collect, out, readBytes, readRoot } from './package-io.ts';
import { fdSink, note } from './run-io.ts';
import { checkDistinct, parseDir, parseEnv } from './run-options.ts';
import { readTraceFile, reportError } from './trace.ts';

interface ReplayOptions {
  trust?: string;
  key?: string;
  dir: string[];
  dirRo: string[];
  env: string[];
  showOutput?: boolean;
}

const RUN_STATUS: Record<ContainerResult['status'], RunStatus> = {
  exited: 'exited', trapped: 'trapped', 'fuel-exhausted': 'fuel-exhausted', 'timed-out': 'timeout', killed: 'killed',
  quarantined: 'quarantined', denied: 'denied', 'output-limit': 'output-limit',
};

/** The module to run and its files, checked to be the very package the trace's genesis names. */
async function loadTarget(target: string, expected: string, o: ReplayOptions): Promise<{ module: Uint8Array; entry: string; files: ReadonlyMap<string, Uint8Array> }> {
  const bytes = readBytes(target, 'module or package');
  const isWasm = isWasmModule(bytes);
  let loaded: { module: Uint8Array; entry: string; files: ReadonlyMap<string, Uint8Array>; digest: string };
  if (isWasm) loaded = { module: bytes, entry: '_start', files: new Map(), digest: toHex(cliCrypto.sha256(bytes)) };
  else {
    if (o.trust === undefined) throw new KernelError('PKG_UNSIGNED', `${target} is a package: pass --trust ROOT.json to verify it before it is replayed`);
    const now = Date.now();
    const v = await verifyPackage(bytes, await verifyTrustRoot(readRoot(o.trust), { crypto: cliCrypto, now }), { crypto: cliCrypto, now });
    loaded = { module: v.module, entry: v.manifest.entry, files: v.files, digest: v.packageDigest };
  }
  if (loaded.digest !== expected) {
    throw new KernelError('PKG_DIGEST_MISMATCH', `${target} (sha256 ${loaded.digest}) is not the package the trace recorded (sha256 ${expected})`, { expected, actual: loaded.digest });
  }
  return loaded;
}

async function replay(target: string, tracePath: string, args: readonly string[], o: ReplayOptions): Promise<void> {
  const text = readTraceFile(tracePath);
  const report = await verifyTrace(text, { crypto: cliCrypto, ...(o.key !== undefined ? { publicKey: readPublicKeyArg(o.key) } : {}) });
  // An incomplete trace can still be replayed as far as it goes; an altered one cannot.
  if (report.status === 'tampered' || report.status === 'invalid') throw reportError(report)!;
  if (report.status === 'truncated') note(`the trace is incomplete: ${report.message}`);
  const genesis = analyzeTrace(text).genesis!;
  const loaded = await loadTarget(target, toHex(genesis.package.digest), o);
  const limits = Object.fromEntries(genesis.limits);

  const dirs = [...o.dir.map((d) => parseDir(d, false)), ...o.dirRo.map((d) => parseDir(d, true))];
  checkDistinct(dirs);
  const vfs = new Vfs();
  for (const d of dirs) for (const r of loadHostDir(vfs, d.host, d.guest, { readonly: d.readonly }).refused) note(`warning: not mounted: ${r}`);
  mountBundledFiles(vfs, loaded.files);

  const checker = createReplayChecker(text);
  const sink = (fd: 1 | 2) => (o.showOutput ? fdSink(fd) : { write: () => undefined });
  const result = await launchContainer({
    platform: createNodePlatform(), module: loaded.module, entry: loaded.entry, args: [basename(target), ...args],
    env: o.env.map(parseEnv), fs: vfs, stdin: new Uint8Array(0), stdout: sink(1), stderr: sink(2), keepOutput: false,
    limits: {
      ...(limits['fuel'] !== undefined && { fuel: limits['fuel'] }), ...(limits['memoryBytes'] !== undefined && { memoryBytes: limits['memoryBytes'] }),
      ...(limits['timeoutMs'] !== undefined && { timeoutMs: limits['timeoutMs'] }), ...(limits['stdoutBytes'] !== undefined && { stdoutBytes: limits['stdoutBytes'] }),
      ...(limits['stderrBytes'] !== undefined && { stderrBytes: limits['stderrBytes'] }),
    },
    hooks: checker,
  });
  // A divergence raised inside a hook ends the run (as killed); the checker kept the first one.
  if (checker.divergence) throw checker.divergence;
  if (isKernelError(result.error, 'REPLAY_DIVERGED') || isKernelError(result.error, 'REPLAY_INCOMPLETE')) throw result.error;
  const r = checker.finish({ status: RUN_STATUS[result.status], ...(result.status === 'exited' ? { exitCode: result.exitCode } : {}) });
  out(escapeText(`identical: ${r.message} (run ${genesis.runId}, fuel used ${result.fuelUsed})`));
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('re-run a guest from its trace, feeding it the recorded results, and confirm it behaves identically or name the first divergence')
    .argument('<target>', 'the .forgepkg or .wasm the trace recorded (its digest must match)')
    .argument('<trace>', 'the trace (.jsonl) or an evidence file')
    .argument('[args...]', 'the guest\'s arguments, after -- (as the recorded run had them)')
    .option('--trust <root.json>', 'the trust root that verifies a package')
    .option('--key <kernel.pub>', 'the kernel\'s public key: pins the trace\'s signer')
    .option('--dir <HOST[::GUEST]>', 'mount a host directory as the recorded run had it (copied in, never written back) (repeatable)', collect, [])
    .option('--dir-ro <HOST[::GUEST]>', 'mount a host directory read-only (repeatable)', collect, [])
    .option('--env <NAME=VALUE>', 'offer an environment variable as the recorded run did (repeatable; values are never in a trace)', collect, [])
    .option('--show-output', 'pass the replayed guest\'s stdout and stderr through')
    .action(async (target: string, tracePath: string, args: string[], o: ReplayOptions) => {
      await replay(target, tracePath, args, o);
    });
}
