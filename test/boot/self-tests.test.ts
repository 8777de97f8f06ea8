import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { toHex } from '../../src/lib/encoding.ts';
import { nobleCrypto, resolveCrypto } from '../../src/crypto/noble.ts';
import { SELF_TEST_GUEST, SELF_TEST_GUEST_LIMITS } from '../../src/diagnostics/guest-test.ts';
import { healthDocumentSchema } from '../../src/diagnostics/health.ts';
import { SELF_TEST_NAMES, runSelfTests } from '../../src/diagnostics/self-tests.ts';
import { KernelError } from '../../src/errors.ts';
import { instrument } from '../../src/execution/instrument/index.ts';
import { createApp } from '../../src/http/app.ts';
import { createKernel } from '../../src/kernel.ts';
import type { Platform } from '../../src/ports/platform.ts';
import { createCloudflarePlatform } from '../../platform/cloudflare/index.ts';
import { createNodePlatform } from '../../platform/node/index.ts';
import { FIXTURES_OUT, buildFixtures } from '../fixtures/build.ts';

const ctx = (platform: Platform = createNodePlatform()) => ({ platform, crypto: resolveCrypto(platform.crypto) });

describe('self-tests', () => {
  it('all pass on Node, in their documented order, each with a time', async () => {
    const report = await runSelfTests(ctx());
    assert.equal(report.status, 'pass', JSON.stringify(report));
    assert.deepEqual(report.tests.map((t) => t.name), ['sha256-nist', 'ed25519-rfc8032', 'policy-decision-table', 'wasm-guest-trace']);
    assert.deepEqual(report.tests.map((t) => t.name), [...SELF_TEST_NAMES]);
    for (const t of report.tests) assert.ok(t.status === 'pass' && t.ms >= 0 && t.message === undefined, JSON.stringify(t));
  });

  for (const name of SELF_TEST_NAMES) {
    it(`a corrupted vector fails ${name} alone, saying what differed`, async () => {
      const report = await runSelfTests(ctx(), { corrupt: [name] });
      assert.equal(report.status, 'fail');
      for (const t of report.tests) assert.equal(t.status, t.name === name ? 'fail' : 'pass', `${t.name}: ${t.message ?? ''}`);
      assert.match(report.tests.find((t) => t.name === name)!.message!, /expected .*, got /);
    });
  }

  it('an unknown name to corrupt is a BAD_REQUEST', async () => {
    await assert.rejects(runSelfTests(ctx(), { corrupt: ['md5'] }), (e: unknown) => e instanceof KernelError && e.code === 'BAD_REQUEST');
  });

  it('a signer that signs wrongly fails the Ed25519 test', async () => {
    const platform: Platform = { ...createNodePlatform(), crypto: { signEd25519: async (m: Uint8Array) => nobleCrypto.signEd25519(m, new Uint8Array(32)) } };
    const report = await runSelfTests(ctx(platform));
    const t = report.tests.find((x) => x.name === 'ed25519-rfc8032')!;
    assert.equal(t.status, 'fail');
    assert.match(t.message!, /Ed25519 signature of rfc8032-test1/);
  });
});

describe('self-tests: the guest', () => {
  it('the embedded guest is exactly test/fixtures/wat/self-test-guest.wat compiled (so host bundles ship it)', async () => {
    await buildFixtures();
    assert.deepEqual(SELF_TEST_GUEST, new Uint8Array(readFileSync(`${FIXTURES_OUT}/self-test-guest.wasm`)));
  });

  it('is skipped, with the reason, where the host cannot compile and the guest is not bundled', async () => {
    const report = await runSelfTests(ctx(createCloudflarePlatform({ modules: new Map() })));
    const t = report.tests.find((x) => x.name === 'wasm-guest-trace')!;
    assert.equal(t.status, 'skip');
    assert.match(t.message!, /not bundled/);
    assert.equal(report.status, 'pass', 'a skip is reported, not a failure');
  });

  it('passes where the host cannot compile but the guest is bundled instrumented with 16 memory pages', async () => {
    const bytes = instrument(SELF_TEST_GUEST, { memoryMaxPages: SELF_TEST_GUEST_LIMITS.memoryBytes / 65536 }).bytes;
    const modules = new Map([[toHex(nobleCrypto.sha256(bytes)), await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>)]]);
    const report = await runSelfTests(ctx(createCloudflarePlatform({ modules })));
    assert.equal(report.tests.find((x) => x.name === 'wasm-guest-trace')!.status, 'pass', JSON.stringify(report));
  });
});

describe('GET /health runs the self-tests on demand', () => {
  it('answers 200 and the document when they pass', async () => {
    const res = await createApp(createKernel({ platform: createNodePlatform() })).request('/health');
    assert.equal(res.status, 200);
    const doc = healthDocumentSchema.parse(await res.json());
    assert.equal(doc.status, 'ok');
    assert.equal(doc.boot, null);
  });

  it('answers 503, status failing, when one fails now', async () => {
    const sha256 = (d: Uint8Array) => { const h = nobleCrypto.sha256(d); h[0]! ^= 0x80; return h; };
    const res = await createApp(createKernel({ platform: { ...createNodePlatform(), crypto: { sha256 } } })).request('/health');
    assert.equal(res.status, 503);
    const doc = healthDocumentSchema.parse(await res.json());
    assert.equal(doc.status, 'failing');
    assert.equal(doc.selfTests?.tests.find((t) => t.name === 'sha256-nist')?.status, 'fail');
  });
});
