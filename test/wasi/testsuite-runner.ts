/**
 * A local runner for the WebAssembly WASI testsuite layout (github.com/WebAssembly/wasi-testsuite):
 * `tests/{assemblyscript,c,rust}/testsuite/[wasm32-wasip1/]NAME.wasm` beside `NAME.json`
 * (`args`, `env`, `dirs`, `root`, `exit_code`, `stdout`, `stderr`, or the newer `operations`).
 * Each test runs through `forge run --policy permissive --allow-unsigned`, its `root` directory
 * given as `--dir ROOT::/` and each of its `dirs` as `--dir DIR::NAME` — the way the review runs
 * the suite — and passes when the exit code and the expected output match (stdout is compared
 * as the upstream runner does: the first len(expected) characters).
 *
 *   node test/wasi/testsuite-runner.ts PATH [--filter REGEX] [--json]
 * PATH is the suite's repository root, a `tests/` directory, or one testsuite directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { MAIN, NODE } from './forge.ts';

const runOp = z.object({ type: z.literal('run'), args: z.array(z.string()).optional(), env: z.record(z.string(), z.string()).optional(), dirs: z.array(z.string()).optional() });
const readOp = z.object({ type: z.literal('read'), id: z.enum(['stdout', 'stderr']).default('stdout'), payload: z.string().default('') });
const writeOp = z.object({ type: z.literal('write'), id: z.string().default('stdin'), payload: z.string().default('') });
const waitOp = z.object({ type: z.literal('wait'), exit_code: z.number().int().default(0) });

/** A test's JSON: the legacy fields, or `operations` (run / write stdin / read / wait). Unknown fields are ignored, as upstream warns and goes on. */
const configSchema = z.object({
  args: z.array(z.string()).default([]),
  env: z.union([z.record(z.string(), z.string()), z.array(z.string())]).default({}),
  dirs: z.array(z.string()).default([]),
  root: z.string().optional(),
  exit_code: z.number().int().default(0),
  stdout: z.string().optional(),
  stderr: z.string().optional(),
  operations: z.array(z.discriminatedUnion('type', [runOp, readOp, writeOp, waitOp])).optional(),
});

export interface SuiteTest {
  readonly suite: string;
  readonly name: string;
  readonly wasm: string;
  readonly dir: string;
}

export interface TestOutcome {
  readonly test: SuiteTest;
  readonly passed: boolean;
  readonly failures: readonly string[];
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Every directory under `path` that holds `*.wasm` tests in the suite's layout. */
export function findTests(path: string): SuiteTest[] {
  const root = resolve(path);
  const dirs: string[] = [];
  const consider = (d: string) => {
    if (!existsSync(d) || !statSync(d).isDirectory()) return;
    const p1 = join(d, 'wasm32-wasip1');
    if (existsSync(p1)) dirs.push(p1);
    else if (readdirSync(d).some((f) => f.endsWith('.wasm'))) dirs.push(d);
  };
  const testsDir = existsSync(join(root, 'tests')) ? join(root, 'tests') : root;
  const langs = existsSync(testsDir) ? readdirSync(testsDir).filter((l) => existsSync(join(testsDir, l, 'testsuite'))) : [];
  if (langs.length > 0) for (const l of langs.sort()) consider(join(testsDir, l, 'testsuite'));
  else consider(root);
  return dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.wasm')).sort().map((f) => ({
    suite: d.slice(testsDir.length + 1) || basename(d), name: basename(f, '.wasm'), wasm: join(d, f), dir: d,
  })));
}

/** Removes `*.cleanup` files and directories a test left, as the upstream runner does before and after. */
function cleanup(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.name.endsWith('.cleanup')) rmSync(p, { recursive: true, force: true });
    else if (e.isDirectory()) cleanup(p);
  }
}

/** The forge argv, stdin and expectations for one test. */
export function plan(t: SuiteTest): { argv: string[]; stdin: string; exitCode: number; reads: { id: 'stdout' | 'stderr'; payload: string }[]; mounted: string[] } {
  const jsonPath = t.wasm.replace(/\.wasm$/, '.json');
  const c = configSchema.parse(existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : {});
  let args = c.args;
  let env: [string, string][] = Array.isArray(c.env) ? c.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]) : Object.entries(c.env);
  let dirs = c.dirs;
  let exitCode = c.exit_code;
  let stdin = '';
  const reads: { id: 'stdout' | 'stderr'; payload: string }[] = [];
  if (c.stdout !== undefined) reads.push({ id: 'stdout', payload: c.stdout });
  if (c.stderr !== undefined) reads.push({ id: 'stderr', payload: c.stderr });
  for (const op of c.operations ?? []) {
    if (op.type === 'run') { args = op.args ?? []; env = Object.entries(op.env ?? {}); dirs = op.dirs ?? []; }
    else if (op.type === 'read') reads.push({ id: op.id, payload: op.payload });
    else if (op.type === 'write' && op.id === 'stdin') stdin += op.payload;
    else if (op.type === 'wait') exitCode = op.exit_code;
  }
  const mounted: string[] = [];
  const flags = ['--allow-unsigned', '--policy', 'permissive'];
  if (c.root !== undefined) { mounted.push(join(t.dir, c.root)); flags.push('--dir', `${join(t.dir, c.root)}::/`); }
  for (const d of dirs) { mounted.push(join(t.dir, d)); flags.push('--dir', `${join(t.dir, d)}::${d}`); }
  for (const [k, v] of env) flags.push('--env', `${k}=${v}`);
  return { argv: ['run', t.wasm, ...flags, '--', ...args], stdin, exitCode, reads, mounted };
}

/** Runs one test through `forge run` in a child process. */
export function runTest(t: SuiteTest, opts: { dataDir?: string; timeoutMs?: number } = {}): TestOutcome {
  const p = plan(t);
  const argv = opts.dataDir === undefined ? p.argv : [...p.argv.slice(0, 2), '--data-dir', opts.dataDir, ...p.argv.slice(2)];
  for (const d of p.mounted) cleanup(d);
  const t0 = performance.now();
  const r = spawnSync(NODE, [MAIN, ...argv], { cwd: t.dir, input: p.stdin, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  for (const d of p.mounted) cleanup(d);
  const failures: string[] = [];
  const exitCode = r.status ?? -1;
  if (r.error) failures.push(`did not finish: ${r.error.message}`);
  if (exitCode !== p.exitCode) failures.push(`exit code ${exitCode}, expected ${p.exitCode}`);
  const streams = { stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  const at = { stdout: 0, stderr: 0 };
  for (const read of p.reads) {
    const got = streams[read.id].slice(at[read.id], at[read.id] + read.payload.length);
    at[read.id] += read.payload.length;
    if (got !== read.payload) failures.push(`${read.id}: expected ${JSON.stringify(read.payload)}, got ${JSON.stringify(got)}`);
  }
  return { test: t, passed: failures.length === 0, failures, argv, exitCode, stdout: streams.stdout, stderr: streams.stderr, ms };
}

/** Runs every test found under `path`; returns the outcomes in order. */
export function runSuite(path: string, opts: { filter?: RegExp; dataDir?: string; onResult?: (o: TestOutcome) => void } = {}): TestOutcome[] {
  const out: TestOutcome[] = [];
  for (const t of findTests(path)) {
    if (opts.filter && !opts.filter.test(`${t.suite}/${t.name}`)) continue;
    const o = runTest(t, opts.dataDir === undefined ? {} : { dataDir: opts.dataDir });
    opts.onResult?.(o);
    out.push(o);
  }
  return out;
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const path = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--filter');
  if (path === undefined) {
    process.stderr.write('usage: node test/wasi/testsuite-runner.ts PATH [--filter REGEX] [--json]\n');
    process.exit(2);
  }
  const fi = argv.indexOf('--filter');
  const filter = fi >= 0 && argv[fi + 1] !== undefined ? new RegExp(argv[fi + 1]!) : undefined;
  const json = argv.includes('--json');
  const results = runSuite(path, {
    ...(filter ? { filter } : {}),
    onResult: (o) => {
      if (json) return;
      process.stdout.write(`${o.passed ? 'PASS' : 'FAIL'} ${o.test.suite}/${o.test.name} (${Math.round(o.ms)} ms)\n`);
      for (const f of o.failures) process.stdout.write(`     ${f}\n`);
      if (!o.passed && o.stderr) process.stdout.write(`     stderr: ${o.stderr.trim().split('\n').slice(-5).join('\n             ')}\n`);
    },
  });
  const passed = results.filter((r) => r.passed).length;
  if (json) process.stdout.write(`${JSON.stringify(results.map((r) => ({ suite: r.test.suite, name: r.test.name, passed: r.passed, failures: r.failures })), null, 2)}\n`);
  else process.stdout.write(`${passed}/${results.length} passed\n`);
  process.exit(passed === results.length ? 0 : 1);
}
