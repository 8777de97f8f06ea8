/**
 * Hostile guests: each ends in a typed status and nothing reaches the host. An infinite loop
 * (fuel in every host; the wall-clock guard in Node), a memory.grow bomb, path escapes (in the
 * guest, through host symlinks, through write-back), pointers past the end of memory in every
 * argument position, 10^6 tiny writes against the stdout cap, a storm of bad pointers under a
 * policy that escalates.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchContainer } from '../../src/execution/container.ts';
import type { GateHooks } from '../../src/ports/gate-hooks.ts';
import { createNodePlatform } from '../../platform/node/index.ts';
import { manualClock } from '../../src/ports/clock.ts';
import { readFixtures } from '../fixtures/build.ts';
import { fixturesReady, runFixture, scratch } from './forge.ts';

const allow: GateHooks = { decide: () => ({ effect: 'allow', rules: ['test'], reason: 'test' }), record: () => {} };
let fixtures: Map<string, Uint8Array>;
before(async () => {
  await fixturesReady();
  fixtures = readFixtures();
});
const wasm = (name: string) => fixtures.get(name)!;

test('an infinite loop is stopped by fuel: status fuel-exhausted, fuel used = the budget, every time', async () => {
  const platform = { ...createNodePlatform(), guard: undefined };
  for (let i = 0; i < 2; i++) {
    const r = await launchContainer({ platform, module: wasm('wasi-spin'), hooks: allow, limits: { fuel: 2_000_000 } });
    assert.equal(r.status, 'fuel-exhausted');
    assert.equal(r.exitCode, 124);
    assert.equal(r.fuelUsed, 2_000_000n);
    assert.equal(r.error?.code, 'FUEL_EXHAUSTED');
  }
});

test('an infinite loop is stopped by the wall-clock guard in Node: status timeout', async () => {
  const states: string[] = [];
  const t0 = performance.now();
  const r = await launchContainer({ platform: createNodePlatform(), module: wasm('wasi-spin'), hooks: allow, limits: { timeoutMs: 200 }, onState: (s) => states.push(s) });
  assert.equal(r.status, 'timeout');
  assert.equal(r.exitCode, 124);
  assert.ok(performance.now() - t0 < 5000);
  assert.deepEqual(states, ['launch', 'running', 'timeout']);
});

test('a manual clock drives the run\'s timeout: a guest that only calls sched_yield is stopped (timeout), no real time waited', async () => {
  const clock = manualClock();
  // Every host call moves the run's clock 10 ms: a 60 s limit passes after ~6000 calls, a few ms of real time.
  const hooks: GateHooks = { ...allow, record: () => { clock.advance(10); } };
  const t0 = performance.now();
  const r = await launchContainer({ platform: { ...createNodePlatform(), clock }, module: wasm('attack-yield-loop'), hooks, limits: { timeoutMs: 60_000 } });
  assert.equal(r.status, 'timeout', r.reason);
  assert.equal(r.exitCode, 124);
  assert.equal(r.error?.code, 'TIMEOUT');
  assert.match(r.reason, /ran past its 60000 ms wall-clock limit/);
  assert.ok(r.durationMs >= 60_000, `the run's clock read ${r.durationMs} ms`);
  assert.ok(performance.now() - t0 < 5000, `took ${(performance.now() - t0).toFixed(0)} ms of real time`);
});

test('a memory.grow bomb gets -1 at the cap (the spec\'s answer) and peak memory is the cap', async () => {
  const r = await launchContainer({ platform: createNodePlatform(), module: wasm('wasi-grow-bomb'), hooks: allow, limits: { memoryBytes: 4 * 1024 * 1024 } });
  assert.equal(r.status, 'exited');
  assert.equal(r.exitCode, 64);
  assert.equal(r.peakMemoryBytes, 4 * 1024 * 1024);
  assert.equal(runFixture('wasi-grow-bomb', { dir: false, flags: ['--memory', '2MiB'] }).code, 32);
});

test('10^6 tiny writes against the stdout cap: output-limit once the cap is reached, the bytes up to it kept', async () => {
  const r = await launchContainer({ platform: createNodePlatform(), module: wasm('wasi-flood'), hooks: allow, limits: { stdoutBytes: 1000 } });
  assert.equal(r.status, 'output-limit');
  assert.equal(r.exitCode, 125);
  assert.equal(r.stdout.length, 1000);
  assert.match(r.reason, /stdout passed its cap of 1000 bytes/);
  // under the default cap the million writes all go through the gate and out
  const cli = runFixture('wasi-flood', { dir: false });
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(cli.stdout.length, 1_000_000);
});

test('path escapes through host symlinks: links leaving the mounted directory are not mounted, never followed', () => {
  const base = scratch();
  const root = join(base, 'root');
  mkdirSync(root);
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside/secret'), 'host secret\n');
  symlinkSync('/etc/passwd', join(root, 'passwd'));
  symlinkSync('../outside/secret', join(root, 'up'));
  symlinkSync('../outside', join(root, 'link'));
  writeFileSync(join(root, 'real'), 'inside\n');
  symlinkSync('real', join(root, 'alias'));
  const r = runFixture('wasi-escape', { dir: root, args: ['passwd', 'up', 'link/secret', 'alias', '/etc/passwd', '../outside/secret', 'real/../../outside/secret'] });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /root:|host secret/);
  assert.equal(r.stdout, [
    'read passwd: errno 44', 'read up: errno 44', 'read link/secret: errno 44', 'read alias: 7 bytes: inside',
    'read /etc/passwd: errno 76', 'read ../outside/secret: errno 76', 'read real/../../outside/secret: errno 54', '',
  ].join('\n'));
  assert.match(r.stderr, /warning: not mounted: passwd → \/etc\/passwd \(a symlink pointing outside the mounted directory\)/);
});

test('path escapes through write-back: guest symlinks out are not written, a host symlink in the way is replaced, not followed', () => {
  const base = scratch();
  const root = join(base, 'root');
  mkdirSync(root);
  mkdirSync(join(base, 'outside'));
  symlinkSync('../outside', join(root, 'link'));
  const r = runFixture('wasi-escape', { dir: root, args: ['--make', 'evil=../../etc/passwd', 'ok=real', 'link/', 'link/x', 'abs=/etc/passwd'] });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /make abs: errno 76/);
  assert.deepEqual(readdirSync(join(base, 'outside')), [], 'nothing was written outside the mounted directory');
  assert.ok(lstatSync(join(root, 'link')).isDirectory());
  assert.equal(readFileSync(join(root, 'link/x'), 'utf8'), 'guest\n');
  assert.ok(!existsSync(join(root, 'evil')));
  assert.equal(readlinkSync(join(root, 'ok')), 'real');
  assert.match(r.stderr, /not written back: evil → \.\.\/\.\.\/etc\/passwd/);
});

test('pointers past the end of memory in every argument position: EFAULT; under a built-in policy the guest loses trust and is narrowed', () => {
  const dataDir = scratch();
  const r = runFixture('wasi-efault', { dataDir, flags: ['--env', 'X=1', '--report', join(dataDir, 'r.json')] });
  const rep = JSON.parse(readFileSync(join(dataDir, 'r.json'), 'utf8')) as { status: string; trust: { score: number } };
  // every bad pointer was answered EFAULT (no FAIL line names one), and the storm cost the guest its
  // trust: below 60 the policy is narrowed to strict, so its later file calls are refused
  assert.doesNotMatch(r.stdout, /want 21/);
  assert.ok(rep.trust.score < 60, `trust ${rep.trust.score}`);
  assert.match(r.stdout, /__wasi_path_filestat_get\(dir, 0, "new", &st\) -> 76/);
  assert.equal(rep.status, 'exited');
});

test('nothing of the host leaks in: no host environment, no unmounted files, no preopens unless given', () => {
  let r = runFixture('wasi-args-env', { dir: false });
  assert.equal(r.stdout, 'argv[0]=wasi-args-env.wasm\nok\n');
  r = runFixture('wasi-libc-files', { dir: false, args: ['fopen-unmounted'] });
  assert.equal(r.code, 0, r.stderr);
  r = runFixture('wasi-proc', { dir: false, args: ['sock'] });
  assert.equal(r.code, 0, r.stdout);
});
