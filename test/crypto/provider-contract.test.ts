/**
 * Every CryptoProvider in the repository through one contract (test/crypto/contract.ts: Wycheproof
 * Ed25519, RFC 8032, SHA-256 known answers, agreement on pseudo-random inputs), then the signer
 * that signs every trace checkpoint, through the recorder itself. The same contract runs in a
 * Chromium Service Worker and in workerd over those hosts' WebCrypto (test/conformance/crypto.ts).
 *
 * The providers (grep 'CryptoProvider'):
 * - `nobleCrypto` (src/crypto/noble.ts): the core's complete provider, and the recorder's default
 *   checkpoint signer;
 * - `webCryptoEd25519()` (src/crypto/webcrypto.ts): the browser and Worker platforms' verifier,
 *   here over node:crypto's WebCrypto — and over a WebCrypto without Ed25519, where noble answers;
 * - `nodeCrypto` (platform/node/crypto.ts): the Node platform's pieces; `nodeEd25519Signer()`,
 *   the checkpoint signer `forge run --trace` hands the recorder;
 * - `resolveCrypto(...)`: what a kernel actually runs on, each platform's pieces over noble.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nobleCrypto, resolveCrypto } from '../../src/crypto/noble.ts';
import { webCryptoEd25519 } from '../../src/crypto/webcrypto.ts';
import { keyPairFromSecret } from '../../src/crypto/keys.ts';
import { nodeCrypto, nodeEd25519Signer } from '../../platform/node/crypto.ts';
import { createDnaRecorder, verifyTrace, type TraceSink } from '../../src/dna/index.ts';
import type { CryptoProvider } from '../../src/ports/crypto-provider.ts';
import type { Decision } from '../../src/ports/gate-hooks.ts';
import { agreementChecks, keyDerivationChecks, providerContract, WYCHEPROOF, type ProviderUnderTest } from './contract.ts';

/** A host whose WebCrypto has no Ed25519: importKey refuses, as older Chromium and Safari did. */
const noEd25519 = {
  importKey: () => Promise.reject(new DOMException('Ed25519 is not supported', 'NotSupportedError')),
  verify: () => Promise.reject(new DOMException('Ed25519 is not supported', 'NotSupportedError')),
} as unknown as SubtleCrypto;

/** A WebCrypto that imports keys and then fails to verify (a broken or partial host). */
const failingVerify = {
  importKey: (...a: Parameters<SubtleCrypto['importKey']>) => crypto.subtle.importKey(...a),
  verify: () => Promise.reject(new DOMException('operation failed', 'OperationError')),
} as unknown as SubtleCrypto;

const PROVIDERS: readonly ProviderUnderTest[] = [
  { name: 'nobleCrypto', provider: nobleCrypto },
  { name: 'webCryptoEd25519 (node:crypto WebCrypto)', provider: webCryptoEd25519() },
  { name: 'webCryptoEd25519 (a WebCrypto without Ed25519: noble answers)', provider: webCryptoEd25519(noEd25519) },
  { name: 'webCryptoEd25519 (a WebCrypto whose verify fails: noble answers)', provider: webCryptoEd25519(failingVerify) },
  { name: 'nodeCrypto', provider: nodeCrypto },
  { name: 'nodeEd25519Signer', provider: { signEd25519Sync: nodeEd25519Signer() } },
  { name: 'resolveCrypto(nodeCrypto) (a Node kernel)', provider: resolveCrypto(nodeCrypto) },
  { name: 'resolveCrypto(webCryptoEd25519()) (a browser or Worker kernel)', provider: resolveCrypto(webCryptoEd25519()) },
];

it('the Wycheproof file is the one expected: 151 cases, valid and invalid ones, no "acceptable"', () => {
  assert.equal(WYCHEPROOF.length, 151);
  assert.ok(WYCHEPROOF.some((c) => c.valid) && WYCHEPROOF.some((c) => !c.valid));
});

for (const u of PROVIDERS) {
  describe(`CryptoProvider contract: ${u.name}`, () => {
    const checks = providerContract(u.provider);
    it('holds at least one method to the contract', () => assert.ok(checks.length > 0));
    for (const c of checks) it(c.name, () => c.run());
  });
}

describe('CryptoProvider contract: across providers', () => {
  for (const c of [...keyDerivationChecks(), ...agreementChecks(PROVIDERS)]) it(c.name, () => c.run());
});

describe('the checkpoint signer, through the recorder', () => {
  const KERNEL = keyPairFromSecret(new Uint8Array(32).fill(7));
  const allow: Decision = { effect: 'allow', rules: ['base'], reason: 'granted' };
  // A fixed nonce and run id, so traces signed by different signers can be compared byte for byte.
  const fixed = (c: CryptoProvider): CryptoProvider => ({ ...c, randomBytes: (n) => new Uint8Array(n).fill(0x5a) });

  async function record(o: { crypto: CryptoProvider; sync: boolean; signSync?: (m: Uint8Array, k: Uint8Array) => Uint8Array }): Promise<string> {
    const lines: string[] = [];
    const sink: TraceSink | undefined = o.sync ? Object.assign((_id: string, _from: number, l: string[]) => { lines.push(...l); }, { sync: true as const }) : undefined;
    const r = createDnaRecorder({
      crypto: fixed(o.crypto), signingKey: KERNEL.secretKey, checkpointInterval: 2, ...(sink ? { sink } : {}), ...(o.signSync ? { signSync: o.signSync } : {}),
      genesis: {
        kernelId: 'contract', configDigest: '11'.repeat(32), policyDigest: '22'.repeat(32), identity: 'local/33',
        package: { digest: '33'.repeat(32) }, limits: { fuel: 1000 }, startedAt: 1780000000000,
      },
    });
    for (let i = 0; i < 7; i++) r.record({ syscall: 'fd_write', group: 'stdio', fd: 1, bytes: i }, allow, { errno: 0, size: i }, { fuelUsed: BigInt(i * 10), trust: 100 });
    await r.finish({ status: 'exited', exitCode: 0 });
    return (o.sync ? lines : r.lines()).map((l) => `${l}\n`).join('');
  }

  it('the default signer (a synchronous sink), nodeEd25519Signer and the provider\'s async signer write byte-identical traces that every verifier accepts', async () => {
    const byDefault = await record({ crypto: nobleCrypto, sync: true });
    const native = await record({ crypto: nobleCrypto, sync: true, signSync: nodeEd25519Signer() });
    const async = await record({ crypto: resolveCrypto(nodeCrypto), sync: false });
    assert.ok(byDefault.split('\n').filter((l) => l.includes('"t":"checkpoint"')).length >= 3, 'the trace has checkpoints');
    assert.equal(native, byDefault);
    assert.equal(async, byDefault);
    for (const u of PROVIDERS.filter((p) => p.provider.verifyEd25519)) {
      const report = await verifyTrace(byDefault, { crypto: resolveCrypto(u.provider), publicKey: KERNEL.publicKey });
      assert.equal(report.status, 'ok', `${u.name}: ${report.status}`);
    }
  });
});
