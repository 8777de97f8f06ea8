/**
 * Runs `forge run` as a child process, exactly as a user (or the wasi-testsuite review) does:
 * `node platform/node/main.ts run …` on the project's Node 24, with its exit code, stdout and stderr.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixtures, FIXTURES_OUT, ROOT } from '../fixtures/build.ts';

export const NODE = join(ROOT, 'node_modules/.bin/node');
export const MAIN = join(ROOT, 'platform/node/main.ts');

export interface ForgeResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `forge ARGS…` with optional stdin bytes; `cwd` defaults to a scratch directory. */
export function forge(args: readonly string[], opts: { input?: string | Uint8Array; cwd?: string; timeoutMs?: number } = {}): ForgeResult {
  const r = spawnSync(NODE, [MAIN, ...args], {
    cwd: opts.cwd ?? scratch(), input: opts.input ?? '', encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The built fixture NAME (.cache/fixtures/NAME.wasm). */
export function fixture(name: string): string {
  return join(FIXTURES_OUT, `${name}.wasm`);
}

let built: Promise<string[]> | undefined;
/** Builds the C and WAT fixtures once per test process. */
export function fixturesReady(): Promise<string[]> {
  built ??= buildFixtures();
  return built;
}

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test process exits. */
export function scratch(prefix = 'forge-wasi-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** A policy document allowing every call, path and variable, without escalation (for hostile probes). */
export function allowAllPolicy(): string {
  const file = join(scratch(), 'allow-all.json');
  writeFileSync(file, JSON.stringify({
    version: 1, id: 'test-allow-all', layer: 'platform', mode: 'enforce', unlisted: 'deny', escalation: [],
    rules: [
      { id: 'calls', effect: 'allow', actions: ['*'] },
      { id: 'files', effect: 'allow', actions: ['*'], resources: { paths: ['/**'] } },
      { id: 'env', effect: 'allow', actions: ['*'], resources: { env: ['*'] } },
    ],
  }));
  return file;
}

/** `forge run FIXTURE --allow-unsigned --policy permissive [--dir TMP::/] …` — the review's invocation (a `--policy` in `flags` replaces permissive). */
export function runFixture(name: string, opts: { dir?: string | false; flags?: readonly string[]; args?: readonly string[]; input?: string; dataDir?: string } = {}): ForgeResult {
  const dir = opts.dir === false ? undefined : opts.dir ?? scratch();
  // --policy given in `flags` replaces the default (several --policy flags are layers of one graph)
  const policy = opts.flags?.includes('--policy') ? [] : ['--policy', 'permissive'];
  const flags = ['--allow-unsigned', ...policy, '--data-dir', opts.dataDir ?? scratch(), ...(dir ? ['--dir', `${dir}::/`] : []), ...(opts.flags ?? [])];
  return forge(['run', fixture(name), ...flags, ...(opts.args ? ['--', ...opts.args] : [])], opts.input === undefined ? {} : { input: opts.input });
}
