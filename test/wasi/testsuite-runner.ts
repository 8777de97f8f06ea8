/**
 * A local runner for the WebAssembly WASI testsuite layout (github.com/WebAssembly/wasi-testsuite):
 * `tests/{assemblyscript,c,rust}/testsuite/[wasm32-wasip1/]NAME.wasm` beside `NAME.json`
 * (`args`, `env`, `dirs`, `root`, `exit_code`, `stdout`, `stderr`, or the newer `operations`).
 * Each test runs through `forge run --policy permissive --allow-unsigned`, its `root` directory
 * given as `--dir ROOT::/` and each of its `dirs` as `--dir DIR::NAME` — the way the review runs
 * the suite — and drives the process the way the upstream runner does: stdin is a pipe that stays
 * open (written to by `write` steps) until the `wait` step closes it; a `read` takes the next
 * len(payload) characters of stdout or stderr as they arrive; `wait` then allows 5 s for the exit
 * and compares the exit code. A guest or host that waits on stdin, or holds output back until
 * exit, fails here as it would there.
 *
 *   node test/wasi/testsuite-runner.ts PATH [--filter REGEX] [--json]
 * PATH is the suite's repository root, a `tests/` directory, or one testsuite directory.
 */
import { spawn } from 'node:child_process';
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

/** One step of a test after `run`, in the upstream runner's order. */
export type Step =
  | { readonly type: 'write'; readonly payload: string }
  | { readonly type: 'read'; readonly id: 'stdout' | 'stderr'; readonly payload: string }
  | { readonly type: 'wait'; readonly exitCode: number };

/** The forge argv and the steps for one test: the legacy fields become read stdout, read stderr, wait. */
export function plan(t: SuiteTest): { argv: string[]; steps: Step[]; mounted: string[] } {
  const jsonPath = t.wasm.replace(/\.wasm$/, '.json');
  const c = configSchema.parse(existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : {});
  let args = c.args;
  let env: [string, string][] = Array.isArray(c.env) ? c.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]) : Object.entries(c.env);
  let dirs = c.dirs;
  const steps: Step[] = [];
  if (c.operations === undefined) {
    if (c.stdout !== undefined) steps.push({ type: 'read', id: 'stdout', payload: c.stdout });
    if (c.stderr !== undefined) steps.push({ type: 'read', id: 'stderr', payload: c.stderr });
    steps.push({ type: 'wait', exitCode: c.exit_code });
  } else {
    for (const op of c.operations) {
      if (op.type === 'run') { args = op.args ?? []; env = Object.entries(op.env ?? {}); dirs = op.dirs ?? []; }
      else if (op.type === 'read') steps.push({ type: 'read', id: op.id, payload: op.payload });
      else if (op.type === 'write' && op.id === 'stdin') steps.push({ type: 'write', payload: op.payload });
      else if (op.type === 'wait') steps.push({ type: 'wait', exitCode: op.exit_code });
    }
  }
  const mounted: string[] = [];
  const flags = ['--allow-unsigned', '--policy', 'permissive'];
  if (c.root !== undefined) { mounted.push(join(t.dir, c.root)); flags.push('--dir', `${join(t.dir, c.root)}::/`); }
  for (const d of dirs) { mounted.push(join(t.dir, d)); flags.push('--dir', `${join(t.dir, d)}::${d}`); }
  for (const [k, v] of env) flags.push('--env', `${k}=${v}`);
  return { argv: ['run', t.wasm, ...flags, '--', ...args], steps, mounted };
}

/** How long the upstream runner's `wait` gives the process after closing its stdin. */
const WAIT_MS = 5_000;

/**
 * Runs one test through `forge run` in a child process, step by step. `timeoutMs` bounds a `read`
 * that never gets its characters (upstream would hang); `waitMs` is the `wait` allowance.
 */
export async function runTest(t: SuiteTest, opts: { dataDir?: string; timeoutMs?: number; waitMs?: number } = {}): Promise<TestOutcome> {
  const p = plan(t);
  const argv = opts.dataDir === undefined ? p.argv : [...p.argv.slice(0, 2), '--data-dir', opts.dataDir, ...p.argv.slice(2)];
  for (const d of p.mounted) cleanup(d);
  const t0 = performance.now();
  const child = spawn(NODE, [MAIN, ...argv], { cwd: t.dir, stdio: ['pipe', 'pipe', 'pipe'] });
  const streams = { stdout: '', stderr: '' };
  const at = { stdout: 0, stderr: 0 };
  let exitCode: number | undefined;
  let notify = (): void => {};
  const changed = (): Promise<void> => new Promise((res) => { notify = res; });
  child.stdout.setEncoding('utf8').on('data', (d: string) => { streams.stdout += d; notify(); });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { streams.stderr += d; notify(); });
  child.stdin.on('error', () => {}); // the process may exit before its stdin is closed
  const closed = new Promise<void>((res) => child.on('close', (code) => { exitCode = code ?? -1; notify(); res(); }));
  const until = async (ready: () => boolean, ms: number): Promise<boolean> => {
    const deadline = performance.now() + ms;
    while (!ready()) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([changed(), new Promise<void>((res) => { timer = setTimeout(res, left); })]);
      clearTimeout(timer);
    }
    return true;
  };
  const failures: string[] = [];
  let waited = false;
  for (const step of p.steps) {
    if (step.type === 'write') child.stdin.write(step.payload);
    else if (step.type === 'read') {
      const want = at[step.id] + step.payload.length;
      if (!(await until(() => streams[step.id].length >= want || exitCode !== undefined, opts.timeoutMs ?? 60_000))) {
        failures.push(`${step.id}: no ${JSON.stringify(step.payload)} within ${opts.timeoutMs ?? 60_000} ms (upstream would hang)`);
        break;
      }
      const got = streams[step.id].slice(at[step.id], want);
      at[step.id] = want;
      if (got !== step.payload) { failures.push(`${step.id}: expected ${JSON.stringify(step.payload)}, got ${JSON.stringify(got)}`); break; }
    } else {
      waited = true;
      child.stdin.end();
      if (!(await until(() => exitCode !== undefined, opts.waitMs ?? WAIT_MS))) { failures.push(`did not exit within ${opts.waitMs ?? WAIT_MS} ms of the wait step`); break; }
      if (exitCode !== step.exitCode) { failures.push(`exit code ${exitCode}, expected ${step.exitCode}`); break; }
    }
  }
  if (!waited) child.stdin.end();
  if (!(await until(() => exitCode !== undefined, opts.waitMs ?? WAIT_MS))) child.kill('SIGKILL');
  await closed;
  const ms = performance.now() - t0;
  for (const d of p.mounted) cleanup(d);
  return { test: t, passed: failures.length === 0, failures, argv, exitCode: exitCode ?? -1, stdout: streams.stdout, stderr: streams.stderr, ms };
}

/** Runs every test found under `path`; returns the outcomes in order. */
export async function runSuite(path: string, opts: { filter?: RegExp; dataDir?: string; timeoutMs?: number; waitMs?: number; onResult?: (o: TestOutcome) => void } = {}): Promise<TestOutcome[]> {
  const out: TestOutcome[] = [];
  for (const t of findTests(path)) {
    if (opts.filter && !opts.filter.test(`${t.suite}/${t.name}`)) continue;
    const { filter: _f, onResult: _o, ...runOpts } = opts;
    const o = await runTest(t, runOpts);
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
  const results = await runSuite(path, {
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
