/**
 * The recorder: what an entry keeps and what it never keeps, write-behind persistence through a
 * TraceStore, a crash between checkpoints, a failing sink, a full buffer (drop records, never a
 * silent gap), and misuse.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKernelError, KernelError } from '../../src/errors.ts';
import { memoryTraceStore } from '../../src/stores/memory.ts';
import { verifyTrace, explainTrace } from '../../src/dna/index.ts';
import { parseLine } from '../../src/dna/codec/parse.ts';
import { crypto, joinLines, newRecorder, recordRun, splitLines, syntheticStream } from './helpers.ts';

const calls = syntheticStream();
const facts = (i: number) => ({ fuelUsed: BigInt(i * 10), trust: 90 });

test('entries keep names and nondeterministic data, never environment values', async () => {
  const { text } = await recordRun();
  assert.ok(!text.includes('/home') && !text.includes(Buffer.from('HOME=/home').toString('base64')), 'an env value leaked');
  const entries = splitLines(text).map(parseLine);
  const env = entries.find((p) => p.t === 'call' && p.entry.syscall === 'environ_get');
  assert.ok(env?.t === 'call');
  assert.equal(env.entry.args.env, 'HOME');
  assert.equal(env.entry.result.dataNote, 'withheld');
  assert.equal(env.entry.result.dataLen, 10);
  assert.equal(env.entry.result.dataDigest, undefined, 'not even a digest of an env value');
  const stdin = entries.find((p) => p.t === 'call' && p.entry.syscall === 'fd_read' && p.entry.args.fd === 0);
  assert.ok(stdin?.t === 'call');
  assert.equal(new TextDecoder().decode(stdin.entry.result.data), 'hello\n');
  const g = entries[0];
  assert.ok(g?.t === 'genesis');
  assert.equal(g.entry.kernelId, 'test-kernel');
  assert.equal(g.entry.nonce.length, 16);
});

test('redacted paths and env names are stored as salted digests; denied access to them is a secret probe', async () => {
  const probe = [
    [{ syscall: 'path_open', group: 'fs.read', path: '/secrets/db-password', access: 'read' }, { effect: 'deny', rules: ['app.no-secrets'], reason: 'secrets are off limits' }, { errno: 2 }],
    [{ syscall: 'environ_get', group: 'env', env: 'AWS_SECRET_ACCESS_KEY' }, { effect: 'allow', rules: ['app.env'], reason: 'ok' }, { errno: 0, size: 30, data: new Uint8Array(30) }],
    [{ syscall: 'fd_read', group: 'fs.read', fd: 5, path: '/secrets/token', bytes: 16 }, { effect: 'allow', rules: ['app.token'], reason: 'ok' }, { errno: 0, size: 5, data: new TextEncoder().encode('s3cr3') }],
  ] as const;
  const { text, recorder } = await recordRun(probe, { redact: { paths: ['/secrets/**'], env: ['AWS_*'] } });
  for (const secret of ['db-password', 'AWS_SECRET_ACCESS_KEY', '/secrets/token', Buffer.from('s3cr3').toString('base64')]) {
    assert.ok(!text.includes(secret), `${secret} is in the trace`);
  }
  const entries = splitLines(text).map(parseLine).filter((p) => p.t === 'call');
  assert.ok(entries[0]?.t === 'call' && entries[0].entry.args.pathDigest?.length === 32);
  assert.ok(entries[2]?.t === 'call' && entries[2].entry.result.dataNote === 'redacted' && entries[2].entry.result.dataDigest);
  assert.ok(recorder.summary!.summary.riskFlags.includes('secret-probe'));
  assert.equal((await verifyTrace(text, { crypto })).status, 'ok');
});

test('data over the per-entry or per-run cap is digested, and says so', async () => {
  const big = [
    [{ syscall: 'random_get', group: 'random', bytes: 32 }, { effect: 'allow', rules: ['r'], reason: 'ok' }, { errno: 0, size: 32, data: new Uint8Array(32).fill(1) }],
    [{ syscall: 'random_get', group: 'random', bytes: 8 }, { effect: 'allow', rules: ['r'], reason: 'ok' }, { errno: 0, size: 8, data: new Uint8Array(8).fill(2) }],
    [{ syscall: 'random_get', group: 'random', bytes: 8 }, { effect: 'allow', rules: ['r'], reason: 'ok' }, { errno: 0, size: 8, data: new Uint8Array(8).fill(3) }],
  ] as const;
  const { text } = await recordRun(big, { redact: { maxEntryData: 16, maxRunData: 12 } });
  const results = splitLines(text).map(parseLine).flatMap((p) => (p.t === 'call' ? [p.entry.result] : []));
  assert.equal(results[0]!.dataNote, 'cap');
  assert.equal(results[0]!.dataLen, 32);
  assert.deepEqual(results[1]!.data, new Uint8Array(8).fill(2));
  assert.equal(results[2]!.dataNote, 'cap', 'the run budget (12 bytes) is spent after 8');
  assert.equal((await verifyTrace(text, { crypto })).status, 'ok');
});

test('write-behind: a TraceStore receives every line in order, checkpoints included, without an explicit flush', async () => {
  const store = memoryTraceStore();
  const r = newRecorder({ sink: (id, from, lines) => store.append(id, from, lines), retainLines: true });
  for (let i = 0; i < 9; i++) calls.slice(0, 9).forEach(([q, d, o]) => r.record(q, d, o, facts(i)));
  // Checkpoints are signed and flushed in the background once the guest yields.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const early = await store.read(r.runId);
  assert.ok(early.length > 0 && early.some((l) => l.startsWith('{"t":"checkpoint"')), 'nothing was persisted at the checkpoints');
  await r.finish({ status: 'exited', exitCode: 0 });
  const stored = await store.read(r.runId);
  assert.deepEqual(stored, r.lines());
  const report = await verifyTrace(joinLines(stored), { crypto });
  assert.equal(report.status, 'ok', report.message);
  assert.equal(report.entries, r.count);
});

test('a crash after a flush loses only the tail, and the verifier says exactly which entries are proven', async () => {
  const store = memoryTraceStore();
  const r = newRecorder({ sink: (id, from, lines) => store.append(id, from, lines), checkpointInterval: 1000 });
  calls.forEach(([q, d, o], i) => r.record(q, d, o, facts(i)));
  await r.checkpoint();
  calls.slice(0, 5).forEach(([q, d, o], i) => r.record(q, d, o, facts(20 + i)));
  await r.flush();
  calls.slice(0, 3).forEach(([q, d, o], i) => r.record(q, d, o, facts(30 + i)));
  // The process dies here: the last three calls never reach the store.
  const report = await verifyTrace(joinLines(await store.read(r.runId)), { crypto });
  assert.equal(report.status, 'truncated');
  assert.equal(report.verified, 12);
  assert.equal(report.entries, 17);
  assert.match(report.message, /entries 0\.\.11 are proven by 1 signed checkpoint/);
  assert.match(report.message, /entries 12\.\.16 follow the last checkpoint, chained but not signed/);
});

test('a failing sink is visible, and calls past the buffer become a drop record — never a silent gap', async () => {
  const store = memoryTraceStore();
  let down = false;
  const r = newRecorder({
    checkpointInterval: 1000, maxBuffered: 20,
    sink: async (id, from, lines) => { if (down) throw new Error('disk full'); await store.append(id, from, lines); },
  });
  calls.forEach(([q, d, o], i) => r.record(q, d, o, facts(i)));
  await r.flush();
  down = true;
  calls.forEach(([q, d, o], i) => r.record(q, d, o, facts(20 + i)));
  await assert.rejects(r.flush(), (e: unknown) => isKernelError(e, 'STORE_UNAVAILABLE') && /disk full/.test((e as KernelError).message));
  assert.ok(isKernelError(r.failure, 'STORE_UNAVAILABLE'), 'the failure is exposed for the gate');
  // 12 entries were persisted and 11 wait unpersisted (at most 20 may): the next 9 fit, the rest are dropped.
  for (let i = 0; i < 3; i++) calls.forEach(([q, d, o], j) => r.record(q, d, o, facts(40 + i * 20 + j)));
  assert.equal(r.count, 32);
  assert.equal(r.dropped, 24);
  down = false;
  await r.finish({ status: 'exited', exitCode: 0 });
  const stored = await store.read(r.runId);
  assert.deepEqual(r.lines(), [], 'what the store accepted is released');
  assert.equal(stored.length, r.count + 2, 'every entry, the final checkpoint and the summary were stored once it came back');
  const drop = stored.map(parseLine).find((p) => p.t === 'drop');
  assert.ok(drop?.t === 'drop');
  assert.equal(drop.entry.count, 24);
  assert.equal(drop.entry.reason, 'sink-failed');
  assert.equal(drop.entry.denied, 2);
  assert.deepEqual(drop.entry.flags, ['path-escape-attempt', 'secret-probe', 'denied']);
  const report = await verifyTrace(joinLines(stored), { crypto });
  assert.equal(report.status, 'ok', report.message);
  assert.ok(report.summary!.riskFlags.includes('entries-dropped'));
  assert.equal(report.summary!.dropped, 24);
  assert.match(explainTrace(joinLines(stored)).text, /\+24 dropped/);
});

test('without a sink the buffer is bounded too: overflow is one drop record at the end', async () => {
  const r = newRecorder({ maxBuffered: 6 });
  calls.forEach(([q, d, o], i) => r.record(q, d, o, facts(i)));
  await r.finish({ status: 'exited', exitCode: 0 });
  const report = await verifyTrace(joinLines(r.lines()), { crypto });
  assert.equal(report.status, 'ok');
  assert.equal(report.entries, 7);
  assert.equal(report.summary!.dropped, 6);
});

test('the summary binds the outcome, a memory snapshot digest and the score', async () => {
  const memory = new Uint8Array(65536).fill(0xaa);
  const { recorder } = await recordRun(undefined, {}, { status: 'trapped', code: 'WASM_TRAP', message: 'unreachable', memory });
  const s = recorder.summary!.summary;
  assert.equal(s.outcome.status, 'trapped');
  assert.equal(s.outcome.memory?.bytes, 65536);
  assert.equal(s.outcome.memory?.sha256, Buffer.from(crypto.sha256(memory)).toString('hex'));
  assert.ok(s.riskFlags.includes('trapped'));
  assert.equal(s.integrityScore, 100 - 2 - 20 - 20 - 10);
});

test('values a JSON line cannot carry unchanged are normalised, and the trace still verifies', async () => {
  const r = newRecorder();
  r.record({ syscall: 'path_open', group: 'fs.read', path: '/data/\uD800x' }, { effect: 'allow', rules: ['r'], reason: 'r\uDC00' }, { errno: 44 }, { fuelUsed: 1n, trust: -0 });
  r.record({ syscall: 'sched_yield', group: 'proc' }, { effect: 'allow', rules: [], reason: 'ok' }, { errno: 0 }, { fuelUsed: 2n ** 60n, trust: Number.NaN });
  await r.finish({ status: 'exited', exitCode: 0 });
  const text = joinLines(r.lines());
  assert.ok(text.includes('/data/\uFFFDx'));
  assert.equal((await verifyTrace(text, { crypto })).status, 'ok');
});

test('misuse fails loudly: unknown syscalls, negative counts, recording after finish, finishing twice', async () => {
  const r = newRecorder();
  assert.throws(() => r.record({ syscall: 'nope' as never, group: 'proc' }, { effect: 'allow', rules: [], reason: '' }, { errno: 0 }, facts(1)), (e: unknown) => isKernelError(e, 'INTERNAL'));
  assert.throws(() => r.record({ syscall: 'fd_write', group: 'stdio', fd: -1 }, { effect: 'allow', rules: [], reason: '' }, { errno: 0 }, facts(1)), /fd must be a non-negative integer/);
  await r.finish({ status: 'exited' });
  assert.throws(() => r.record(...calls[0]!, facts(2)), (e: unknown) => isKernelError(e, 'TRACE_INVALID'));
  await assert.rejects(r.finish({ status: 'exited' }), (e: unknown) => isKernelError(e, 'TRACE_INVALID'));
  assert.throws(() => newRecorder({ signingKey: new Uint8Array(31) }), (e: unknown) => isKernelError(e, 'KEY_INVALID'));
  assert.throws(() => newRecorder({ redact: { paths: ['secrets/**'] } }), (e: unknown) => isKernelError(e, 'POLICY_INVALID'));
  assert.throws(() => newRecorder({ genesis: { kernelId: 'k', configDigest: 'xyz', policyDigest: '', identity: 'i', limits: {}, package: { digest: '' } } }), /configDigest must be 64 lowercase hex digits/);
});
