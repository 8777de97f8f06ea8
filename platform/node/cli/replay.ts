/**
 * `forge replay TARGET TRACE.jsonl [-- ARGS]` — forensic replay (docs/dna.md § Replay), a thin
 * adapter over the core's `replayGuest` (src/core/replay.ts): it reads the files, says which flag
 * a package needs, mounts the host directories the recorded run had (copied in, never written
 * back) and prints the verdict. A divergence exits REPLAY_DIVERGED / REPLAY_INCOMPLETE.
 */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { openRecordedTrace, replayGuest } from '../../../src/core/replay.ts';
import { isWasmModule } from '../../../src/lib/wasm-check.ts';
import { verifyTrustRoot } from '../../../src/packages/root-signing.ts';
import { KernelError } from '../../../src/errors.ts';
import { Vfs } from '../../../src/execution/wasi/vfs.ts';
import { createKernel } from '../../../src/kernel.ts';
import { escapeText } from '../../../src/lib/escape.ts';
import { createNodePlatform } from '../index.ts';
import { loadHostDir } from '../fs-mount.ts';
import { readPublicKeyArg } from '../kernel-key.ts';
import { cliCrypto, collect, out, readBytes, readRoot } from './package-io.ts';
import { fdSink, note } from './run-io.ts';
import { checkDistinct, parseDir, parseEnv } from './run-options.ts';
import { readTraceFile } from './trace.ts';

interface ReplayOptions {
  trust?: string;
  key?: string;
  dir: string[];
  dirRo: string[];
  env: string[];
  showOutput?: boolean;
}

/** The host directories, mounted as the recorded run had them; parsed only for a replay that will run. */
function mounts(o: ReplayOptions): Vfs {
  const dirs = [...o.dir.map((d) => parseDir(d, false)), ...o.dirRo.map((d) => parseDir(d, true))];
  checkDistinct(dirs);
  const vfs = new Vfs();
  for (const d of dirs) for (const r of loadHostDir(vfs, d.host, d.guest, { readonly: d.readonly }).refused) note(`warning: not mounted: ${r}`);
  return vfs;
}

async function replay(target: string, tracePath: string, args: readonly string[], o: ReplayOptions): Promise<void> {
  // A kernel of its own, in memory: a replay reads no kernel state (key, stores, quarantine) and writes none.
  const kernel = createKernel({ platform: createNodePlatform() });
  const recorded = await openRecordedTrace(kernel, readTraceFile(tracePath), { ...(o.key !== undefined && { publicKey: readPublicKeyArg(o.key) }) });
  // An incomplete trace can still be replayed as far as it goes; an altered one cannot.
  if (recorded.report.status === 'truncated') note(`the trace is incomplete: ${recorded.report.message}`);
  const bytes = readBytes(target, 'module or package');
  const isWasm = isWasmModule(bytes);
  if (!isWasm && o.trust === undefined) throw new KernelError('PKG_UNSIGNED', `${target} is a package: pass --trust ROOT.json to verify it before it is replayed`);
  const now = Date.now();
  const trustRoots = isWasm ? [] : [await verifyTrustRoot(readRoot(o.trust!), { crypto: cliCrypto, now })];
  const sink = (fd: 1 | 2) => (o.showOutput ? fdSink(fd) : { write: () => undefined });
  const r = await replayGuest(kernel, {
    trace: recorded, bytes, trustRoots, allowUnsigned: true, source: target, now,
    name: basename(target), args, env: o.env.map(parseEnv), fs: () => mounts(o), stdout: sink(1), stderr: sink(2), keepOutput: false,
  });
  if (r.error) throw r.error;
  out(escapeText(`identical: ${r.message} (run ${r.runId}, fuel used ${r.result.fuelUsed})`));
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
