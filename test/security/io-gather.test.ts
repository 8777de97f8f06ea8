/**
 * A call names at most count × memory bytes, not memory: iovecs may all point at one buffer. One
 * fd_write of 2,000 iovecs over a 1 MiB buffer (2 GB) once made the host gather all of it before
 * the stdout cap or the file quota applied. It is now a short write of at most 16 MiB.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createNodePlatform } from '../../platform/node/index.ts';
import { launchContainer } from '../../src/execution/container.ts';
import type { GateHooks } from '../../src/ports/gate-hooks.ts';
import { IO_MAX } from '../../src/execution/wasi/memory.ts';
import { fixture, fixturesReady } from '../wasi/forge.ts';

before(async () => {
  await fixturesReady();
});

const allow: GateHooks = { decide: () => ({ effect: 'allow', rules: ['t'], reason: 'test' }), record: () => {} };

test('one fd_write over 2,000 iovecs of one 1 MiB buffer is a short write of IO_MAX bytes, never a 2 GB gather', async () => {
  const before = process.memoryUsage().rss;
  const r = await launchContainer({
    platform: createNodePlatform(), module: new Uint8Array(readFileSync(fixture('attack-iov-gather'))), hooks: allow,
    keepOutput: false, stdout: { write: () => undefined }, limits: { stdoutBytes: 64 * 1024 * 1024 },
  });
  assert.equal(r.status, 'exited', r.reason);
  assert.equal(r.exitCode, 0, 'the count written is IO_MAX');
  assert.equal(IO_MAX, 16 * 1024 * 1024);
  const grew = process.memoryUsage().rss - before;
  assert.ok(grew < 512 * 1024 * 1024, `resident memory grew by ${grew} bytes`);
});
