/**
 * replayGuest (src/core/replay.ts): a real guest run through runGuest is replayed from its stored
 * trace — identically, or stopped at the first divergent entry, named; a trace that does not
 * verify, and a guest that is not the one recorded, are refused before anything runs.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createNodePlatform } from '../../platform/node/index.ts';
import { replayGuest, openRecordedTrace } from '../../src/core/replay.ts';
import { runGuest, type RunRequest } from '../../src/core/run.ts';
import { verifyTrustRoot } from '../../src/packages/root-signing.ts';
import { keyPairFromSecret } from '../../src/crypto/keys.ts';
import { nobleCrypto } from '../../src/packages/index.ts';
import { isKernelError } from '../../src/errors.ts';
import { createKernel, type Kernel } from '../../src/kernel.ts';
import { parseTrustRoot, type TrustRoot } from '../../src/packages/trust-root.ts';
import { fixture, signer } from '../http/helpers.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const enc = (s: string) => new TextEncoder().encode(s);

let kernel: Kernel;
let hello: Uint8Array;
let root: TrustRoot;
let pkg: Uint8Array;
before(async () => {
  kernel = createKernel({ platform: createNodePlatform(), config: { limits: { memoryBytes: 1024 * 1024 } } });
  hello = await fixture('http-hello');
  const s = await signer();
  root = await verifyTrustRoot(parseTrustRoot(s.root), { crypto: nobleCrypto, now: Date.now() });
  pkg = await s.sign(hello, 'test/replay-hello');
});

/** Runs through the one run path and returns the stored trace and the run. */
async function recorded(req: Partial<RunRequest> = {}) {
  const run = await runGuest(kernel, {
    bytes: hello, allowUnsigned: true, args: ['one', 'two'], env: [['WHO', 'world']], stdin: enc('shout\n'), keepOutput: true, ...req,
  });
  const lines = await kernel.platform.stores.traces.read(run.trace!.runId);
  return { run, lines, trace: `${lines.join('\n')}\n` };
}

/** What the recorded run was given that its trace does not hold. */
const same = () => ({ bytes: hello, allowUnsigned: true, args: ['one', 'two'], env: [['WHO', 'world']] as [string, string][], keepOutput: true });

test('a replay of a real run is identical: same calls, same results, same end — and the same output, though stdin is not given', async () => {
  const { run, trace } = await recorded();
  const r = await replayGuest(kernel, { ...same(), trace, publicKey: keyPairFromSecret(kernel.signingKey).publicKey });
  assert.equal(r.verdict, 'identical', r.message);
  assert.equal(r.runId, run.trace!.runId);
  assert.equal(r.calls, run.trace!.summary.summary.count - 1);
  assert.match(r.message, /^replayed \d+ calls identically; same outcome \(exited\)$/);
  assert.deepEqual([r.trace.status, r.trace.keyPinned], ['ok', true]);
  assert.deepEqual([r.result.status, r.exitCode, r.result.fuelUsed], ['exited', 3, run.result.fuelUsed]);
  assert.equal(text(r.result.stdout), text(run.result.stdout));
  assert.equal(text(r.result.stdout), 'hello one two\nWHO=(unset)\nSHOUT\n');
  assert.deepEqual(r.recorded, { status: 'exited', exitCode: 3 });
  assert.deepEqual(r.pkg, run.pkg);
  assert.deepEqual(r.limits, run.limits);
  assert.equal(r.divergence, undefined);
  assert.equal(r.error, undefined);
});

test('a guest that behaves differently is stopped at the first divergent entry, named with its syscall, recorded and actual', async () => {
  const { lines, trace } = await recorded();
  const who = lines.map((l) => JSON.parse(l) as Record<string, any>).find((e) => e.t === 'call' && e.syscall === 'environ_get' && e.args.env === 'WHO');
  assert.ok(who, 'the trace records the WHO decision');
  // not offered WHO this time: the guest's call at that entry is another one
  const r = await replayGuest(kernel, { ...same(), env: [], trace });
  assert.equal(r.verdict, 'diverged');
  assert.deepEqual(r.divergence, {
    code: 'REPLAY_DIVERGED', entry: who.seq, field: 'syscall', syscall: 'environ_get', recorded: 'environ_get', actual: 'environ_sizes_get',
    message: r.error!.message,
  });
  assert.match(r.message, new RegExp(`^replay diverged at entry ${who.seq}: recorded environ_get\\(WHO\\), but the guest called environ_sizes_get\\(\\)`));
  assert.ok(isKernelError(r.error, 'REPLAY_DIVERGED'));
  assert.equal(r.calls, who.seq - 1);
  // a divergence stops the replayed guest there, with the exit status of REPLAY_DIVERGED
  assert.deepEqual([r.result.status, r.exitCode, text(r.result.stdout)], ['killed', 65, 'hello one two\n']);

  // a longer argument costs more fuel before the next call
  const longer = await replayGuest(kernel, { ...same(), args: ['one', 'three'], trace });
  assert.deepEqual([longer.verdict, longer.divergence?.field, longer.divergence?.entry], ['diverged', 'fuel used', 3]);
  assert.match(longer.divergence!.recorded!, /^\d+$/);
});

test('a trace that does not verify is refused before the guest runs, with the first bad entry named', async () => {
  const { lines } = await recorded();
  const forged = lines.map((l, i) => (i === 3 ? l.replace(/"fuel":"(\d+)"/, (_m, n: string) => `"fuel":"${BigInt(n) + 1n}"`) : l));
  assert.notDeepEqual(forged, lines);
  await assert.rejects(replayGuest(kernel, { ...same(), trace: `${forged.join('\n')}\n` }), (e: unknown) => isKernelError(e, 'TRACE_TAMPERED') && e.details['entry'] === 3 && /^entry 3 \(line 4\): /.test(e.message));
  await assert.rejects(replayGuest(kernel, { ...same(), trace: 'not a trace\n' }), (e: unknown) => isKernelError(e, 'TRACE_INVALID') || isKernelError(e, 'TRACE_TAMPERED'));
  const other = keyPairFromSecret(new Uint8Array(32).fill(9)).publicKey;
  await assert.rejects(replayGuest(kernel, { ...same(), trace: `${lines.join('\n')}\n`, publicKey: other }), (e: unknown) => isKernelError(e, 'TRACE_TAMPERED') && /not by the key given/.test(e.message));
});

test('a trace cut short replays as far as it goes: no summary, so the end is not compared', async () => {
  const { lines } = await recorded();
  const cut = await openRecordedTrace(kernel, `${lines.slice(0, -1).join('\n')}\n`);
  assert.equal(cut.report.status, 'truncated');
  const r = await replayGuest(kernel, { ...same(), trace: cut });
  assert.equal(r.verdict, 'identical', r.message);
  assert.match(r.message, /the trace has no summary, so the outcome was not compared/);
  assert.equal(r.recorded, undefined);
});

test('only the guest the trace recorded replays, verified as a run verifies it', async () => {
  const { trace } = await recorded();
  const other = await fixture('wasi-args-env');
  let mounted = false;
  await assert.rejects(replayGuest(kernel, { ...same(), bytes: other, trace, source: 'other.wasm', fs: () => { mounted = true; throw new Error('not reached'); } }), (e: unknown) => isKernelError(e, 'PKG_DIGEST_MISMATCH') && /^other\.wasm \(sha256 [0-9a-f]{64}\) is not the package the trace recorded/.test(e.message));
  assert.equal(mounted, false, 'the host\'s directories are not read for a replay that will not run');
  await assert.rejects(replayGuest(kernel, { ...same(), allowUnsigned: false, trace }), (e: unknown) => isKernelError(e, 'PKG_UNSIGNED'));

  const signed = await recorded({ bytes: pkg, allowUnsigned: false, trustRoots: [root], name: 'main' });
  assert.equal(signed.run.subject.signed, true);
  const r = await replayGuest(kernel, { ...same(), bytes: pkg, allowUnsigned: false, trustRoots: [root], name: 'main', trace: signed.trace });
  assert.equal(r.verdict, 'identical', r.message);
  assert.equal(r.pkg.name, 'test/replay-hello');
  await assert.rejects(replayGuest(kernel, { ...same(), bytes: pkg, trace: signed.trace }), (e: unknown) => isKernelError(e, 'PKG_UNSIGNED'), 'a package needs a trust root');
  // the bare module inside the package is not the package the trace names
  await assert.rejects(replayGuest(kernel, { ...same(), trace: signed.trace }), (e: unknown) => isKernelError(e, 'PKG_DIGEST_MISMATCH'));
});
