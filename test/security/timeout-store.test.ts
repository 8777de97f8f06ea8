/**
 * A guest stopped by its wall-clock limit while it hammers host calls must leave the kernel's
 * stores as consistent as any other end: its trace complete and verifiable, and every later run —
 * in the same server process — served normally. (A review saw one timed-out request wedge the
 * SQLite trace store of `forge serve` until restart, and `forge run --timeout` exit 65 or 74.)
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootNodeKernel, withKernelKey } from '../../platform/node/boot.ts';
import { runGuest } from '../../src/core/run.ts';
import { verifyTrace } from '../../src/dna/index.ts';
import { fixture, fixturesReady, forge, scratch } from '../wasi/forge.ts';

before(async () => {
  await fixturesReady();
});

test('forge run --timeout on a guest that only makes host calls: exit 124, a report, a verifiable trace, every time', () => {
  const dir = scratch();
  for (let i = 0; i < 3; i++) {
    const r = forge(['run', fixture('attack-yield-loop'), '--allow-unsigned', '--timeout', '400ms', '--data-dir', join(dir, 'state'),
      '--trace', join(dir, `t${i}.jsonl`), '--report', join(dir, `r${i}.json`)], { cwd: dir });
    assert.equal(r.code, 124, r.stderr);
    assert.match(r.stderr, /timeout: the guest ran past its 400 ms wall-clock limit/);
    const report = JSON.parse(readFileSync(join(dir, `r${i}.json`), 'utf8')) as { status: string };
    assert.equal(report.status, 'timeout');
  }
});

test('in one kernel process, timed-out runs leave the SQLite stores serving: later runs and traces are whole', async () => {
  const dir = scratch();
  const kernel = await bootNodeKernel(withKernelKey({ env: { ...process.env, FORGE_STORES_DATA_DIR: join(dir, 'data') } }, dir));
  try {
    const bytes = new Uint8Array(readFileSync(fixture('attack-yield-loop')));
    for (let i = 0; i < 4; i++) {
      const run = await runGuest(kernel, { bytes, allowUnsigned: true, trustRoots: [], limits: { timeoutMs: 150 + 50 * i } });
      assert.equal(run.result.status, 'timeout', run.result.reason);
      const text = (await kernel.platform.stores.traces.read(run.trace!.runId)).map((l) => `${l}\n`).join('');
      const report = await verifyTrace(text, { crypto: kernel.crypto });
      assert.equal(report.status, 'ok', `${report.status}: ${report.message}`);
    }
    const hello = new Uint8Array(readFileSync(fixture('wasi-proc')));
    const ok = await runGuest(kernel, { bytes: hello, allowUnsigned: true, trustRoots: [], args: ['exit', '0'] });
    assert.equal(ok.result.status, 'exited', ok.result.reason);
    assert.ok((await kernel.platform.stores.traces.list()).length >= 5);
  } finally {
    await kernel.close();
  }
});

test('a run whose trace reaches its cap is stopped (output-limit), and its trace stays whole and verifiable', async () => {
  const dir = scratch();
  const kernel = await bootNodeKernel(withKernelKey({ env: { ...process.env, FORGE_STORES_DATA_DIR: join(dir, 'data') } }, dir));
  try {
    const bytes = new Uint8Array(readFileSync(fixture('attack-yield-loop')));
    const run = await runGuest(kernel, { bytes, allowUnsigned: true, trustRoots: [], traceEntriesMax: 2000, limits: { timeoutMs: 20_000 } });
    assert.equal(run.result.status, 'output-limit', run.result.reason);
    assert.equal(run.exitCode, 125);
    assert.match(run.result.reason, /trace reached its cap of 2000 entries/);
    const text = (await kernel.platform.stores.traces.read(run.trace!.runId)).map((l) => `${l}\n`).join('');
    const report = await verifyTrace(text, { crypto: kernel.crypto });
    assert.equal(report.status, 'ok', report.message);
    assert.ok(report.entries <= 2010, `${report.entries} entries`);
  } finally {
    await kernel.close();
  }
});
