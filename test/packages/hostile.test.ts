/**
 * The hostile-input suite: each failure code of package verification, produced from a crafted
 * package (or a crafted root / key for the TRUST_ROOT_* and KEY_* codes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelError } from '../../src/errors.ts';
import { parseKeyFile, keyPairFromSecret, keyFileJson, parseTrustRoot, parsePackage, verifyPackage, packPackage, signPackage, trustRootDocument } from '../../src/packages/index.ts';
import { toHex, utf8 } from '../../src/lib/encoding.ts';
import { serializeEnvelope } from '../../src/packages/dsse.ts';
import { addModule, craft, crypto, key, MANIFEST, NOW, packWith, rejectsWith, rootOf } from './helpers.ts';

const A = key(1);
const B = key(2);
const OUTSIDER = key(9);
const verify = async (bytes: Uint8Array, keys = [A, B], extra = {}, opts: { now?: number; maxBytes?: number } = {}) =>
  verifyPackage(bytes, await rootOf(keys, extra), { crypto, now: opts.now ?? NOW, ...(opts.maxBytes !== undefined && { maxBytes: opts.maxBytes }) });

/** Replaces the byte range of the signature section's JSON with `text` (re-framed). */
function withSignatureText(pkg: Uint8Array, text: string): Uint8Array {
  const at = parsePackage(pkg).contentLength;
  const body = utf8.encode(text);
  const out = new Uint8Array(at + 5 + body.length);
  out.set(pkg.subarray(0, at));
  out[at] = 4;
  new DataView(out.buffer).setUint32(at + 1, body.length);
  out.set(body, at + 5);
  return out;
}

test('a well-formed package verifies (the baseline every hostile case departs from)', async () => {
  const v = await verify(await packWith([A]));
  assert.deepEqual(v.signers.map((s) => s.keyId), [A.keyId]);
  assert.equal(v.manifest.kind, 'command');
});

test('PKG_BAD_MAGIC: wrong first bytes, a PNG, a bare wasm module', async () => {
  const pkg = await packWith([A]);
  const wrong = pkg.slice();
  wrong[1] = 0x47;
  await rejectsWith(() => verify(wrong), 'PKG_BAD_MAGIC');
  await rejectsWith(() => verify(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0)), 'PKG_BAD_MAGIC');
  await rejectsWith(async () => verify(await addModule()), 'PKG_BAD_MAGIC');
});

test('PKG_UNSUPPORTED_VERSION: format version 2 and 0', async () => {
  for (const v of [0, 2, 0xffff]) {
    const pkg = (await packWith([A])).slice();
    new DataView(pkg.buffer).setUint16(8, v);
    const e = await rejectsWith(() => verify(pkg), 'PKG_UNSUPPORTED_VERSION');
    assert.equal(e.details['formatVersion'], v);
  }
});

test('PKG_TRUNCATED: every proper prefix of a package, including the empty one', async () => {
  const pkg = await packWith([A], MANIFEST, { '/etc/app.conf': utf8.encode('x=1') });
  const root = await rootOf([A]);
  for (let n = 0; n < pkg.length; n++) {
    await rejectsWith(() => verifyPackage(pkg.subarray(0, n), root, { crypto, now: NOW }), 'PKG_TRUNCATED');
  }
});

test('PKG_MALFORMED: reserved field, unknown section, trailing bytes, order, paths, envelope form', async () => {
  const pkg = await packWith([A]);
  const reserved = pkg.slice();
  reserved[11] = 1;
  await rejectsWith(() => verify(reserved), 'PKG_MALFORMED');

  const unknownSection = pkg.slice();
  unknownSection[12] = 9;
  await rejectsWith(() => verify(unknownSection), 'PKG_MALFORMED');

  const trailing = new Uint8Array(pkg.length + 1);
  trailing.set(pkg);
  await rejectsWith(() => verify(trailing), 'PKG_MALFORMED');

  const files = new Map([['/b', utf8.encode('b')], ['/a', utf8.encode('a')]]);
  await rejectsWith(async () => verify(await craft({ files })), 'PKG_MALFORMED');
  await rejectsWith(async () => verify(await craft({ files: new Map([['/etc/../passwd', utf8.encode('x')]]) })), 'PKG_MALFORMED');
  await rejectsWith(async () => verify(await craft({ files: new Map([['relative.txt', utf8.encode('x')]]) })), 'PKG_MALFORMED');

  const env = parsePackage(pkg).envelope;
  const spaced = serializeEnvelope(env).replace('{"payload"', '{ "payload"');
  await rejectsWith(() => verify(withSignatureText(pkg, spaced)), 'PKG_MALFORMED');
  const reordered = JSON.stringify({ payloadType: env.payloadType, payload: JSON.parse(serializeEnvelope(env)).payload, signatures: JSON.parse(serializeEnvelope(env)).signatures });
  await rejectsWith(() => verify(withSignatureText(pkg, reordered)), 'PKG_MALFORMED');
  await rejectsWith(() => verify(withSignatureText(pkg, 'not json')), 'PKG_MALFORMED');
  await rejectsWith(() => verify(withSignatureText(pkg, '{"payload":"","payloadType":"x","signatures":[],"extra":1}')), 'PKG_MALFORMED');

  // a genuinely signed payload that is not a forgepkg statement
  const other = await craft({ envelope: (e) => e });
  const otherEnv = parsePackage(other).envelope;
  const foreign = serializeEnvelope({ ...otherEnv, payload: utf8.encode('{"_type":"https://in-toto.io/Statement/v1"}') });
  await rejectsWith(() => verify(withSignatureText(other, foreign)), 'PKG_MALFORMED');
});

test('PKG_MANIFEST_INVALID names the bad field in details.path', async () => {
  const cases: [unknown, string][] = [
    [{ name: 'acme/hello' }, 'version'],
    [{ name: 'Acme Hello', version: '1.0.0' }, 'name'],
    [{ name: 'acme/hello', version: 'one' }, 'version'],
    [{ name: 'acme/hello', version: '1.0.0', kind: 'daemon' }, 'kind'],
    [{ name: 'acme/hello', version: '1.0.0', capabilities: { files: [{ path: '/data', access: 'rwx' }] } }, 'capabilities.files[0].access'],
    [{ name: 'acme/hello', version: '1.0.0', capabilities: { files: [{ path: '../etc' }] } }, 'capabilities.files[0].path'],
    [{ name: 'acme/hello', version: '1.0.0', capabilities: { env: ['HOME', 'BAD-NAME'] } }, 'capabilities.env[1]'],
    [{ name: 'acme/hello', version: '1.0.0', limits: { fuel: -1 } }, 'limits.fuel'],
    [{ name: 'acme/hello', version: '1.0.0', limits: { memory: 1.5 } }, 'limits.memory'],
    [{ name: 'acme/hello', version: '1.0.0', capabilties: {} }, 'capabilties'],
    [[1, 2], '(root)'],
  ];
  for (const [manifest, path] of cases) {
    const e = await rejectsWith(async () => verify(await craft({ manifest })), 'PKG_MANIFEST_INVALID');
    assert.equal(e.details['path'], path, `${JSON.stringify(manifest)}: ${e.message}`);
    await rejectsWith(async () => packPackage({ module: await addModule(), manifest }, { crypto, keys: [A] }), 'PKG_MANIFEST_INVALID');
  }
  for (const bytes of [utf8.encode('{"name":'), Uint8Array.of(0xff, 0xfe)]) {
    const e = await rejectsWith(async () => verify(await craft({ manifestBytes: bytes })), 'PKG_MANIFEST_INVALID');
    assert.equal(e.details['path'], '(root)');
  }
});

test('PKG_DIGEST_MISMATCH: module, manifest and file swapped under a genuine signature', async () => {
  const zero = '00'.repeat(32);
  for (const name of ['module.wasm', 'manifest.json', 'files/etc/app.conf']) {
    const pkg = await craft({ files: new Map([['/etc/app.conf', utf8.encode('x=1')]]), subjects: (s) => s.map((x) => (x.name === name ? { ...x, sha256: zero } : x)) });
    const e = await rejectsWith(() => verify(pkg), 'PKG_DIGEST_MISMATCH');
    assert.equal(e.details['subject'], name);
  }
  // a file added after signing: the statement does not list it
  const extra = await craft({ files: new Map([['/etc/app.conf', utf8.encode('x=1')]]), subjects: (s) => s.slice(0, 2) });
  await rejectsWith(() => verify(extra), 'PKG_DIGEST_MISMATCH');
});

test('PKG_SIGNATURE_INVALID: a signature over other bytes, and one of the wrong length', async () => {
  const other = parsePackage(await packWith([A], { name: 'acme/other', version: '1.0.0' })).envelope.signatures[0]!.sig;
  await rejectsWith(async () => verify(await craft({ envelope: (e) => ({ ...e, signatures: [{ keyid: A.keyId, sig: other }] }) })), 'PKG_SIGNATURE_INVALID');
  await rejectsWith(async () => verify(await craft({ envelope: (e) => ({ ...e, signatures: [{ keyid: A.keyId, sig: e.signatures[0]!.sig.subarray(0, 63) }] }) })), 'PKG_SIGNATURE_INVALID');
  // B's genuine signature filed under A's key id
  await rejectsWith(async () => verify(await craft({ keys: [B], envelope: (e) => ({ ...e, signatures: [{ keyid: A.keyId, sig: e.signatures[0]!.sig }] }) })), 'PKG_SIGNATURE_INVALID');
});

test('PKG_UNKNOWN_KEY: signed by a key the root does not hold, even beside a trusted signer', async () => {
  const e = await rejectsWith(async () => verify(await packWith([OUTSIDER])), 'PKG_UNKNOWN_KEY');
  assert.equal(e.details['keyId'], OUTSIDER.keyId);
  await rejectsWith(async () => verify(await packWith([A, OUTSIDER])), 'PKG_UNKNOWN_KEY');
});

test('PKG_KEY_EXPIRED and PKG_KEY_NOT_YET_VALID: the key validity window', async () => {
  const pkg = await packWith([A]);
  // A root key outside its window cannot sign its own root either, so B signs these roots.
  const withWindow = (w: object) => ({ keys: [{ id: A.keyId, publicKey: toHex(A.publicKey), ...w }, { id: B.keyId, publicKey: toHex(B.publicKey) }] });
  const expired = await rootOf([A, B], withWindow({ expires: '2026-01-01T00:00:00Z' }), [B]);
  await rejectsWith(() => verifyPackage(pkg, expired, { crypto, now: NOW }), 'PKG_KEY_EXPIRED');
  assert.equal((await verifyPackage(pkg, expired, { crypto, now: Date.parse('2025-12-31T23:59:59Z') })).signers[0]!.keyId, A.keyId);
  const root = await rootOf([A, B], withWindow({ notBefore: '2027-01-01T00:00:00Z' }), [B]);
  const e = await rejectsWith(() => verifyPackage(pkg, root, { crypto, now: NOW }), 'PKG_KEY_NOT_YET_VALID');
  assert.equal(e.details['keyId'], A.keyId);
  assert.equal((await verifyPackage(pkg, root, { crypto, now: Date.parse('2027-06-01T00:00:00Z') })).signers[0]!.keyId, A.keyId);
});

test('PKG_KEY_REVOKED: a revoked key fails the package, listed or not', async () => {
  const pkg = await packWith([A]);
  const e = await rejectsWith(() => verify(pkg, [A, B], { revoked: [{ id: A.keyId, reason: 'laptop stolen' }] }), 'PKG_KEY_REVOKED');
  assert.match(e.message, /laptop stolen/);
  const removed = await rootOf([B], { revoked: [{ id: A.keyId, reason: 'retired' }] });
  await rejectsWith(() => verifyPackage(pkg, removed, { crypto, now: NOW }), 'PKG_KEY_REVOKED');
  // a revoked co-signer fails the package even when the other signer alone meets the threshold
  await rejectsWith(async () => verify(await packWith([B, A]), [A, B], { revoked: [{ id: A.keyId, reason: 'lost' }] }), 'PKG_KEY_REVOKED');
});

test('PKG_SIGNER_NOT_ALLOWED: name outside the key\'s globs, or a root-only key', async () => {
  const pkg = await packWith([A]);
  const scoped = { keys: [{ id: A.keyId, publicKey: toHex(A.publicKey), packages: ['other/*', 'acme/hello/**'] }, { id: B.keyId, publicKey: toHex(B.publicKey) }] };
  const e = await rejectsWith(() => verify(pkg, [A, B], scoped), 'PKG_SIGNER_NOT_ALLOWED');
  assert.equal(e.details['name'], 'acme/hello');
  const rootOnly = { keys: [{ id: A.keyId, publicKey: toHex(A.publicKey), roles: ['root' as const] }, { id: B.keyId, publicKey: toHex(B.publicKey) }] };
  await rejectsWith(() => verify(pkg, [A, B], rootOnly), 'PKG_SIGNER_NOT_ALLOWED');
  const allowed = { keys: [{ id: A.keyId, publicKey: toHex(A.publicKey), packages: ['acme/*'] }, { id: B.keyId, publicKey: toHex(B.publicKey) }] };
  assert.equal((await verify(pkg, [A, B], allowed)).manifest.name, 'acme/hello');
});

test('PKG_THRESHOLD_NOT_MET: one signer for a threshold of two, and the same key twice', async () => {
  await rejectsWith(async () => verify(await packWith([A]), [A, B], { packageThreshold: 2 }), 'PKG_THRESHOLD_NOT_MET');
  const twice = await craft({ keys: [A, A] });
  assert.equal(parsePackage(twice).envelope.signatures.length, 2);
  const e = await rejectsWith(() => verify(twice, [A, B], { packageThreshold: 2 }), 'PKG_THRESHOLD_NOT_MET');
  assert.equal(e.details['signers'], 1);
  const both = await signPackage(await packWith([A]), B, { crypto });
  assert.equal((await verify(both, [A, B], { packageThreshold: 2 })).signers.length, 2);
});

test('PKG_UNSIGNED: a package with no signature', async () => {
  await rejectsWith(async () => verify(await packWith([])), 'PKG_UNSIGNED');
});

test('PKG_TOO_LARGE: over the configured maximum, and an oversized manifest section', async () => {
  const pkg = await packWith([A]);
  const e = await rejectsWith(() => verify(pkg, [A, B], {}, { maxBytes: pkg.length - 1 }), 'PKG_TOO_LARGE');
  assert.equal(e.details['maxBytes'], pkg.length - 1);
  assert.equal((await verify(pkg, [A, B], {}, { maxBytes: pkg.length })).manifest.name, 'acme/hello');
  const huge = utf8.encode(JSON.stringify({ ...MANIFEST, description: 'x'.repeat(70_000) }));
  await rejectsWith(async () => verify(await craft({ manifestBytes: huge })), 'PKG_TOO_LARGE');
  await rejectsWith(async () => packPackage({ module: await addModule(), manifest: MANIFEST }, { crypto, keys: [A], maxBytes: 100 }), 'PKG_TOO_LARGE');
});

test('PKG_INVALID_WASM: no wasm header, a component, and a signed module that does not validate', async () => {
  await rejectsWith(async () => verify(await craft({ module: utf8.encode('#!/bin/sh\necho pwned\n') })), 'PKG_INVALID_WASM');
  await rejectsWith(async () => verify(await craft({ module: Uint8Array.of(0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0) })), 'PKG_INVALID_WASM');
  const garbage = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff);
  await rejectsWith(async () => verify(await craft({ module: garbage })), 'PKG_INVALID_WASM');
  await rejectsWith(() => packPackage({ module: garbage, manifest: MANIFEST }, { crypto, keys: [A] }), 'PKG_INVALID_WASM');
});

test('TRUST_ROOT_EXPIRED: verifying under a root past its expiry', async () => {
  const root = await rootOf([A]);
  await rejectsWith(async () => verifyPackage(await packWith([A]), root, { crypto, now: Date.parse('2031-01-01T00:00:00Z') }), 'TRUST_ROOT_EXPIRED');
});

test('TRUST_ROOT_INVALID: malformed root documents name the bad field', async () => {
  const good = trustRootDocument(await rootOf([A, B]));
  const cases: [unknown, string][] = [
    [null, '(root)'],
    [{ ...good, signatures: 'x' }, 'signatures'],
    [{ ...good, signed: { ...good.signed, version: 0 } }, 'signed.version'],
    [{ ...good, signed: { ...good.signed, expires: 'tomorrow' } }, 'signed.expires'],
    [{ ...good, signed: { ...good.signed, threshold: 3 } }, 'signed.threshold'],
    [{ ...good, signed: { ...good.signed, packageThreshold: 5 } }, 'signed.packageThreshold'],
    [{ ...good, signed: { ...good.signed, keys: [{ ...good.signed.keys[0]!, id: B.keyId }] } }, 'signed.keys[0].id'],
    [{ ...good, signed: { ...good.signed, keys: [good.signed.keys[0]!, good.signed.keys[0]!] } }, 'signed.keys[1].id'],
    [{ ...good, signed: { ...good.signed, keys: [{ ...good.signed.keys[0]!, publicKey: '00'.repeat(32) }] } }, 'signed.keys[0].publicKey'],
    [{ ...good, signed: { ...good.signed, keys: [{ ...good.signed.keys[0]!, packages: ['ACME/(x)'] }] } }, 'signed.keys[0].packages[0]'],
    [{ ...good, signed: { ...good.signed, keys: [{ ...good.signed.keys[0]!, notBefore: '2027-01-01T00:00:00Z', expires: '2026-01-01T00:00:00Z' }] } }, 'signed.keys[0].expires'],
    [{ ...good, signed: { ...good.signed, trustEveryone: true } }, 'signed.trustEveryone'],
  ];
  for (const [doc, path] of cases) {
    const e = await rejectsWith(() => parseTrustRoot(doc), 'TRUST_ROOT_INVALID');
    assert.equal(e.details['path'], path, e.message);
  }
});

test('KEY_INVALID: a key file whose public key or id does not derive from its secret', () => {
  const file = keyFileJson(A);
  assert.equal(parseKeyFile(file).keyId, A.keyId);
  assert.throws(() => parseKeyFile({ ...file, publicKey: toHex(B.publicKey), keyId: B.keyId }), (e: unknown) => e instanceof KernelError && e.code === 'KEY_INVALID');
  assert.throws(() => parseKeyFile({ ...file, keyId: B.keyId }), (e: unknown) => e instanceof KernelError && e.code === 'KEY_INVALID');
  assert.throws(() => parseKeyFile({ ...file, secretKey: undefined }), (e: unknown) => e instanceof KernelError && e.code === 'KEY_INVALID');
  assert.throws(() => keyPairFromSecret(new Uint8Array(31)), (e: unknown) => e instanceof KernelError && e.code === 'KEY_INVALID');
});

test('a non-finite clock is refused rather than passing every validity window', async () => {
  const pkg = await packWith([A]);
  const root = await rootOf([A]);
  await rejectsWith(() => verifyPackage(pkg, root, { crypto, now: Number.NaN }), 'INTERNAL');
});
