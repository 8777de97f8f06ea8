/**
 * Root rotation: v(n+1) must be signed by a threshold of v(n)'s DISTINCT root keys (and by a
 * threshold of its own); a package signed by a v1 key verifies under v2 only if v2 still trusts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  draftFrom, parseTrustRoot, rotateRoot, trustRootDocument, verifyPackage, verifyRootChain, verifyRootRotation, verifyTrustRoot,
  withKey, withoutKey, withRevocation, type KeyPair, type RootDraft, type TrustRoot,
} from '../../src/packages/index.ts';
import { rootSigningBytes, ROOT_TYPE } from '../../src/packages/trust-root.ts';
import { toBase64, toHex } from '../../src/lib/encoding.ts';
import { crypto, key, NOW, packWith, rejectsWith, rootOf } from './helpers.ts';

const [A, B, C, D] = [key(1), key(2), key(3), key(4)];
const opts = { crypto, now: NOW };

/** Signs a next-version body by hand, any signature list (duplicates included): what an attacker can send. */
async function handSigned(prev: TrustRoot, draft: RootDraft, signers: readonly KeyPair[], version = prev.version + 1): Promise<TrustRoot> {
  const body = { ...draft, _type: ROOT_TYPE as typeof ROOT_TYPE, version };
  const bytes = rootSigningBytes(body);
  const signatures = [];
  for (const k of signers) signatures.push({ keyid: k.keyId, sig: toBase64(await crypto.signEd25519(bytes, k.secretKey)) });
  return parseTrustRoot({ signed: body, signatures });
}

test('a package signed by a v1 key verifies under v2 only while v2 still trusts the key', async () => {
  const v1 = await rootOf([A, B]);
  const byA = await packWith([A]);
  assert.equal((await verifyPackage(byA, v1, opts)).rootVersion, 1);

  const kept = await rotateRoot(v1, withKey(draftFrom(v1), { keyId: C.keyId, publicKey: C.publicKey }), [A, C], opts);
  const v = await verifyPackage(byA, kept, opts);
  assert.deepEqual([v.rootVersion, v.signers[0]!.keyId], [2, A.keyId]);

  const dropped = await rotateRoot(v1, withoutKey(draftFrom(v1), A.keyId), [A, B], opts);
  await rejectsWith(() => verifyPackage(byA, dropped, opts), 'PKG_UNKNOWN_KEY');
  assert.equal((await verifyPackage(await packWith([B]), dropped, opts)).rootVersion, 2);

  const revoked = await rotateRoot(v1, withRevocation(draftFrom(v1), A.keyId, 'compromised', NOW), [B], opts);
  await rejectsWith(() => verifyPackage(byA, revoked, opts), 'PKG_KEY_REVOKED');
});

test('v2 signed by fewer than v1\'s threshold of distinct keys is rejected — the same key twice counts once', async () => {
  const v1 = await rootOf([A, B, C], { threshold: 2 }, [A, B]);
  const draft = draftFrom(v1);
  await rejectsWith(() => handSigned(v1, draft, [A]).then((v2) => verifyRootRotation(v1, v2, opts)), 'TRUST_ROOT_ROTATION_INVALID');
  const twice = await handSigned(v1, draft, [A, A]);
  assert.equal(twice.signatures.length, 2);
  const e = await rejectsWith(() => verifyRootRotation(v1, twice, opts), 'TRUST_ROOT_ROTATION_INVALID');
  assert.deepEqual(e.details['signers'], [A.keyId]);
  const thrice = await handSigned(v1, draft, [A, A, A]);
  await rejectsWith(() => verifyRootRotation(v1, thrice, opts), 'TRUST_ROOT_ROTATION_INVALID');
  assert.equal((await verifyRootRotation(v1, await handSigned(v1, draft, [A, B]), opts)).version, 2);
  // rotateRoot refuses to produce what verifiers would refuse
  await rejectsWith(() => rotateRoot(v1, draft, [A, A], opts), 'TRUST_ROOT_ROTATION_INVALID');
});

test('only v1\'s eligible root keys count: new keys, revoked keys, root-less keys, expired keys and bad signatures do not', async () => {
  const v1 = await rootOf([A, B, C], {
    threshold: 2,
    keys: [A, B, C].map((k, i) => ({ id: k.keyId, publicKey: toHex(k.publicKey), ...(i === 2 && { roles: ['package' as const] }) })),
    revoked: [],
  }, [A, B]);
  const next = withKey(draftFrom(v1), { keyId: D.keyId, publicKey: D.publicKey });
  await rejectsWith(async () => verifyRootRotation(v1, await handSigned(v1, next, [A, D]), opts), 'TRUST_ROOT_ROTATION_INVALID');
  await rejectsWith(async () => verifyRootRotation(v1, await handSigned(v1, next, [A, C]), opts), 'TRUST_ROOT_ROTATION_INVALID');
  const v1revB = await rotateRoot(v1, withRevocation(withKey(draftFrom(v1), { keyId: D.keyId, publicKey: D.publicKey }), B.keyId, 'left', NOW), [A, B, D], opts);
  await rejectsWith(async () => verifyRootRotation(v1revB, await handSigned(v1revB, draftFrom(v1revB), [A, B]), opts), 'TRUST_ROOT_ROTATION_INVALID');
  assert.equal((await verifyRootRotation(v1revB, await handSigned(v1revB, draftFrom(v1revB), [A, D]), opts)).version, 3);

  const forged = await handSigned(v1, draftFrom(v1), [A, B]);
  const bad = parseTrustRoot({ ...trustRootDocument(forged), signatures: trustRootDocument(forged).signatures.map((s, i) => (i === 1 ? { ...s, sig: trustRootDocument(forged).signatures[0]!.sig } : s)) });
  await rejectsWith(() => verifyRootRotation(v1, bad, opts), 'TRUST_ROOT_ROTATION_INVALID');

  const expiring = await rootOf([A, B], { threshold: 2, keys: [{ id: A.keyId, publicKey: toHex(A.publicKey), expires: '2026-07-01T00:00:00Z' }, { id: B.keyId, publicKey: toHex(B.publicKey) }] }, [A, B]);
  const later = { crypto, now: Date.parse('2026-08-01T00:00:00Z') };
  await rejectsWith(async () => verifyRootRotation(expiring, await handSigned(expiring, draftFrom(expiring), [A, B]), later), 'TRUST_ROOT_ROTATION_INVALID');
});

test('v2 must also meet its own threshold, advance by exactly one version, and not be expired', async () => {
  const v1 = await rootOf([A]);
  const grown = { ...withKey(draftFrom(v1), { keyId: B.keyId, publicKey: B.publicKey }), threshold: 2 };
  await rejectsWith(() => rotateRoot(v1, grown, [A], opts), 'TRUST_ROOT_ROTATION_INVALID');
  assert.equal((await rotateRoot(v1, grown, [A, B], opts)).threshold, 2);
  await rejectsWith(async () => verifyRootRotation(v1, await handSigned(v1, draftFrom(v1), [A], 3), opts), 'TRUST_ROOT_ROTATION_INVALID');
  await rejectsWith(async () => verifyRootRotation(v1, await handSigned(v1, draftFrom(v1), [A], 1), opts), 'TRUST_ROOT_ROTATION_INVALID');
  await rejectsWith(async () => verifyRootRotation(v1, await handSigned(v1, { ...draftFrom(v1), expires: '2026-01-01T00:00:00Z' }, [A]), opts), 'TRUST_ROOT_EXPIRED');
});

test('an expired root can still be rotated out of (recovery), and a chain v1→v2→v3 verifies', async () => {
  const v1 = await rootOf([A], { expires: '2026-07-01T00:00:00Z' });
  const after = { crypto, now: Date.parse('2026-08-01T00:00:00Z') };
  await rejectsWith(() => verifyTrustRoot(v1, after), 'TRUST_ROOT_EXPIRED');
  const v2 = await rotateRoot(v1, { ...draftFrom(v1), expires: '2028-01-01T00:00:00Z' }, [A], after);
  const v3 = await rotateRoot(v2, withKey(draftFrom(v2), { keyId: B.keyId, publicKey: B.publicKey }), [A], after);
  const docs = [trustRootDocument(v2), trustRootDocument(v3)];
  assert.equal((await verifyRootChain(v1, docs, after)).version, 3);
  await rejectsWith(() => verifyRootChain(v1, [docs[1]], after), 'TRUST_ROOT_ROTATION_INVALID');
  // the chain round-trips through JSON text, as it does through files
  assert.equal((await verifyRootChain(v1, JSON.parse(JSON.stringify(docs)) as unknown[], after)).version, 3);
});

test('a self-signed anchor is checked: too few of its own keys is TRUST_ROOT_INVALID', async () => {
  const v1 = await rootOf([A, B], { threshold: 2 }, [A, B]);
  assert.equal((await verifyTrustRoot(v1, opts)).version, 1);
  const half = parseTrustRoot({ ...trustRootDocument(v1), signatures: trustRootDocument(v1).signatures.slice(0, 1) });
  await rejectsWith(() => verifyTrustRoot(half, opts), 'TRUST_ROOT_INVALID');
  const tampered = parseTrustRoot({ ...trustRootDocument(v1), signed: { ...trustRootDocument(v1).signed, threshold: 1 } });
  await rejectsWith(() => verifyTrustRoot(tampered, opts), 'TRUST_ROOT_INVALID');
});
