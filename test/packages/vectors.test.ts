/**
 * Published vectors: RFC 8032 §7.1 Ed25519 (TEST 1, 2, 3, SHA(abc)), NIST SHA-256 (FIPS 180-2
 * examples and the CAVP short-message zero-length case), and a cross-check of noble against
 * WebCrypto (node:crypto's webcrypto) in both directions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import { fromHex, toHex, utf8 } from '../../src/lib/encoding.ts';
import { keyPairFromSecret } from '../../src/crypto/keys.ts';
import { nodeCrypto } from '../../platform/node/crypto.ts';

const RFC8032 = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST SHA(abc)',
    secret: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    public: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature: 'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
];

const h = (s: string) => fromHex(s)!;
const webVerify = nodeCrypto.verifyEd25519!;

for (const v of RFC8032) {
  test(`RFC 8032 ${v.name}: key, signature and verification (noble and WebCrypto)`, async () => {
    const pair = keyPairFromSecret(h(v.secret));
    assert.equal(toHex(pair.publicKey), v.public);
    const sig = await nobleCrypto.signEd25519(h(v.message), h(v.secret));
    assert.equal(toHex(sig), v.signature);
    assert.equal(await nobleCrypto.verifyEd25519(h(v.signature), h(v.message), h(v.public)), true);
    assert.equal(await webVerify(h(v.signature), h(v.message), h(v.public)), true);
    const bad = h(v.signature);
    bad[0]! ^= 1;
    assert.equal(await nobleCrypto.verifyEd25519(bad, h(v.message), h(v.public)), false);
    assert.equal(await webVerify(bad, h(v.message), h(v.public)), false);
  });
}

test('RFC 8032 TEST SHA(abc): the message is SHA-512("abc")', async () => {
  const { sha512 } = await import('@noble/hashes/sha2.js');
  assert.equal(toHex(sha512(utf8.encode('abc'))), RFC8032[3]!.message);
});

const NIST_SHA256 = [
  ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ['abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu', 'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1'],
] as const;

for (const [msg, digest] of NIST_SHA256) {
  test(`NIST SHA-256 of ${msg.length * 8}-bit message "${msg.slice(0, 12)}${msg.length > 12 ? '…' : ''}"`, () => {
    assert.equal(toHex(nobleCrypto.sha256(utf8.encode(msg))), digest);
  });
}

test('NIST SHA-256 of one million "a"', () => {
  assert.equal(toHex(nobleCrypto.sha256(new Uint8Array(1_000_000).fill(0x61))), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
});

test('cross-check: noble SHA-256 equals WebCrypto SHA-256 on random lengths 0..5000', async () => {
  for (let i = 0; i < 60; i++) {
    const data = nobleCrypto.randomBytes(Math.floor(Math.random() * 5000));
    const web = new Uint8Array(await webcrypto.subtle.digest('SHA-256', data));
    assert.equal(toHex(nobleCrypto.sha256(data)), toHex(web));
  }
});

test('cross-check: noble signs what WebCrypto verifies, WebCrypto signs what noble verifies', async () => {
  for (let i = 0; i < 25; i++) {
    const msg = nobleCrypto.randomBytes(i * 37);
    const secret = nobleCrypto.randomBytes(32);
    const pub = ed.getPublicKey(secret);
    const nobleSig = await nobleCrypto.signEd25519(msg, secret);
    assert.equal(await webVerify(nobleSig, msg, pub), true, 'WebCrypto verifies noble');

    const pair = await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']) as unknown as CryptoKeyPair;
    const rawPub = new Uint8Array(await webcrypto.subtle.exportKey('raw', pair.publicKey));
    const webSig = new Uint8Array(await webcrypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, msg));
    assert.equal(await nobleCrypto.verifyEd25519(webSig, msg, rawPub), true, 'noble verifies WebCrypto');
    // Ed25519 is deterministic: the same seed gives the same signature in both.
    const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', pair.privateKey));
    const seed = pkcs8.subarray(pkcs8.length - 32);
    assert.equal(toHex(await nobleCrypto.signEd25519(msg, seed)), toHex(webSig), 'same seed, same signature');

    const tampered = msg.length ? Uint8Array.from(msg, (b, j) => (j === 0 ? b ^ 1 : b)) : Uint8Array.of(1);
    assert.equal(await nobleCrypto.verifyEd25519(webSig, tampered, rawPub), false);
    assert.equal(await webVerify(nobleSig, tampered, pub), false);
  }
});
