/**
 * `forge run PACKAGE.forgepkg|MODULE.wasm [options] [-- ARGS...]` — runs a WASI command in the
 * sandbox (docs/cli-run.md). The exit code is the guest's, except: 124 fuel exhausted or timed
 * out, 125 stopped by policy, quarantine or the output cap, 126 refused before start
 * (verification, policy, an invalid module), 134 trapped, 137 killed.
 */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { configDigest, limitsSchema, resolveConfig, type Limits } from '../../../src/config/index.ts';
import { fromHex, toHex } from '../../../src/crypto/encoding.ts';
import { verifyPackage } from '../../../src/crypto/index.ts';
import { verifyTrustRoot } from '../../../src/crypto/root-signing.ts';
import { KernelError, exitCodeOf } from '../../../src/errors.ts';
import { launchContainer, type ContainerResult } from '../../../src/execution/container.ts';
import type { GateHooks } from '../../../src/execution/syscalls.ts';
import { mountBundledFiles } from '../../../src/execution/wasi/bundled-files.ts';
import { Vfs } from '../../../src/execution/wasi/vfs.ts';
import { createDnaRecorder, type DnaRecorder } from '../../../src/observer/index.ts';
import type { RunStatus } from '../../../src/observer/format.ts';
import {
  assertLaunchAllowed, builtinPolicy, createTrustGate, identityOf, parsePolicyText, policyDigest, type PolicyDocument, type Subject,
} from '../../../src/trust/index.ts';
import { createNodePlatform } from '../index.ts';
import { loadHostDir, writeBackHostDir, type HostMount, type WriteBackReport } from '../fs-mount.ts';
import { fileQuarantineStore } from '../quarantine-file-store.ts';
import { cliCrypto, collect, readBytes, readRoot, writeAtomic } from './package-io.ts';
import { checkDistinct, parseDir, parseDuration, parseEnv, parseFuel, parseSize, type DirSpec } from './run-options.ts';
import { guestOutput, note, processStdin, stdioTty } from './run-io.ts';

interface RunOptions {
  trust?: string;
  allowUnsigned?: boolean;
  policy: string;
  dir: string[];
  dirRo: string[];
  env: string[];
  fuel?: string;
  memory?: string;
  timeout?: string;
  trace?: string;
  report?: string;
  dataDir: string;
}

/** Codes that mean "refused before start": they exit 126 whatever their own exit status. */
const REFUSALS = /^(PKG_|TRUST_ROOT_|POLICY_INVALID|WASM_|MEMORY_LIMIT)/;

interface Loaded {
  module: Uint8Array;
  moduleDigest: string;
  packageDigest: string;
  subject: Subject;
  files: ReadonlyMap<string, Uint8Array>;
  entry: string;
  manifestLimits: { fuel?: number; memory?: number; timeoutMs?: number };
  pkg: { digest: string; name?: string; version?: string; signer?: string };
}

async function load(target: string, o: RunOptions): Promise<Loaded> {
  const bytes = readBytes(target, 'module or package');
  const isWasm = bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (isWasm) {
    if (!o.allowUnsigned) {
      throw new KernelError('PKG_UNSIGNED', `${target} is a bare WebAssembly module with no signature: pass --allow-unsigned to run it anyway (its provenance is recorded as unsigned), or sign it (forge pack … --key KEY.json) and run the .forgepkg with --trust ROOT.json`);
    }
    const digest = toHex(cliCrypto.sha256(bytes));
    return {
      module: bytes, moduleDigest: digest, packageDigest: digest, files: new Map(), entry: '_start', manifestLimits: {},
      subject: { signed: false, packageDigest: digest, tenant: 'local' }, pkg: { digest },
    };
  }
  if (o.trust === undefined) {
    throw new KernelError('PKG_UNSIGNED', `${target} is a package: pass --trust ROOT.json to verify its signatures before it runs`);
  }
  const now = Date.now();
  const root = await verifyTrustRoot(readRoot(o.trust), { crypto: cliCrypto, now });
  const v = await verifyPackage(bytes, root, { crypto: cliCrypto, now });
  const signer = v.signers[0]?.keyId;
  return {
    module: v.module, moduleDigest: v.moduleDigest, packageDigest: v.packageDigest, files: v.files, entry: v.manifest.entry,
    manifestLimits: v.manifest.limits,
    subject: {
      signed: true, packageName: v.manifest.name, packageDigest: v.packageDigest, rootVersion: v.rootVersion, tenant: 'local',
      ...(signer !== undefined && { signer }),
    },
    pkg: { digest: v.packageDigest, name: v.manifest.name, version: v.manifest.version, ...(signer !== undefined && { signer }) },
  };
}

/** Flags win; a manifest may ask for less than the defaults, never more (the kernel decides). */
function limitsFor(o: RunOptions, m: Loaded['manifestLimits']): Limits {
  const d = limitsSchema.parse({});
  const within = (asked: number | undefined, dflt: number) => (asked === undefined ? dflt : Math.min(asked, dflt));
  return {
    ...d,
    fuel: o.fuel !== undefined ? parseFuel(o.fuel) : within(m.fuel, d.fuel),
    memoryBytes: o.memory !== undefined ? parseSize(o.memory, '--memory') : within(m.memory, d.memoryBytes),
    timeoutMs: o.timeout !== undefined ? parseDuration(o.timeout, '--timeout') : within(m.timeoutMs, d.timeoutMs),
  };
}

function policyLayers(o: RunOptions, dirs: readonly DirSpec[], bundled: readonly string[], env: readonly (readonly [string, string])[]): PolicyDocument[] {
  const name = o.policy;
  if (name === 'baseline' || name === 'strict' || name === 'permissive') {
    if (name !== 'permissive' && (dirs.length > 0 || env.length > 0)) {
      note(`warning: policy ${name} grants no files and no environment; --dir/--env are mounted but every access is denied (use --policy permissive)`);
    }
    return [builtinPolicy(name, {
      dirs: [...dirs.map((d) => ({ guest: d.guestAbs, readonly: d.readonly })), ...bundled.map((guest) => ({ guest, readonly: true }))],
      env: env.map(([k]) => k),
    })];
  }
  return [parsePolicyText(new TextDecoder().decode(readBytes(name, 'policy')), name)];
}

const RUN_STATUS: Record<ContainerResult['status'], RunStatus> = {
  exited: 'exited', trapped: 'trapped', 'fuel-exhausted': 'fuel-exhausted', 'timed-out': 'timeout', killed: 'killed',
  quarantined: 'quarantined', denied: 'denied', 'output-limit': 'output-limit',
};

function exitCodeFor(r: ContainerResult): number {
  if (r.status === 'exited') return r.exitCode & 0xff;
  if (r.status === 'fuel-exhausted' || r.status === 'timed-out') return 124;
  if (r.status === 'denied' || r.status === 'quarantined' || r.status === 'output-limit') return 125;
  return r.exitCode;
}

async function execute(target: string, args: readonly string[], o: RunOptions): Promise<number> {
  const loaded = await load(target, o);
  const limits = limitsFor(o, loaded.manifestLimits);
  const env = o.env.map(parseEnv);
  const dirs = [...o.dir.map((d) => parseDir(d, false)), ...o.dirRo.map((d) => parseDir(d, true))];
  checkDistinct(dirs);

  const platform = createNodePlatform();
  const vfs = new Vfs();
  const hostMounts: HostMount[] = dirs.map((d) => loadHostDir(vfs, d.host, d.guest, { readonly: d.readonly }));
  for (const hm of hostMounts) for (const r of hm.refused) note(`warning: not mounted: ${r}`);
  const bundled = mountBundledFiles(vfs, loaded.files).map((m) => m.absPath);

  const layers = policyLayers(o, dirs, bundled, env);
  const identity = identityOf('local', loaded.packageDigest);
  const store = fileQuarantineStore(o.dataDir);
  await assertLaunchAllowed(store, identity);
  const gate = createTrustGate({ layers, subject: loaded.subject, identity, clock: platform.clock, quarantine: store });

  let recorder: DnaRecorder | undefined;
  if (o.trace !== undefined || o.report !== undefined) {
    const keyHex = process.env['FORGE_KERNEL_KEY'];
    const signingKey = keyHex !== undefined ? fromHex(keyHex.trim()) : cliCrypto.randomBytes(32);
    if (signingKey === undefined || signingKey.length !== 32) throw new KernelError('CONFIG_INVALID', 'FORGE_KERNEL_KEY must be 64 hex digits (an Ed25519 seed)');
    const config = resolveConfig({});
    recorder = createDnaRecorder({
      crypto: cliCrypto, signingKey, checkpointInterval: config.trace.checkpointInterval,
      genesis: {
        kernelId: config.kernelId, configDigest: configDigest(config), package: loaded.pkg, policyDigest: policyDigest(layers), identity,
        limits: { fuel: limits.fuel, memoryBytes: limits.memoryBytes, timeoutMs: limits.timeoutMs, stdoutBytes: limits.stdoutBytes, stderrBytes: limits.stderrBytes },
        startedAt: Date.now(),
      },
    });
  }
  const rec = recorder;
  const hooks: GateHooks = {
    decide: (req) => gate.decide(req),
    record(req, decision, outcome, ctx) {
      gate.observe(req, decision, outcome);
      rec?.record(req, decision, outcome, { fuelUsed: ctx.fuelUsed, trust: gate.score });
    },
  };

  const tty = stdioTty();
  const output = guestOutput(tty);
  let result: ContainerResult;
  try {
    result = await launchContainer({
      platform, module: loaded.module, moduleDigest: loaded.moduleDigest, entry: loaded.entry,
      args: [basename(target), ...args], env, fs: vfs, limits, hooks,
      stdin: processStdin(output.flush), stdout: output.stdout, stderr: output.stderr, keepOutput: false, tty,
    });
  } finally {
    try {
      output.flush();
    } catch {
      // a closed stdout at exit: nothing left to tell the guest
    }
  }

  // A timed-out guest may have been stopped inside a host call, mid-change: its tree is not trusted.
  const writeBack: WriteBackReport[] = result.status === 'timed-out' ? [] : hostMounts.map(writeBackHostDir);
  for (const w of writeBack) for (const s of w.skipped) note(`warning: not written back: ${s}`);
  if (result.status === 'timed-out' && hostMounts.some((h) => !h.mount.readonly)) note('the run timed out: its file changes were not written back');
  if (result.status !== 'exited') note(`${result.status}: ${result.reason}`);

  const code = exitCodeFor(result);
  const summary = recorder ? await recorder.finish({
    status: RUN_STATUS[result.status], ...(result.status === 'exited' ? { exitCode: result.exitCode } : {}),
    ...(result.error ? { code: result.error.code, message: result.error.message } : {}),
  }) : undefined;
  await gate.flush();
  if (o.trace !== undefined && recorder) writeAtomic(o.trace, `${recorder.lines().join('\n')}\n`);
  if (o.report !== undefined) {
    const report = {
      status: result.status, exitCode: code, guestExitCode: result.status === 'exited' ? result.exitCode : undefined,
      fuelUsed: Number(result.fuelUsed), reason: result.reason, peakMemoryBytes: result.peakMemoryBytes,
      durationMs: Math.round(result.durationMs), provenance: loaded.subject.signed ? 'signed' : 'unsigned', package: loaded.pkg,
      limits, trust: { score: gate.score, quarantined: gate.quarantined },
      writeBack: writeBack.map((w, i) => ({ dir: hostMounts[i]!.hostDir, ...w })),
      trace: summary ? { runId: summary.summary.runId, entries: summary.summary.count, summary: summary.summary } : undefined,
    };
    writeAtomic(o.report, `${JSON.stringify(report, null, 2)}\n`);
  }
  return code;
}

function fail(e: unknown): number {
  if (e instanceof KernelError) {
    note(`error ${e.code}: ${e.message}`);
    return REFUSALS.test(e.code) ? 126 : exitCodeOf(e);
  }
  note(`error INTERNAL: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  return 70;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a WASI command in the sandbox: a signed .forgepkg (--trust) or a bare .wasm (--allow-unsigned)')
    .argument('<target>', 'a .forgepkg package or a .wasm module')
    .argument('[args...]', 'arguments for the guest, after -- (argv[0] is the target\'s file name)')
    .option('--trust <root.json>', 'the trust root that verifies a package')
    .option('--allow-unsigned', 'run a bare .wasm; its provenance is recorded as unsigned')
    .option('--policy <file|baseline|permissive|strict>', 'a policy document, or a built-in policy', 'baseline')
    .option('--dir <HOST[::GUEST]>', 'mount a host directory read-write (at GUEST, or at HOST as given) (repeatable)', collect, [])
    .option('--dir-ro <HOST[::GUEST]>', 'mount a host directory read-only (repeatable)', collect, [])
    .option('--env <NAME=VALUE>', 'offer an environment variable (repeatable)', collect, [])
    .option('--fuel <n>', 'instruction budget (default: the kernel\'s limits.fuel)')
    .option('--memory <size>', 'linear memory cap, e.g. 64MiB')
    .option('--timeout <duration>', 'wall-clock limit, e.g. 5s or 500ms')
    .option('--trace <out.jsonl>', 'write the Execution DNA trace (JSON lines)')
    .option('--report <out.json>', 'write a JSON report: status, exit code, fuel, reason, trace summary')
    .option('--data-dir <dir>', 'where quarantine state is kept', '.forge/')
    .action(async (target: string, args: string[], o: RunOptions, cmd: Command) => {
      // commander keeps the raw argv (untyped): the only way to see whether `--` was given.
      const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      if (args.length > 0 && !raw.includes('--')) {
        process.exitCode = fail(new KernelError('BAD_REQUEST', `guest arguments go after --: forge run ${target} [options] -- ${args.join(' ')}`));
        return;
      }
      try {
        process.exitCode = await execute(target, args, o);
      } catch (e) {
        process.exitCode = fail(e);
      }
    });
}
