/**
 * launchContainer through its API (what the kernel, the HTTP app and the CLI build on): the
 * lifecycle and every terminal status, refusals before start, the gate's records (decisions,
 * sandbox answers, fuel), policy stops, replay of nondeterministic calls, and env grants by name.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { launchContainer, type ContainerOptions } from '../../src/execution/container.ts';
import { KernelError } from '../../src/errors.ts';
import type { Decision, GateHooks, SyscallOutcome, SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { Vfs } from '../../src/execution/wasi/vfs.ts';
import { createNodePlatform } from '../../platform/node/index.ts';
import { readFixtures } from '../fixtures/build.ts';
import wabtInit from 'wabt';
import { fixturesReady } from './forge.ts';

const ALLOW: Decision = { effect: 'allow', rules: ['t'], reason: 'test' };
let fixtures: Map<string, Uint8Array>;
before(async () => {
  await fixturesReady();
  fixtures = readFixtures();
});
const platform = createNodePlatform();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

interface Rec { req: SyscallRequest; decision: Decision; outcome: SyscallOutcome; fuel: bigint }
function recording(decide: (r: SyscallRequest) => Decision = () => ALLOW): GateHooks & { calls: Rec[] } {
  const calls: Rec[] = [];
  return { calls, decide, record: (req, decision, outcome, ctx) => calls.push({ req, decision, outcome, fuel: ctx.fuelUsed }) };
}

function run(name: string, args: string[], extra: Partial<ContainerOptions> = {}) {
  return launchContainer({ platform, module: fixtures.get(name)!, args: [`${name}.wasm`, ...args], hooks: recording(), ...extra });
}

test('exited: exit code, stdout kept, states launch → running → exited, fuel used and peak memory reported', async () => {
  const states: string[] = [];
  const hooks = recording();
  const r = await run('wasi-proc', ['exit', '9'], { hooks, onState: (s) => states.push(s) });
  assert.deepEqual([r.status, r.exitCode, text(r.stdout)], ['exited', 9, 'exiting with 9\n']);
  assert.deepEqual(states, ['launch', 'running', 'exited']);
  assert.ok(r.fuelUsed > 0n && r.peakMemoryBytes >= 65536);
  assert.equal(hooks.calls.at(-1)!.req.syscall, 'proc_exit');
  // the fuel each record carries grows, and the last is the run's total
  const fuels = hooks.calls.map((c) => c.fuel);
  assert.deepEqual(fuels, [...fuels].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  assert.ok(fuels.at(-1)! <= r.fuelUsed);
  const again = await run('wasi-proc', ['exit', '9']);
  assert.equal(again.fuelUsed, r.fuelUsed, 'the same input uses the same fuel');
});

test('trapped: a guest trap is status trapped, exit 134, KernelError WASM_TRAP', async () => {
  const r = await run('wasi-proc', ['trap']);
  assert.deepEqual([r.status, r.exitCode, r.error?.code], ['trapped', 134, 'WASM_TRAP']);
  assert.match(r.reason, /unreachable/);
});

test('refused before start: a missing entry export, an import outside WASI, a memory above the cap', async () => {
  await assert.rejects(run('wasi-proc', [], { entry: 'nope' }), (e) => e instanceof KernelError && e.code === 'WASM_EXPORT_MISSING');
  const foreign = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, 7, 1, 1, 0x78, 1, 0x79, 0, 0, 7, 10, 1, 6, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0, 0]);
  await assert.rejects(launchContainer({ platform, module: foreign, hooks: recording() }), (e) => e instanceof KernelError && e.code === 'WASM_IMPORT_REFUSED' && /"x"."y"/.test(e.message));
  await assert.rejects(run('wasi-grow-bomb', [], { limits: { memoryBytes: 1000 } }), (e) => e instanceof KernelError && e.code === 'MEMORY_LIMIT');
});

test('a policy deny returns ENOTCAPABLE to the guest and is recorded with its decision', async () => {
  const deny: Decision = { effect: 'deny', rules: ['no-random'], reason: 'random is not granted' };
  const hooks = recording((req) => (req.syscall === 'random_get' ? deny : ALLOW));
  const r = await run('wasi-proc', ['entropy'], { hooks });
  assert.equal(r.status, 'exited');
  assert.match(text(r.stdout), /FAIL line \d+: __wasi_random_get\(r, sizeof r\) -> 76, want 0/);
  const rec = hooks.calls.find((c) => c.req.syscall === 'random_get')!;
  assert.deepEqual([rec.decision, rec.outcome.errno, rec.req.bytes], [deny, 76, 8]);
});

test('calls answered by the sandbox are recorded: EFAULT as a deny under sandbox.bounds, EBADF under sandbox', async () => {
  const hooks = recording();
  const vfs = new Vfs();
  vfs.mount('/');
  const r = await run('wasi-efault', [], { hooks, fs: vfs, env: [['X', '1']] });
  assert.equal(r.status, 'exited', text(r.stdout));
  assert.match(text(r.stdout), /^ok$/m);
  const faults = hooks.calls.filter((c) => c.outcome.errno === 21);
  assert.ok(faults.length > 100);
  for (const f of faults) assert.deepEqual(f.decision.rules, ['sandbox.bounds']);
  const sock = recording();
  await run('wasi-proc', ['sock'], { hooks: sock });
  const answered = sock.calls.filter((c) => c.req.syscall.startsWith('sock_')).map((c) => [c.req.syscall, c.req.fd, c.outcome.errno, c.decision.effect, c.decision.rules[0]]);
  assert.deepEqual(answered.slice(0, 5), [
    ['sock_accept', 99, 8, 'allow', 'sandbox'], ['sock_recv', 99, 8, 'allow', 'sandbox'], ['sock_send', 99, 8, 'allow', 'sandbox'],
    ['sock_shutdown', 99, 8, 'allow', 'sandbox'], ['sock_accept', 1, 57, 'allow', 'sandbox'],
  ]);
});

test('a hook that throws QUARANTINED or POLICY_DENIED stops the run with that status; an abort signal kills it', async () => {
  let n = 0;
  const stopAt = (code: 'QUARANTINED' | 'POLICY_DENIED') => recording(() => {
    if (++n === 5) throw new KernelError(code, `stop: ${code}`);
    return ALLOW;
  });
  let r = await run('wasi-proc', ['entropy'], { hooks: stopAt('QUARANTINED') });
  assert.deepEqual([r.status, r.exitCode, r.error?.code], ['quarantined', 125, 'QUARANTINED']);
  n = 0;
  r = await run('wasi-proc', ['entropy'], { hooks: stopAt('POLICY_DENIED') });
  assert.deepEqual([r.status, r.exitCode, r.error?.code], ['denied', 125, 'POLICY_DENIED']);
  const ac = new AbortController();
  ac.abort();
  r = await run('wasi-proc', ['entropy'], { signal: ac.signal });
  assert.deepEqual([r.status, r.exitCode], ['killed', 137]);
});

test('replay: clock and random outcomes come from hooks.replay, so the run reproduces exactly', async () => {
  const first = recording();
  const a = await run('wasi-proc', ['entropy'], { hooks: first });
  const kept = new Map<string, SyscallOutcome[]>();
  for (const c of first.calls) if (c.outcome.data) kept.set(c.req.syscall, [...(kept.get(c.req.syscall) ?? []), c.outcome]);
  const replay: GateHooks = { ...recording(), replay: (req) => kept.get(req.syscall)!.shift()! };
  const b = await run('wasi-proc', ['entropy'], { hooks: replay });
  assert.equal(text(b.stdout), text(a.stdout));
  assert.match(text(a.stdout), /^time \d+ random( [0-9a-f]{2}){8}\nok\n$/);
});

test('env: each offered variable is decided by name; the guest sees only those allowed', async () => {
  const hooks = recording((req) => (req.env === 'SECRET' ? { effect: 'deny', rules: ['env'], reason: 'not granted' } : ALLOW));
  const r = await run('wasi-args-env', [], { hooks, env: [['A', '1'], ['SECRET', 's3'], ['B', '2']] });
  assert.equal(text(r.stdout), 'argv[0]=wasi-args-env.wasm\nenv A=1\nenv B=2\nok\n');
  const envRecs = hooks.calls.filter((c) => c.req.env !== undefined).map((c) => [c.req.env, c.decision.effect]);
  assert.deepEqual(envRecs, [['A', 'allow'], ['SECRET', 'deny'], ['B', 'allow']]);
});

test('stdin from bytes; stdout and stderr captured separately and passed to sinks', async () => {
  const seen: string[] = [];
  const r = await run('wasi-stdio', [], { stdin: new TextEncoder().encode('abc'), stdout: { write: (b) => seen.push(`out:${text(b)}`) }, stderr: { write: (b) => seen.push(`err:${text(b)}`) } });
  assert.equal(text(r.stdout), 'hello\nstdin: abc|\nok\n');
  assert.equal(text(r.stderr), 'hello\n');
  assert.deepEqual(seen.slice(0, 2), ['out:hello\n', 'err:hello\n']);
  assert.equal(seen.filter((x) => x.startsWith('out:')).map((x) => x.slice(4)).join(''), text(r.stdout));
});

test('a start function cannot run unmetered: it runs before fuel is granted and traps, refusing the module', async () => {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat('start.wat', '(module (func $s (loop (br 0))) (start $s) (memory (export "memory") 1) (func (export "_start")))');
  const bytes = parsed.toBinary({}).buffer;
  parsed.destroy();
  await assert.rejects(launchContainer({ platform, module: bytes, hooks: recording() }), (e) => e instanceof KernelError && e.code === 'WASM_INSTANTIATE_FAILED');
});
