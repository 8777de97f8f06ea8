/**
 * `forge run PACKAGE.forgepkg|MODULE.wasm [options] [-- ARGS...]` — runs a WASI command in the
 * sandbox (docs/cli-run.md). The exit code is the guest's, except: 124 fuel exhausted or timed
 * out, 125 stopped by policy, quarantine or the output cap, 126 refused before start
 * (verification, policy, an invalid module), 134 trapped, 137 killed.
 */
import { isWasmModule } from '../../../src/lib/wasm-check.ts';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { runGuest, type BuiltinPolicyName } from '../../../src/core/run.ts';
import { verifyTrustRoot } from '../../../src/packages/root-signing.ts';
import { KernelError, exitCodeOf } from '../../../src/errors.ts';
import { Vfs } from '../../../src/execution/wasi/vfs.ts';
import { parsePolicyText, type PolicyDocument } from '../../../src/trust/index.ts';
import { bootNodeKernel, withKernelKey } from '../boot.ts';
import { checkDisjointMounts, loadHostDir, writeBackHostDir, type HostMount, type WriteBackReport } from '../fs-mount.ts';
import { traceFileSink } from '../trace-file-sink.ts';
import { cliCrypto, collect, readBytes, readRoot, writeAtomic } from './package-io.ts';
import { checkDistinct, parseDir, parseDuration, parseEnv, parseFuel, parseSize } from './run-options.ts';
import { guestOutput, note, processStdin, stdioTty } from './run-io.ts';

interface RunOptions {
  trust?: string;
  allowUnsigned?: boolean;
  policy: string[];
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

/** Ends after which nothing the guest changed is written back to host directories. */
const NO_WRITE_BACK: ReadonlySet<string> = new Set(['quarantined', 'denied', 'timeout', 'killed']);

function policyOf(o: RunOptions, hasGrants: boolean): BuiltinPolicyName | PolicyDocument[] {
  const given = o.policy.length === 0 ? ['baseline'] : o.policy;
  const builtin = given.filter((p): p is BuiltinPolicyName => p === 'baseline' || p === 'strict' || p === 'permissive');
  if (builtin.length > 0) {
    if (given.length > 1) {
      throw new KernelError('BAD_REQUEST', `--policy ${builtin[0]} is a built-in policy and stands alone; to layer documents, give each as a file (--policy platform.json --policy run.json)`);
    }
    const name = builtin[0]!;
    if (name !== 'permissive' && hasGrants) {
      note(`warning: policy ${name} grants no files and no environment; --dir/--env are mounted but every access is denied (use --policy permissive)`);
    }
    return name;
  }
  // Several files are the layers of one graph, in the order given (platform → tenant → package → run).
  return given.map((file) => parsePolicyText(new TextDecoder().decode(readBytes(file, 'policy')), file));
}

async function execute(target: string, args: readonly string[], o: RunOptions): Promise<number> {
  const env = o.env.map(parseEnv);
  const dirs = [...o.dir.map((d) => parseDir(d, false)), ...o.dirRo.map((d) => parseDir(d, true))];
  checkDistinct(dirs);
  const bytes = readBytes(target, 'module or package');
  // The core's refusals name no flags; say here which flag to pass.
  const isWasm = isWasmModule(bytes);
  if (isWasm && !o.allowUnsigned) {
    throw new KernelError('PKG_UNSIGNED', `${target} is a bare WebAssembly module with no signature: pass --allow-unsigned to run it anyway (its provenance is recorded as unsigned), or sign it (forge pack … --key KEY.json) and run the .forgepkg with --trust ROOT.json`);
  }
  if (!isWasm && o.trust === undefined) {
    throw new KernelError('PKG_UNSIGNED', `${target} is a package: pass --trust ROOT.json to verify its signatures before it runs`);
  }
  const limits = {
    ...(o.fuel !== undefined && { fuel: parseFuel(o.fuel) }),
    ...(o.memory !== undefined && { memoryBytes: parseSize(o.memory, '--memory') }),
    ...(o.timeout !== undefined && { timeoutMs: parseDuration(o.timeout, '--timeout') }),
  };
  const policy = policyOf(o, dirs.length > 0 || env.length > 0);

  // The kernel boots as `forge serve` does: config (FORGE_CONFIG), self-tests, the SQLite stores in
  // the data directory (quarantine state and traces persist), and the kernel key kept beside them.
  const kernel = await bootNodeKernel(withKernelKey({
    env: { ...process.env, FORGE_STORES_DATA_DIR: process.env['FORGE_STORES_DATA_DIR'] ?? join(o.dataDir, 'data') },
  }, o.dataDir));
  try {
    const now = Date.now();
    const trustRoots = o.trust === undefined ? [] : [await verifyTrustRoot(readRoot(o.trust), { crypto: cliCrypto, now })];
    const fs = new Vfs();
    checkDisjointMounts(dirs);
    // What the guest must neither see nor change: the kernel's key and stores, its config, and this run's own trace and report.
    const kernelPaths = [o.dataDir, process.env['FORGE_STORES_DATA_DIR'], process.env['FORGE_CONFIG'], o.trace, o.report]
      .filter((p): p is string => p !== undefined && p !== '');
    const hostMounts: HostMount[] = dirs.map((d) => loadHostDir(fs, d.host, d.guest, { readonly: d.readonly, kernelPaths }));
    for (const hm of hostMounts) for (const r of hm.refused) note(`warning: not mounted: ${r}`);

    const tty = stdioTty();
    const output = guestOutput(tty);
    let run;
    try {
      run = await runGuest(kernel, {
        bytes, trustRoots, allowUnsigned: o.allowUnsigned === true, policy,
        grants: { dirs: dirs.map((d) => ({ guest: d.guestAbs, readonly: d.readonly })) },
        name: basename(target), args, env, fs, limits, now,
        ...(o.trace !== undefined && { trace: { sink: traceFileSink(o.trace) } }),
        stdin: processStdin(output.flush), stdout: output.stdout, stderr: output.stderr, keepOutput: false, tty,
      });
    } finally {
      try {
        output.flush();
      } catch {
        // a closed stdout at exit: nothing left to tell the guest
      }
    }
    const { result } = run;
    // A guest stopped by quarantine or policy is the one whose changes must not reach the host; a
    // timed-out or killed one may have been stopped inside a host call, mid-change: its tree is not trusted.
    const kept = !NO_WRITE_BACK.has(result.status);
    const writeBack: WriteBackReport[] = kept ? hostMounts.map(writeBackHostDir) : [];
    for (const w of writeBack) for (const s of w.skipped) note(`warning: not written back: ${s}`);
    if (!kept && hostMounts.some((h) => !h.mount.readonly)) note(`the run ended ${result.status}: its file changes were not written back`);
    if (result.status !== 'exited') note(`${result.status}: ${result.reason}`);

    if (o.report !== undefined) {
      const report = {
        status: result.status, exitCode: run.exitCode, guestExitCode: result.status === 'exited' ? result.exitCode : undefined,
        fuelUsed: Number(result.fuelUsed), reason: result.reason, peakMemoryBytes: result.peakMemoryBytes,
        durationMs: Math.round(result.durationMs), provenance: run.subject.signed ? 'signed' : 'unsigned', package: run.pkg,
        identity: run.identity, limits: run.limits, trust: run.trust,
        writeBack: writeBack.map((w, i) => ({ dir: hostMounts[i]!.hostDir, ...w })),
        trace: run.trace ? { runId: run.trace.runId, entries: run.trace.summary.summary.count, summary: run.trace.summary.summary } : undefined,
      };
      writeAtomic(o.report, `${JSON.stringify(report, null, 2)}\n`);
    }
    return run.exitCode;
  } finally {
    await kernel.close();
  }
}

function fail(e: unknown): number {
  if (e instanceof KernelError) {
    note(`error ${e.code}: ${e.message}`);
    return exitCodeOf(e);
  }
  // One note per line of the stack: a note escapes line breaks (run-io.ts).
  for (const line of `error INTERNAL: ${e instanceof Error ? e.stack ?? e.message : String(e)}`.split('\n')) note(line);
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
    .option('--policy <file|baseline|permissive|strict>', 'a policy document, or a built-in policy (default baseline); repeat with files to layer them', collect, [])
    .option('--dir <HOST[::GUEST]>', 'mount a host directory read-write (at GUEST, or at HOST as given) (repeatable)', collect, [])
    .option('--dir-ro <HOST[::GUEST]>', 'mount a host directory read-only (repeatable)', collect, [])
    .option('--env <NAME=VALUE>', 'offer an environment variable (repeatable)', collect, [])
    .option('--fuel <n>', 'instruction budget (default: the kernel\'s limits.fuel)')
    .option('--memory <size>', 'linear memory cap, e.g. 64MiB')
    .option('--timeout <duration>', 'wall-clock limit, e.g. 5s or 500ms')
    .option('--trace <out.jsonl>', 'write the Execution DNA trace (JSON lines)')
    .option('--report <out.json>', 'write a JSON report: status, exit code, fuel, reason, trace summary')
    .option('--data-dir <dir>', 'the kernel state directory: SQLite stores in DIR/data (quarantine, traces), the kernel key in DIR/kernel-key.json', '.forge')
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
