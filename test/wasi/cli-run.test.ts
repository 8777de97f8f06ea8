/**
 * The `forge run` contract (docs/cli-run.md), as a user scripts against it: exit codes (the
 * guest's; 124 fuel or time; 125 policy, quarantine or output cap; 126 refused before start),
 * --allow-unsigned, the built-in policies, --dir / --dir-ro and write-back, --env, limits,
 * --report and --trace, and a signed package verified against a trust root.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fixture, fixturesReady, forge, runFixture, scratch } from './forge.ts';

before(async () => {
  await fixturesReady();
});

test('a bare .wasm without --allow-unsigned is refused before start (126), saying how to run it', () => {
  const r = forge(['run', fixture('wasi-proc'), '--', 'exit', '0']);
  assert.equal(r.code, 126);
  assert.match(r.stderr, /error PKG_UNSIGNED: .*pass --allow-unsigned .*or sign it/);
  assert.equal(r.stdout, '');
});

test('the exit code is the guest\'s; guest arguments go after --', () => {
  assert.equal(runFixture('wasi-proc', { dir: false, args: ['exit', '42'] }).code, 42);
  assert.equal(runFixture('wasi-proc', { dir: false, args: ['exit', '300'] }).code, 300 & 0xff);
  const r = forge(['run', fixture('wasi-proc'), '--allow-unsigned', 'exit', '1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /guest arguments go after --/);
});

test('fuel exhausted and timed out exit 124 with the status on stderr', () => {
  let r = runFixture('wasi-spin', { dir: false, flags: ['--fuel', '1_000_000'] });
  assert.equal(r.code, 124);
  assert.match(r.stderr, /^forge: fuel-exhausted: /m);
  r = runFixture('wasi-spin', { dir: false, flags: ['--timeout', '300ms'] });
  assert.equal(r.code, 124);
  assert.match(r.stderr, /^forge: timeout: the guest ran past its 300 ms wall-clock limit/m);
});

test('refused before start (126): an invalid module, a bad policy, a memory cap below the module\'s minimum', () => {
  const dir = scratch();
  writeFileSync(join(dir, 'junk.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xff]));
  let r = forge(['run', join(dir, 'junk.wasm'), '--allow-unsigned']);
  assert.equal(r.code, 126);
  writeFileSync(join(dir, 'bad-policy.json'), JSON.stringify({ version: 1, id: 'x', rules: [{ id: 'r', effect: 'maybe', actions: ['*'] }] }));
  r = forge(['run', fixture('wasi-proc'), '--allow-unsigned', '--policy', join(dir, 'bad-policy.json'), '--', 'exit', '0']);
  assert.equal(r.code, 126);
  assert.match(r.stderr, /error POLICY_INVALID: /);
  r = forge(['run', fixture('wasi-grow-bomb'), '--allow-unsigned', '--memory', '100']);
  assert.equal(r.code, 126, r.stderr);
  assert.match(r.stderr, /error MEMORY_LIMIT: /);
  r = forge(['run', fixture('wasi-proc'), '--allow-unsigned', '--memory', 'lots']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--memory takes a size such as 64MiB/);
});

test('baseline (the default) grants no files and no env; permissive grants what --dir/--env give; strict only stdio', () => {
  const dir = scratch();
  writeFileSync(join(dir, 'in.txt'), 'hello');
  // baseline: the preopen is visible, every file access is refused with ENOTCAPABLE
  let r = forge(['run', fixture('wasi-libc-files'), '--allow-unsigned', '--dir', `${dir}::/`, '--', 'fopen']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /policy baseline grants no files/);
  r = forge(['run', fixture('wasi-args-env'), '--allow-unsigned', '--env', 'A=1']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /env A=1/);
  r = forge(['run', fixture('wasi-args-env'), '--allow-unsigned', '--policy', 'permissive', '--env', 'A=1']);
  assert.match(r.stdout, /^env A=1$/m);
  // strict: args are refused, so wasi-libc stops before main (EX_OSERR, 71)
  r = forge(['run', fixture('wasi-args-env'), '--allow-unsigned', '--policy', 'strict']);
  assert.equal(r.code, 71);
  r = forge(['run', fixture('wasi-stdio'), '--allow-unsigned', '--policy', 'strict'], { input: 'x' });
  assert.match(r.stdout, /^hello$/m);
});

test('--dir: the guest\'s changes are written back; --dir HOST mounts at the path as given; --dir-ro refuses writes', () => {
  const cwd = scratch();
  mkdirSync(join(cwd, 'data'));
  writeFileSync(join(cwd, 'data/lseek.txt'), '01234567');
  writeFileSync(join(cwd, 'data/file'), 'x');
  let r = forge(['run', fixture('wasi-libc-files'), '--allow-unsigned', '--policy', 'permissive', '--dir', 'data', '--', 'stat', 'data/'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  mkdirSync(join(cwd, 'data/writeable'));
  r = forge(['run', fixture('wasi-files'), '--allow-unsigned', '--policy', 'permissive', '--dir', `${join(cwd, 'data')}::/`], { cwd });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(existsSync(join(cwd, 'data/wasi-files.cleanup')), 'a directory the guest made is on the host after the run');
  // read-only: opening for write is refused, nothing changes on the host
  const before = readdirSync(join(cwd, 'data')).sort();
  r = forge(['run', fixture('wasi-libc-files'), '--allow-unsigned', '--policy', 'permissive', '--dir-ro', `${join(cwd, 'data')}::/`, '--', 'pwrite-append'], { cwd });
  assert.notEqual(r.code, 0);
  assert.deepEqual(readdirSync(join(cwd, 'data')).sort(), before);
  r = forge(['run', fixture('wasi-libc-files'), '--allow-unsigned', '--policy', 'permissive', '--dir-ro', `${join(cwd, 'data')}::/`, '--', 'lseek'], { cwd });
  assert.equal(r.code, 0, r.stderr);
});

test('--report: status, exit code, fuel, reason and the trace summary; --trace: the DNA lines', () => {
  const out = scratch();
  const report = join(out, 'r.json');
  const trace = join(out, 't.jsonl');
  let r = runFixture('wasi-proc', { dir: false, flags: ['--report', report, '--trace', trace], args: ['exit', '7'] });
  assert.equal(r.code, 7);
  const rep = JSON.parse(readFileSync(report, 'utf8')) as Record<string, unknown> & { trace: { entries: number; summary: { outcome: { status: string } } } };
  assert.equal(rep['status'], 'exited');
  assert.equal(rep['exitCode'], 7);
  assert.equal(rep['provenance'], 'unsigned');
  assert.ok(typeof rep['fuelUsed'] === 'number' && (rep['fuelUsed'] as number) > 0);
  assert.equal(rep['reason'], 'the guest exited with code 7');
  assert.equal(rep.trace.summary.outcome.status, 'exited');
  const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: string; syscall?: string });
  assert.equal(lines[0]!.t, 'genesis');
  assert.ok(lines.some((l) => l.syscall === 'proc_exit'));
  assert.equal(lines.at(-1)!.t, 'summary');
  assert.equal(rep.trace.entries, lines.filter((l) => l.t === 'genesis' || l.t === 'call' || l.t === 'drop').length);
  // fuel used is deterministic: the same input gives the same count
  const again = join(out, 'r2.json');
  runFixture('wasi-proc', { dir: false, flags: ['--report', again], args: ['exit', '7'] });
  assert.equal((JSON.parse(readFileSync(again, 'utf8')) as { fuelUsed: number }).fuelUsed, rep['fuelUsed']);
  r = runFixture('wasi-spin', { dir: false, flags: ['--fuel', '5000', '--report', report] });
  const spun = JSON.parse(readFileSync(report, 'utf8')) as { status: string; exitCode: number; fuelUsed: number };
  assert.deepEqual([spun.status, spun.exitCode, spun.fuelUsed], ['fuel-exhausted', 124, 5000]);
});

test('a signed package runs after verification against --trust; tampering is refused (126)', () => {
  const cwd = scratch();
  const ok = (...args: string[]) => {
    const r = forge(args, { cwd });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  ok('keygen', '--out', 'k.json');
  ok('trust', 'init', '--key', 'k.json', '--out', 'root.json', '--expires', '30d');
  writeFileSync(join(cwd, 'm.json'), JSON.stringify({ name: 'acme/libc-files', version: '1.0.0' }));
  writeFileSync(join(cwd, 'lseek.txt'), '01234567');
  ok('pack', fixture('wasi-libc-files'), '--manifest', 'm.json', '--key', 'k.json', '--file', '/pkg/lseek.txt=lseek.txt', '--out', 'app.forgepkg');
  let r = forge(['run', 'app.forgepkg', '--', 'lseek', '/pkg/'], { cwd });
  assert.equal(r.code, 126);
  assert.match(r.stderr, /pass --trust ROOT\.json/);
  r = forge(['run', 'app.forgepkg', '--trust', 'root.json', '--policy', 'permissive', '--report', 'r.json', '--', 'lseek', '/pkg/'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ok\n');
  const rep = JSON.parse(readFileSync(join(cwd, 'r.json'), 'utf8')) as { provenance: string; package: { name: string } };
  assert.deepEqual([rep.provenance, rep.package.name], ['signed', 'acme/libc-files']);
  const bytes = readFileSync(join(cwd, 'app.forgepkg'));
  bytes[bytes.length - 100]! ^= 1;
  writeFileSync(join(cwd, 'bad.forgepkg'), bytes);
  r = forge(['run', 'bad.forgepkg', '--trust', 'root.json'], { cwd });
  assert.equal(r.code, 126);
  assert.match(r.stderr, /error PKG_/);
});

test('a quarantined identity is refused at launch (125) until released', () => {
  const dataDir = scratch();
  const digest = createHash('sha256').update(readFileSync(fixture('wasi-proc'))).digest('hex');
  const add = forge(['quarantine', 'add', `local/${digest}`, '--reason', 'test', '--data-dir', dataDir]);
  assert.equal(add.code, 0, add.stderr);
  const r = runFixture('wasi-proc', { dir: false, dataDir, args: ['exit', '0'] });
  assert.equal(r.code, 125);
  assert.match(r.stderr, /error QUARANTINED: container local\/[0-9a-f]{64} is quarantined/);
  assert.equal(r.stdout, '');
});

test('--policy given several times layers the documents in order; a built-in name stands alone', () => {
  const dir = scratch();
  const platform = join(dir, 'platform.json');
  const run = join(dir, 'run.json');
  writeFileSync(platform, JSON.stringify({ version: 1, id: 'p', layer: 'platform', unlisted: 'deny', rules: [{ id: 'all', effect: 'allow', actions: ['*'] }] }));
  writeFileSync(run, JSON.stringify({ version: 1, id: 'r', layer: 'run', rules: [{ id: 'quiet', effect: 'deny', actions: ['fd_write'] }] }));
  const both = runFixture('wasi-stdio', { dir: false, flags: ['--policy', platform, '--policy', run], input: 'x' });
  const one = runFixture('wasi-stdio', { dir: false, flags: ['--policy', platform], input: 'x' });
  assert.notEqual(one.stdout, '', 'the platform layer alone lets the guest write');
  assert.equal(both.stdout, '', 'the run layer narrows it: every write is denied');
  const mixed = forge(['run', fixture('wasi-proc'), '--allow-unsigned', '--policy', 'permissive', '--policy', run, '--', 'exit', '0']);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /error BAD_REQUEST: --policy permissive is a built-in policy and stands alone/);
});
