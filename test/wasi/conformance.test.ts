/**
 * The WASI conformance programs (test/fixtures/c/wasi-*.c, built with clang for wasm32-wasi), each
 * run through `forge run --policy permissive` as a child process, the way the wasi-testsuite review
 * runs its tests. Each program checks every call it makes and prints "ok" (or one FAIL line per
 * broken expectation); the tests compare stdout and the exit code.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { allowAllPolicy, fixturesReady, runFixture, scratch } from './forge.ts';

before(async () => {
  await fixturesReady();
});

function passes(r: { code: number; stdout: string; stderr: string }, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stdout, /^ok$/m, `${what}: no "ok" line\n${r.stdout}`);
  assert.doesNotMatch(r.stdout, /FAIL/, what);
}

for (const name of ['wasi-files', 'wasi-dirs', 'wasi-symlinks', 'wasi-paths', 'wasi-clock-random']) {
  test(`${name}: every check passes under forge run --policy permissive --dir TMP::/`, () => {
    passes(runFixture(name), name);
  });
}

test('wasi-efault: every pointer argument past the end of memory is EFAULT, and nothing happened', () => {
  const dir = scratch();
  passes(runFixture('wasi-efault', { dir, flags: ['--policy', allowAllPolicy(), '--env', 'X=1'] }), 'wasi-efault');
  assert.deepEqual(readdirSync(dir), [], 'the program removed its scratch directory; nothing else appeared');
});

test('wasi-args-env: argv (argv[0] is the file name) and the granted environment, byte for byte', () => {
  const r = runFixture('wasi-args-env', { dir: false, flags: ['--env', 'A=1', '--env', 'B=two words', '--env', 'C=new\nline', '--env', 'D=x=y'], args: ['first', 'the "second" arg', ''] });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    'argv[0]=wasi-args-env.wasm', 'argv[1]=first', 'argv[2]=the "second" arg', 'argv[3]=',
    'env A=1', 'env B=two words', 'env C=new\nline', 'env D=x=y', 'ok', '',
  ].join('\n'));
});

test('wasi-args-env: with no arguments and no variables, argc is 1 and the environment empty', () => {
  const r = runFixture('wasi-args-env', { dir: false });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'argv[0]=wasi-args-env.wasm\nok\n');
});

test('wasi-stdio: stdout and stderr pass through, stdin is read to its end, stdio refuses seeks', () => {
  const r = runFixture('wasi-stdio', { dir: false, input: 'line one\nline two' });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(r.stdout, 'hello\nstdin: line one\nline two|\nok\n');
  assert.equal(r.stderr, 'hello\n');
});

test('wasi-proc: proc_exit codes, a return from main, a trap, sockets answered EBADF / ENOTSOCK', () => {
  let r = runFixture('wasi-proc', { dir: false, args: ['exit', '33'] });
  assert.equal(r.code, 33);
  assert.equal(r.stdout, 'exiting with 33\n');
  r = runFixture('wasi-proc', { dir: false, args: ['exit', '0'] });
  assert.equal(r.code, 0);
  r = runFixture('wasi-proc', { dir: false, args: ['return', '5'] });
  assert.equal(r.code, 5);
  r = runFixture('wasi-proc', { dir: false, args: ['trap'] });
  assert.equal(r.code, 134);
  assert.match(r.stderr, /^forge: trapped: the guest trapped: unreachable/m);
  passes(runFixture('wasi-proc', { args: ['sock'] }), 'wasi-proc sock');
});

test('wasi-proc: proc_raise ends the run as killed by the signal (128+N), or is ignored for SIGCHLD', () => {
  const policy = allowAllPolicy();
  let r = runFixture('wasi-proc', { dir: false, flags: ['--policy', policy], args: ['raise', '15'] });
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr, /killed: the guest raised SIGTERM/);
  r = runFixture('wasi-proc', { dir: false, flags: ['--policy', policy], args: ['raise', '16'] });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /proc_raise returned 0/);
  r = runFixture('wasi-proc', { dir: false, flags: ['--policy', policy], args: ['raise', '0'] });
  assert.match(r.stdout, /proc_raise returned 28/);
  // the built-in policies do not grant proc_raise: it is refused with ENOTCAPABLE
  r = runFixture('wasi-proc', { dir: false, args: ['raise', '9'] });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /proc_raise returned 76/);
});
