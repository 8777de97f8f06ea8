/**
 * The local wasi-testsuite runner (testsuite-runner.ts), exercised on a suite laid out exactly like
 * the upstream one — tests/{assemblyscript,c,rust}/testsuite/, both the flat layout and the newer
 * wasm32-wasip1/ one, NAME.wasm + NAME.json with args, env (object or list), dirs, root,
 * exit_code, stdout and operations — holding our own C programs. Every expected pass must pass,
 * and the deliberately wrong expectations must be reported as failures.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, fixturesReady, scratch } from './forge.ts';
import { findTests, plan, runSuite, runTest, type TestOutcome } from './testsuite-runner.ts';

let root = '';
const EXPECTED_FAIL = new Set(['wrong-exit-code', 'wrong-stdout']);

function addTest(dir: string, name: string, program: string, config: unknown): void {
  mkdirSync(dir, { recursive: true });
  copyFileSync(fixture(program), join(dir, `${name}.wasm`));
  if (config !== undefined) writeFileSync(join(dir, `${name}.json`), JSON.stringify(config));
}

function fsTestsDir(at: string): void {
  mkdirSync(join(at, 'fopendir.dir'), { recursive: true });
  mkdirSync(join(at, 'writeable'), { recursive: true });
  writeFileSync(join(at, 'file'), 'content\n');
  writeFileSync(join(at, 'lseek.txt'), '01234567');
  writeFileSync(join(at, 'pread.txt'), 'pread-test');
  writeFileSync(join(at, 'fopendir.dir/file-0'), '0');
  writeFileSync(join(at, 'fopendir.dir/file-1'), '1');
}

before(async () => {
  await fixturesReady();
  root = scratch('wasi-testsuite-');
  // C: the new layout, a "root" mounted at /, programs using wasi-libc relative paths
  const c = join(root, 'tests/c/testsuite/wasm32-wasip1');
  fsTestsDir(join(c, 'fs-tests.dir'));
  writeFileSync(join(c, 'manifest.json'), JSON.stringify({ name: 'WASI C tests' }));
  for (const mode of ['lseek', 'pread', 'pwrite-append', 'pwrite', 'stat', 'fdopendir', 'fopen']) {
    addTest(c, `libc-${mode}`, 'wasi-libc-files', { root: 'fs-tests.dir', args: [mode], stdout: 'ok\n' });
  }
  addTest(c, 'fopen-with-no-access', 'wasi-libc-files', { args: ['fopen-unmounted'] });
  addTest(c, 'sock_shutdown', 'wasi-proc', { args: ['sock'] });
  // the legacy "dirs" form: mounted at its relative name, reached through that prefix
  addTest(c, 'legacy-dirs', 'wasi-libc-files', { dirs: ['fs-tests.dir'], args: ['stat', 'fs-tests.dir/'] });
  // Rust-style raw-syscall programs, scratch work under the root
  const rust = join(root, 'tests/rust/testsuite/wasm32-wasip1');
  fsTestsDir(join(rust, 'fs-tests.dir'));
  for (const p of ['wasi-files', 'wasi-dirs', 'wasi-symlinks', 'wasi-paths']) addTest(rust, p, p, { root: 'fs-tests.dir' });
  addTest(rust, 'clock-random', 'wasi-clock-random', undefined);
  // AssemblyScript-style: the flat layout, args/env/exit codes/stdout, and the operations form
  const as = join(root, 'tests/assemblyscript/testsuite');
  addTest(as, 'args-env', 'wasi-args-env', { args: ['first', 'the "second" arg', '3'], env: { a: 'text', b: 'escap " ing', c: 'new\nline' },
    stdout: 'argv[0]=args-env.wasm\nargv[1]=first\nargv[2]=the "second" arg\nargv[3]=3\nenv a=text\nenv b=escap " ing\nenv c=new\nline\nok\n' });
  addTest(as, 'env-list', 'wasi-args-env', { env: ['K=v=w'], stdout: 'argv[0]=env-list.wasm\nenv K=v=w\nok\n' });
  addTest(as, 'proc_exit-failure', 'wasi-proc', { args: ['exit', '33'], exit_code: 33 });
  // stdin stays open until the wait step, as upstream: 'hello' must arrive while the guest is
  // still blocked reading stdin, and the rest only after wait closes it.
  addTest(as, 'stdin-operations', 'wasi-stdio', { operations: [
    { type: 'run' }, { type: 'write', id: 'stdin', payload: 'ping' }, { type: 'read', payload: 'hello\n' }, { type: 'wait', exit_code: 0 },
  ] });
  addTest(join(root, 'stdin-hang'), 'stdin-read-before-eof', 'wasi-stdio', { operations: [
    { type: 'run' }, { type: 'write', id: 'stdin', payload: 'ping' }, { type: 'read', payload: 'hello\nstdin: ping|\n' }, { type: 'wait', exit_code: 0 },
  ] });
  addTest(as, 'wrong-exit-code', 'wasi-proc', { args: ['exit', '3'], exit_code: 4 });
  addTest(as, 'wrong-stdout', 'wasi-proc', { args: ['return', '0'], stdout: 'something else' });
});

test('findTests: every test of both layouts, with its suite', () => {
  const tests = findTests(root);
  assert.equal(tests.length, 21);
  assert.deepEqual([...new Set(tests.map((t) => t.suite))], ['assemblyscript/testsuite', 'c/testsuite/wasm32-wasip1', 'rust/testsuite/wasm32-wasip1']);
  assert.equal(findTests(join(root, 'tests/c/testsuite/wasm32-wasip1')).length, 10, 'one testsuite directory given directly');
});

test('plan: root becomes --dir ROOT::/, dirs keep their names, env and args after --', () => {
  const t = findTests(root).find((x) => x.name === 'legacy-dirs')!;
  const p = plan(t);
  assert.deepEqual(p.argv.slice(2, 5), ['--allow-unsigned', '--policy', 'permissive']);
  assert.ok(p.argv.includes(`${join(t.dir, 'fs-tests.dir')}::fs-tests.dir`));
  assert.deepEqual(p.argv.slice(p.argv.indexOf('--')), ['--', 'stat', 'fs-tests.dir/']);
  const r = plan(findTests(root).find((x) => x.name === 'libc-stat')!);
  assert.ok(r.argv.some((a) => a.endsWith('fs-tests.dir::/')));
});

test('runSuite: every expected pass passes, the wrong expectations fail, *.cleanup is removed', async () => {
  const results: TestOutcome[] = await runSuite(join(root, 'tests'), { dataDir: scratch(), timeoutMs: 30_000, waitMs: 30_000 });
  const report = results.map((r) => `${r.passed ? 'PASS' : 'FAIL'} ${r.test.suite}/${r.test.name} ${r.failures.join('; ')}${r.passed ? '' : `\n${r.stdout}\n${r.stderr}`}`).join('\n');
  for (const r of results) assert.equal(r.passed, !EXPECTED_FAIL.has(r.test.name), report);
  const wrong = results.find((r) => r.test.name === 'wrong-exit-code')!;
  assert.deepEqual(wrong.failures, ['exit code 3, expected 4']);
  assert.match(results.find((r) => r.test.name === 'wrong-stdout')!.failures[0]!, /^stdout: expected "something else"/);

  for (const dir of [join(root, 'tests/c/testsuite/wasm32-wasip1/fs-tests.dir'), join(root, 'tests/rust/testsuite/wasm32-wasip1/fs-tests.dir')]) {
    const left = readdirSync(dir, { recursive: true }).map(String).filter((n) => n.includes('.cleanup'));
    assert.deepEqual(left, [], `cleanup files left in ${dir}`);
    assert.ok(existsSync(join(dir, 'lseek.txt')), 'the fixture tree itself is kept');
  }
});

test('runTest: stdin stays open until the wait step, so reading what comes only after EOF fails (upstream hangs)', async () => {
  const t = findTests(join(root, 'stdin-hang'))[0]!;
  const r = await runTest(t, { dataDir: scratch(), timeoutMs: 2_000, waitMs: 30_000 });
  assert.equal(r.passed, false);
  assert.deepEqual(r.failures, ['stdout: no "hello\\nstdin: ping|\\n" within 2000 ms (upstream would hang)']);
  assert.match(r.stdout, /^hello\n/);
});
