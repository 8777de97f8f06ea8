/**
 * Replay from a trace, driven by a tiny deterministic "guest" written against the gate hooks the
 * sandbox uses: nondeterministic results (clock, random, stdin, file reads) come from the hooks,
 * so a replay reproduces the run exactly — and a guest made to diverge is stopped at the first
 * divergent entry, named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKernelError, type KernelError } from '../../src/errors.ts';
import type { Decision, GateHooks, SyscallOutcome, SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { createReplayChecker, replayFeed, NONDETERMINISTIC_SYSCALLS } from '../../src/dna/index.ts';
import { joinLines, newRecorder, recordRun, syntheticStream } from './helpers.ts';

/**
 * A guest program: reads the clock, draws random bytes, reads stdin and a file, and decides what
 * to write from what it read. `variant` makes it behave differently (the divergence case).
 */
function guest(gate: GateHooks, host: (r: SyscallRequest) => SyscallOutcome, variant = 0): { stdout: string; exitCode: number } {
  let fuel = 0n;
  const call = (req: SyscallRequest): SyscallOutcome => {
    fuel += 500n;
    const decision: Decision = gate.decide(req);
    let out: SyscallOutcome;
    if (decision.effect === 'deny') out = { errno: 76 };
    else out = gate.replay && NONDETERMINISTIC_SYSCALLS.has(req.syscall) ? gate.replay(req) : host(req);
    gate.record(req, decision, out, { fuelUsed: fuel });
    return out;
  };
  const clock = call({ syscall: 'clock_time_get', group: 'clock' }).data!;
  const rnd = call({ syscall: 'random_get', group: 'random', bytes: 4 }).data!;
  const input = new TextDecoder().decode(call({ syscall: 'fd_read', group: 'stdio', fd: 0, bytes: 64 }).data);
  call({ syscall: 'path_open', group: 'fs.read', fd: 3, path: '/data/in.txt', access: 'read' });
  const file = new TextDecoder().decode(call({ syscall: 'fd_read', group: 'fs.read', fd: 4, bytes: 64 }).data);
  call({ syscall: 'path_open', group: 'fs.read', fd: 3, path: variant === 2 ? '/etc/passwd' : '/etc/shadow', access: 'read' });
  const line = `${input.trim()} ${file.trim()} ${clock[0]! + rnd[0]!}\n`;
  if (variant !== 1 || rnd[0]! % 2 === 0) call({ syscall: 'fd_write', group: 'stdio', fd: 1, bytes: line.length });
  else call({ syscall: 'fd_write', group: 'stdio', fd: 2, bytes: line.length });
  return { stdout: line, exitCode: clock[0]! % 2 };
}

/** A live host: its clock, randomness and stdin change from run to run. */
function liveHost(seed: number) {
  return (r: SyscallRequest): SyscallOutcome => {
    switch (r.syscall) {
      case 'clock_time_get': return { errno: 0, size: 8, data: new Uint8Array(8).fill(seed) };
      case 'random_get': return { errno: 0, size: 4, data: Uint8Array.of(seed * 3 + 1, 2, 3, 4) };
      case 'fd_read': return r.fd === 0 ? { errno: 0, size: 6, data: new TextEncoder().encode(`in-${seed}\n`) } : { errno: 0, size: 5, data: new TextEncoder().encode(`f${seed}\n`) };
      case 'fd_write': return { errno: 0, size: r.bytes! };
      default: return { errno: 0 };
    }
  };
}

const policy = (r: SyscallRequest): Decision => (r.path?.startsWith('/etc/') ? { effect: 'deny', rules: ['app.no-etc'], reason: '/etc is not granted' } : { effect: 'allow', rules: ['app.all'], reason: 'granted' });

async function recordGuest(seed: number) {
  const rec = newRecorder();
  const gate: GateHooks = { decide: policy, record: (q, d, o, c) => rec.record(q, d, o, { fuelUsed: c.fuelUsed, trust: 100 }) };
  const result = guest(gate, liveHost(seed));
  await rec.finish({ status: 'exited', exitCode: result.exitCode });
  return { text: joinLines(rec.lines()), result };
}

const noHost = (r: SyscallRequest): SyscallOutcome => (r.syscall === 'fd_write' ? { errno: 0, size: r.bytes! } : { errno: 0 });

test('a replay with the checker reproduces the run exactly: same calls, same results, same output', async () => {
  const { text, result } = await recordGuest(7);
  const checker = createReplayChecker(text);
  // A different live host: if anything nondeterministic leaked through, the output would differ.
  const replayed = guest(checker, noHost);
  assert.equal(replayed.stdout, result.stdout);
  const report = checker.finish({ status: 'exited', exitCode: replayed.exitCode });
  assert.equal(report.calls, 7);
  assert.match(report.message, /replayed 7 calls identically; same outcome/);
});

test('a replay feed alone (live policy) serves clock, random, stdin and file reads in order', async () => {
  const { text, result } = await recordGuest(3);
  const feed = replayFeed(text);
  const gate: GateHooks = { decide: policy, record: () => undefined, replay: feed };
  assert.equal(guest(gate, noHost).stdout, result.stdout);
});

test('a guest made to diverge is stopped at the first divergent entry, named', async () => {
  const { text } = await recordGuest(4); // rnd[0] = 13: odd, so variant 1 writes to stderr instead
  const checker = createReplayChecker(text);
  let err: KernelError | undefined;
  try {
    guest(checker, noHost, 1);
  } catch (e) {
    err = e as KernelError;
  }
  assert.ok(isKernelError(err, 'REPLAY_DIVERGED'), String(err));
  assert.equal(err.details['entry'], 7);
  assert.equal(err.details['field'], 'fd');
  assert.match(err.message, /entry 7: recorded fd_write\(fd 1\), but the guest called fd_write\(fd 2\)/);
  assert.equal(checker.divergence, err);
  assert.throws(() => checker.finish({ status: 'exited', exitCode: 0 }), (e: unknown) => e === err);

  const other = createReplayChecker(text);
  assert.throws(() => guest(other, noHost, 2), (e: unknown) => isKernelError(e, 'REPLAY_DIVERGED') && e.details['entry'] === 6 && e.details['field'] === 'path');
});

test('a guest that stops early, goes on too long, or ends differently diverges', async () => {
  const { text } = await recordGuest(2);
  const early = createReplayChecker(text);
  early.decide({ syscall: 'clock_time_get', group: 'clock' });
  early.record({ syscall: 'clock_time_get', group: 'clock' }, early.decide({ syscall: 'clock_time_get', group: 'clock' }), early.replay({ syscall: 'clock_time_get', group: 'clock' }), { fuelUsed: 500n });
  assert.throws(() => early.finish({ status: 'exited', exitCode: 0 }), (e: unknown) => isKernelError(e, 'REPLAY_DIVERGED') && e.details['entry'] === 2);

  const ending = createReplayChecker(text);
  const r = guest(ending, noHost);
  assert.throws(() => ending.finish({ status: 'trapped' }), (e: unknown) => isKernelError(e, 'REPLAY_DIVERGED') && e.details['field'] === 'outcome');
  assert.equal(r.exitCode, 0);

  const longer = createReplayChecker(text);
  guest(longer, noHost);
  assert.throws(() => longer.decide({ syscall: 'sched_yield', group: 'proc' }), (e: unknown) => isKernelError(e, 'REPLAY_DIVERGED') && e.details['entry'] === 8);
});

test('different results for a deterministic call, or a different fuel count, diverge', async () => {
  const { text } = await recordGuest(5);
  const checker = createReplayChecker(text);
  const failingWrites = (r: SyscallRequest): SyscallOutcome => (r.syscall === 'fd_write' ? { errno: 8 } : { errno: 0 });
  assert.throws(() => guest(checker, failingWrites), (e: unknown) => isKernelError(e, 'REPLAY_DIVERGED') && e.details['field'] === 'errno' && e.details['entry'] === 7);
  const fuel = createReplayChecker(text);
  const q: SyscallRequest = { syscall: 'clock_time_get', group: 'clock' };
  assert.throws(() => fuel.record(q, fuel.decide(q), fuel.replay(q), { fuelUsed: 1n }), (e: unknown) => isKernelError(e, 'REPLAY_DIVERGED') && e.details['field'] === 'fuel used');
});

test('data the trace did not keep, and drop records, make the replay incomplete, not wrong', async () => {
  const { text } = await recordRun(syntheticStream(), { redact: { maxEntryData: 4 } });
  const checker = createReplayChecker(text);
  const [args, env, clock] = syntheticStream();
  for (const [q, , o] of [args!, env!]) checker.record(q, checker.decide(q), o, { fuelUsed: BigInt((checker.position) * 1000) });
  assert.throws(() => checker.replay(clock![0]), (e: unknown) => isKernelError(e, 'REPLAY_INCOMPLETE') && e.details['entry'] === 3);

  const rec = newRecorder({ maxBuffered: 2 });
  for (const [q, d, o] of syntheticStream()) rec.record(q, d, o, { fuelUsed: 1n, trust: 100 });
  await rec.finish({ status: 'exited' });
  const dropped = createReplayChecker(joinLines(rec.lines()));
  const first = syntheticStream()[0]![0];
  dropped.record(first, dropped.decide(first), { errno: 0, size: 2 }, { fuelUsed: 1n });
  assert.throws(() => dropped.decide(first), (e: unknown) => isKernelError(e, 'REPLAY_INCOMPLETE'));
});

test('a tampered trace cannot be replayed', async () => {
  const { text } = await recordGuest(1);
  assert.throws(() => createReplayChecker(text.replace('"data":"66310a"', '"data":"66320a"')), (e: unknown) => isKernelError(e, 'TRACE_TAMPERED'));
  assert.throws(() => replayFeed('not a trace\n'), (e: unknown) => isKernelError(e, 'TRACE_INVALID') || isKernelError(e, 'TRACE_TAMPERED'));
});
