/**
 * Package verification in every host. Cases build their packages here with the public API from
 * a fixture's bytes and a key generated in the case (no node:*), then verify with the host's
 * crypto. In Workers the module arrives bundled; verification hashes the raw-bytes copy and the
 * kernel then finds the bundled module by that same digest.
 */
import { createKernel } from '../../src/kernel.ts';
import {
  createTrustRoot, draftFrom, generateKeyPair, packPackage, parsePackage, resolveCrypto, rotateRoot, signPackage,
  verifyPackage, webCryptoEd25519, withoutKey, type KeyPair, type RootDraft,
} from '../../src/packages/index.ts';
import { fromHex, toHex } from '../../src/lib/encoding.ts';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import { assert, assertEqual, assertRejects, type ConformanceCase, type ConformanceEnv } from './harness.ts';

const MANIFEST = { name: 'conformance/add', version: '1.0.0', capabilities: { clocks: true } };
const YEAR = 365 * 24 * 3600 * 1000;

function setup(env: ConformanceEnv, n = 2) {
  const crypto = resolveCrypto(env.platform.crypto);
  const now = env.platform.clock.now();
  const keys: KeyPair[] = Array.from({ length: n }, () => generateKeyPair({ crypto }));
  const draft = (extra: Partial<RootDraft> = {}): RootDraft => ({
    expires: new Date(now + YEAR).toISOString(), threshold: 1,
    keys: keys.map((k) => ({ id: k.keyId, publicKey: toHex(k.publicKey) })), ...extra,
  });
  return { crypto, now, keys, draft, opts: { crypto, now } };
}

export const packageCases: ConformanceCase[] = [
  {
    name: 'packages: a package built from the add fixture verifies, and its verified module runs',
    async run(env) {
      const { crypto, keys, draft, opts } = setup(env);
      const root = await createTrustRoot(draft(), keys, opts);
      const fixture = env.fixture('add');
      const pkg = await packPackage({ module: fixture, manifest: MANIFEST }, { crypto, keys: [keys[0]!] });
      const v = await verifyPackage(pkg, root, opts);
      assertEqual(v.moduleDigest, toHex(crypto.sha256(fixture)), 'module digest is the fixture\'s');
      assertEqual(v.signers.map((s) => s.keyId), [keys[0]!.keyId], 'signers');
      assertEqual([v.rootVersion, v.manifest.kind, v.manifest.capabilities.clocks], [1, 'command', true], 'root version and manifest');
      const result = await createKernel({ platform: env.platform }).invoke(v.module, 'add', [40, 2]);
      assertEqual(result, 42, 'add(40, 2) from the verified module');
    },
  },
  {
    name: 'packages: tampering, a foreign key, a revoked key and a bad module are refused with their codes',
    async run(env) {
      const { crypto, keys, draft, opts } = setup(env);
      const root = await createTrustRoot(draft(), keys, opts);
      const pkg = await packPackage({ module: env.fixture('add'), manifest: MANIFEST }, { crypto, keys: [keys[0]!] });
      const flipped = pkg.slice();
      const at = 12 + 5 + parsePackage(pkg).manifestBytes.length + 5 + 20;
      flipped[at]! ^= 1;
      await assertRejects(() => verifyPackage(flipped, root, opts), 'PKG_DIGEST_MISMATCH', 'a flipped module byte');
      await assertRejects(() => verifyPackage(pkg.subarray(0, pkg.length - 3), root, opts), 'PKG_TRUNCATED', 'a truncated package');
      await assertRejects(() => verifyPackage(env.fixture('add'), root, opts), 'PKG_BAD_MAGIC', 'a bare module');
      const stranger = await packPackage({ module: env.fixture('add'), manifest: MANIFEST }, { crypto, keys: [generateKeyPair({ crypto })] });
      await assertRejects(() => verifyPackage(stranger, root, opts), 'PKG_UNKNOWN_KEY', 'a foreign signer');
      const revoking = await createTrustRoot(draft({ revoked: [{ id: keys[0]!.keyId, reason: 'test' }] }), [keys[1]!], opts);
      await assertRejects(() => verifyPackage(pkg, revoking, opts), 'PKG_KEY_REVOKED', 'a revoked signer');
      await assertRejects(() => verifyPackage(pkg, root, { ...opts, maxBytes: 64 }), 'PKG_TOO_LARGE', 'over the maximum');
      const badWasm = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x01, 0x05, 0xff);
      await assertRejects(() => packPackage({ module: badWasm, manifest: MANIFEST }, { crypto, keys }), 'PKG_INVALID_WASM', 'WebAssembly.validate in this host');
    },
  },
  {
    name: 'packages: co-signing meets a threshold of two; rotation to v2 drops a key and its packages',
    async run(env) {
      const { crypto, keys, draft, opts } = setup(env);
      const [a, b] = [keys[0]!, keys[1]!];
      const root = await createTrustRoot(draft({ packageThreshold: 2 }), keys, opts);
      const single = await packPackage({ module: env.fixture('add'), manifest: MANIFEST }, { crypto, keys: [a] });
      await assertRejects(() => verifyPackage(single, root, opts), 'PKG_THRESHOLD_NOT_MET', 'one of two signers');
      const both = await signPackage(single, b, opts);
      assertEqual((await verifyPackage(both, root, opts)).signers.length, 2, 'co-signed signers');

      const v1 = await createTrustRoot(draft(), keys, opts);
      const v2 = await rotateRoot(v1, withoutKey(draftFrom(v1), a.keyId), [a, b], opts);
      await assertRejects(() => verifyPackage(single, v2, opts), 'PKG_UNKNOWN_KEY', 'a package by a dropped key under v2');
      const byB = await packPackage({ module: env.fixture('add'), manifest: MANIFEST }, { crypto, keys: [b] });
      assertEqual((await verifyPackage(byB, v2, opts)).rootVersion, 2, 'root version after rotation');
      await assertRejects(() => rotateRoot(v2, draftFrom(v2), [a], opts), 'TRUST_ROOT_ROTATION_INVALID', 'v3 signed only by a key v2 dropped');
    },
  },
  {
    name: 'packages: the host\'s own WebCrypto Ed25519 agrees with noble (RFC 8032 TEST 1, a fresh signature, a flipped bit)',
    skip: () => (globalThis.crypto?.subtle ? undefined : 'this host has no crypto.subtle'),
    async run(env) {
      // subtle directly, not webCryptoEd25519: its noble fallback would hide a host without Ed25519
      const subtle = globalThis.crypto.subtle;
      const webVerify = async (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array) => {
        const key = await subtle.importKey('raw', pub as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
        return subtle.verify({ name: 'Ed25519' }, key, sig as Uint8Array<ArrayBuffer>, msg as Uint8Array<ArrayBuffer>);
      };
      const pub = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')!;
      const sig = fromHex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b')!;
      const empty = new Uint8Array(0);
      assert(await webVerify(sig, empty, pub), 'WebCrypto verifies RFC 8032 TEST 1');
      assert(await nobleCrypto.verifyEd25519(sig, empty, pub), 'noble verifies RFC 8032 TEST 1');
      const bad = sig.slice();
      bad[63]! ^= 0x01;
      assert(!(await webVerify(bad, empty, pub)) && !(await nobleCrypto.verifyEd25519(bad, empty, pub)), 'both reject a flipped bit');
      const k = generateKeyPair();
      const msg = env.fixture('add');
      const mine = await nobleCrypto.signEd25519(msg, k.secretKey);
      assert(await webVerify(mine, msg, k.publicKey), 'WebCrypto verifies a noble signature over the fixture');
      assert(await webCryptoEd25519().verifyEd25519!(mine, msg, k.publicKey), 'the webCryptoEd25519 provider verifies it');
      assert(await resolveCrypto(env.platform.crypto).verifyEd25519(mine, msg, k.publicKey), 'the platform provider verifies it');
    },
  },
];
