import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as prelude from '../src/index.ts';

test('the prelude bundles for a browser with no Node builtin and no platform adapter', async () => {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent', metafile: true,
  });
  const inputs = Object.keys(out.metafile.inputs);
  assert.ok(inputs.some((p) => p.endsWith('src/core/run.ts')));
  assert.deepEqual(inputs.filter((p) => p.startsWith('platform/') || p.startsWith('node:')), []);
});

test('the prelude exposes the kernel, the run path and the three modules', () => {
  for (const name of ['createKernel', 'bootKernel', 'runGuest', 'launchContainer', 'secureSyscall', 'KernelError', 'createApp'] as const) {
    assert.equal(typeof prelude[name], 'function', name);
  }
  assert.equal(typeof prelude.packages.verifyPackage, 'function');
  assert.equal(typeof prelude.trust.createTrustGate, 'function');
  assert.equal(typeof prelude.dna.verifyTrace, 'function');
});
