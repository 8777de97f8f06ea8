/** The `.forgepkg` format: layout, manifest defaults, what verification returns, co-signing, globs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePackage, packPackage, signPackage, verifyPackage, MAGIC, FORMAT_VERSION } from '../../src/packages/index.ts';
import { canonicalJson } from '../../src/lib/canonical-json.ts';
import { toHex, utf8 } from '../../src/lib/encoding.ts';
import { globMatch } from '../../src/lib/glob/index.ts';
import { STATEMENT_PAYLOAD_TYPE } from '../../src/packages/statement.ts';
import { addModule, craft, crypto, key, MANIFEST, NOW, packWith, rejectsWith, rootOf } from './helpers.ts';

const [A, B] = [key(1), key(2)];

test('layout: magic, big-endian format version, then manifest, module, files, signatures', async () => {
  const pkg = await packWith([A], MANIFEST, { '/z.txt': utf8.encode('z'), '/a/b.txt': utf8.encode('ab') });
  assert.deepEqual([...pkg.subarray(0, 8)], [...MAGIC]);
  assert.equal(new DataView(pkg.buffer).getUint16(8), FORMAT_VERSION);
  assert.equal(new DataView(pkg.buffer).getUint16(10), 0);
  const view = new DataView(pkg.buffer);
  const types: number[] = [];
  for (let at = 12; at < pkg.length; at += 5 + view.getUint32(at + 1)) types.push(pkg[at]!);
  assert.deepEqual(types, [1, 2, 3, 3, 4]);
  const parsed = parsePackage(pkg);
  assert.deepEqual([...parsed.files.keys()], ['/a/b.txt', '/z.txt'], 'files sorted by path bytes');
  assert.equal(parsed.envelope.payloadType, STATEMENT_PAYLOAD_TYPE);
  assert.equal(utf8.decode(parsed.manifestBytes), canonicalJson(MANIFEST));
});

test('manifest defaults: a name and a version grant nothing else', async () => {
  const { manifest } = parsePackage(await packWith([A]));
  assert.deepEqual(manifest, {
    name: 'acme/hello', version: '1.0.0', kind: 'command', entry: '_start',
    capabilities: { files: [], env: [], clocks: false, random: false }, limits: {},
  });
  const full = { ...MANIFEST, kind: 'edge', capabilities: { files: [{ path: '/data' }, { path: '/tmp', access: 'rw' }], env: ['LANG'], clocks: true }, limits: { fuel: 1000, memory: 65536, timeoutMs: 50 } };
  const m = parsePackage(await packWith([A], full)).manifest;
  assert.deepEqual(m.capabilities.files, [{ path: '/data', access: 'ro' }, { path: '/tmp', access: 'rw' }]);
  assert.deepEqual([m.kind, m.capabilities.random, m.limits.memory], ['edge', false, 65536]);
});

test('verification returns the module, its digest, the files, the signers and the root version', async () => {
  const module = await addModule();
  const pkg = await packPackage({ module, manifest: MANIFEST, files: new Map([['/etc/app.conf', utf8.encode('x=1')]]) }, { crypto, keys: [A] });
  const v = await verifyPackage(pkg, await rootOf([A, B]), { crypto, now: NOW });
  assert.deepEqual(v.module, module);
  assert.equal(v.moduleDigest, toHex(crypto.sha256(module)));
  assert.equal(v.packageDigest, toHex(crypto.sha256(parsePackage(pkg).envelope.payload)));
  assert.deepEqual([...v.files], [['/etc/app.conf', utf8.encode('x=1')]]);
  assert.deepEqual(v.signers, [{ keyId: A.keyId }]);
  assert.equal(v.rootVersion, 1);
});

test('the verified bytes are a private copy: changing the input after the call changes nothing', async () => {
  const pkg = await packWith([A]);
  const module = parsePackage(pkg).module.slice();
  const pending = verifyPackage(pkg, await rootOf([A]), { crypto, now: NOW });
  pkg.fill(0);
  const v = await pending;
  assert.deepEqual(v.module, module);
});

test('packing is deterministic; co-signing keeps the package digest and is idempotent', async () => {
  const one = await packWith([A]);
  assert.deepEqual(await packWith([A]), one);
  const two = await signPackage(one, B, { crypto });
  assert.deepEqual(two.subarray(0, parsePackage(one).contentLength), one.subarray(0, parsePackage(one).contentLength));
  assert.deepEqual(await signPackage(two, B, { crypto }), two);
  const root = await rootOf([A, B], { packageThreshold: 2 });
  const v = await verifyPackage(two, root, { crypto, now: NOW });
  assert.deepEqual(v.signers.map((s) => s.keyId), [A.keyId, B.keyId]);
  assert.equal(v.packageDigest, (await verifyPackage(one, await rootOf([A]), { crypto, now: NOW })).packageDigest);
  const unsigned = await packWith([]);
  assert.equal((await verifyPackage(await signPackage(unsigned, A, { crypto }), await rootOf([A]), { crypto, now: NOW })).signers.length, 1);
});

test('co-signing refuses a package whose content no longer matches its statement', async () => {
  const tampered = await craft({ subjects: (s) => s.map((x, i) => (i === 0 ? { ...x, sha256: '11'.repeat(32) } : x)) });
  await rejectsWith(() => signPackage(tampered, B, { crypto }), 'PKG_DIGEST_MISMATCH');
});

test('globs: * stays inside a segment, ** crosses them, ? is one character', () => {
  const cases: [string, string, boolean][] = [
    ['**', 'acme/tools/x', true], ['*', 'acme', true], ['*', 'acme/x', false],
    ['acme/*', 'acme/hello', true], ['acme/*', 'acme/a/b', false], ['acme/**', 'acme/a/b', true],
    ['acme/h?llo', 'acme/hello', true], ['acme/h?llo', 'acme/h/llo', false], ['acme', 'acme2', false],
    ['*-beta', 'tool-beta', true], ['a*b*c*d*e*f*g', 'a'.repeat(120), false],
  ];
  for (const [p, n, want] of cases) assert.equal(globMatch(p, n), want, `${p} ~ ${n}`);
});

test('canonical JSON sorts keys, drops whitespace, and refuses floats', async () => {
  assert.equal(canonicalJson({ b: [1, { d: 'x', c: null }], a: true }), '{"a":true,"b":[1,{"c":null,"d":"x"}]}');
  await rejectsWith(() => canonicalJson({ x: 0.5 }), 'INTERNAL');
});
