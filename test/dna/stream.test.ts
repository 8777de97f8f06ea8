/**
 * Streaming a trace to a file (`forge run --trace`): a million calls from a run that never yields
 * go through the synchronous file sink in bounded memory — live heap and array buffers measured
 * after forced collections — and the file verifies; a crash leaves it cut at a checkpoint; a
 * failing write is visible, retried in order, and leaves no torn line; the file is created anew.
 */
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isKernelError } from '../../src/errors.ts';
import type { Decision, SyscallOutcome, SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { verifyTrace } from '../../src/dna/index.ts';
import { nodeEd25519Signer } from '../../platform/node/crypto.ts';
import { traceFileSink } from '../../platform/node/trace-file-sink.ts';
import { crypto, KERNEL, newRecorder, syntheticStream } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const dir = mkdtempSync(join(tmpdir(), 'forge-stream-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const ALLOW: Decision = { effect: 'allow', rules: ['base.stdio'], reason: 'stdout is granted' };
const MIX: [SyscallRequest, Decision, SyscallOutcome][] = [
  [{ syscall: 'fd_write', group: 'stdio', fd: 1, bytes: 12 }, ALLOW, { errno: 0, size: 12 }],
  [{ syscall: 'clock_time_get', group: 'clock' }, { effect: 'allow', rules: ['base.clock'], reason: 'clocks are granted' }, { errno: 0, size: 8, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }],
  [{ syscall: 'path_open', group: 'fs.read', fd: 3, path: '/data/input.txt', access: 'read' }, { effect: 'allow', rules: ['app.data'], reason: 'the data directory is granted' }, { errno: 0 }],
];

function liveMemory(): { heap: number; buffers: number } {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

test('10^6 calls stream through the file sink with bounded memory, and the file verifies', { timeout: 600_000 }, async () => {
  const path = join(dir, 'million.jsonl');
  const N = 1_000_000;
  const r = newRecorder({ checkpointInterval: 1024, sink: traceFileSink(path), signSync: nodeEd25519Signer() });
  const base = liveMemory();
  let heap = 0;
  let buffers = 0;
  // One synchronous loop, as a guest that never yields: nothing but the sink can make room.
  for (let i = 0; i < N; i++) {
    const [q, d, o] = MIX[i % 3]!;
    r.record(q, d, o, { fuelUsed: BigInt(i) * 37n, trust: 100 });
    if (i % 100_000 === 99_999) {
      const m = liveMemory();
      heap = Math.max(heap, m.heap - base.heap);
      buffers = Math.max(buffers, m.buffers - base.buffers);
    }
  }
  await r.finish({ status: 'exited', exitCode: 0 });
  // Held unbounded, the entries would take ~100 MB as canonical bytes, ~300 MB as lines.
  assert.ok(heap < 32 * 2 ** 20, `live heap grew by ${(heap / 2 ** 20).toFixed(1)} MiB while recording`);
  assert.ok(buffers < 16 * 2 ** 20, `array buffers grew by ${(buffers / 2 ** 20).toFixed(1)} MiB while recording`);
  assert.deepEqual(r.lines(), [], 'nothing is retained once the sink has it');

  const report = await verifyTrace(createReadStream(path, 'utf8'), { crypto, publicKey: KERNEL.publicKey });
  assert.equal(report.status, 'ok', report.message);
  assert.equal(report.entries, N + 1);
  assert.equal(report.checkpoints, Math.ceil((N + 1) / 1024));
  assert.equal(report.summary?.count, N + 1);
  assert.equal(report.summary?.dropped, 0, 'no call was dropped');
});

test('a crash between checkpoints leaves the file cut cleanly at the last one', async () => {
  const path = join(dir, 'crash.jsonl');
  const r = newRecorder({ checkpointInterval: 5, sink: traceFileSink(path) });
  const calls = syntheticStream();
  calls.forEach(([q, d, o], i) => r.record(q, d, o, { fuelUsed: BigInt(i), trust: 100 }));
  // No flush, no finish: the process dies here, with entries 10 and 11 only in memory.
  const report = await verifyTrace(readFileSync(path, 'utf8'), { crypto, publicKey: KERNEL.publicKey });
  assert.equal(report.status, 'truncated');
  assert.equal(report.verified, 10);
  assert.equal(report.entries, 10);
  assert.match(report.message, /clean cut at a checkpoint/);
});

test('a failing write is visible and retried in order at the next flush point; the file is created anew', async () => {
  const sub = join(dir, 'later');
  const path = join(sub, 'trace.jsonl');
  const r = newRecorder({ checkpointInterval: 4, sink: traceFileSink(path) });
  const calls = syntheticStream();
  calls.slice(0, 5).forEach(([q, d, o], i) => r.record(q, d, o, { fuelUsed: BigInt(i), trust: 100 }));
  assert.ok(isKernelError(r.failure, 'STORE_UNAVAILABLE'), 'the gate sees the failure at once');
  assert.match(r.failure!.message, /trace file .*later/);
  await assert.rejects(r.flush(), (e: unknown) => isKernelError(e, 'STORE_UNAVAILABLE'), 'a flush that cannot write says so');
  mkdirSync(sub);
  writeFileSync(path, 'left over from another run\n');
  await r.flush();
  assert.ok(r.failure, 'the first failure stays visible: the gate failed closed on it');
  calls.slice(5).forEach(([q, d, o], i) => r.record(q, d, o, { fuelUsed: BigInt(10 + i), trust: 100 }));
  await r.finish({ status: 'exited', exitCode: 0 });
  const text = readFileSync(path, 'utf8');
  assert.ok(!text.includes('left over'), 'the first write that succeeds creates the file anew');
  const report = await verifyTrace(text, { crypto, publicKey: KERNEL.publicKey });
  assert.equal(report.status, 'ok', report.message);
  assert.equal(report.entries, 12, 'every entry, in order, after the retry');
});

test('the file sink refuses lines out of order and lines of another run', () => {
  const path = join(dir, 'order.jsonl');
  const sink = traceFileSink(path);
  sink('run-a', 0, ['{"a":1}', '{"a":2}']);
  assert.throws(() => sink('run-a', 3, ['{"a":4}']), (e: unknown) => isKernelError(e, 'TRACE_INVALID') && /follow on from line 2/.test((e as Error).message));
  assert.throws(() => sink('run-b', 2, ['{"b":1}']), (e: unknown) => isKernelError(e, 'TRACE_INVALID'));
  sink('run-a', 2, ['{"a":3}']);
  assert.equal(readFileSync(path, 'utf8'), '{"a":1}\n{"a":2}\n{"a":3}\n');
  assert.ok(existsSync(path));
});
