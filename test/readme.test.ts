/**
 * The README's library example, run as written (only the module bytes come from a fixture), so the
 * documented API cannot drift from the real one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bootKernel, dna, runGuest } from '../src/index.ts';
import { createNodePlatform } from '../platform/node/index.ts';
import { buildFixtures, readFixtures } from './fixtures/build.ts';

test('the README library example boots a kernel and runs a guest with a signed summary', async () => {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  assert.match(readme, /bootKernel\(\{ platform: createNodePlatform\(\), config: \{ file: \{ limits: \{ fuel: 1e9 \} \} \} \}\)/);
  assert.match(readme, /runGuest\(kernel, \{ bytes: wasm, allowUnsigned: true, policy: 'baseline', args: \['hi'\] \}\)/);
  await buildFixtures();
  const wasm = readFixtures().get('http-hello')!;

  const kernel = await bootKernel({ platform: createNodePlatform(), config: { file: { limits: { fuel: 1e9 } } } });
  const run = await runGuest(kernel, { bytes: wasm, allowUnsigned: true, policy: 'baseline', args: ['hi'] });

  assert.equal(run.result.status, 'exited');
  assert.equal(run.result.exitCode, 3);
  assert.equal(new TextDecoder().decode(run.result.stdout), 'hello hi\nWHO=(unset)\n');
  assert.equal(run.limits.fuel, 1e9);
  const summary = run.trace!.summary.summary;
  assert.ok(summary.integrityScore >= 0 && summary.integrityScore <= 100);
  // The trace went to the platform's store, sealed, and verifies under the kernel's key.
  const lines = await kernel.platform.stores.traces.read(run.trace!.runId);
  const report = await dna.verifyTrace(lines.join('\n') + '\n', { publicKey: run.trace!.recorder.publicKey });
  assert.equal(report.status, 'ok', JSON.stringify(report));
  await kernel.close();
});
