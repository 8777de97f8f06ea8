/**
 * The trace's hand-written SHA-256 against the FIPS 180-2 / NIST example vectors, and against
 * noble and node:crypto for any input split into any chunks (property); the chain link and the
 * RFC 6962 node hash against their definitions; and outputs written into shared buffers.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { sha256 as noble } from '@noble/hashes/sha2.js';
import { Sha256 } from '../../src/crypto/sha256.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const native = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
const ascii = (s: string) => new TextEncoder().encode(s);

test('the NIST example messages hash to the published digests', () => {
  const h = new Sha256();
  const vectors: [Uint8Array, string][] = [
    [ascii(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    [ascii('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
    [ascii('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'), 'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1'],
    [new Uint8Array(1_000_000).fill(0x61), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
  ];
  for (const [m, digest] of vectors) assert.equal(hex(h.digest(m)), digest, `${m.length} bytes`);
});

test('every length around the block and padding boundaries agrees with node:crypto', () => {
  const h = new Sha256();
  for (let n = 0; n <= 300; n++) {
    const m = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
    assert.equal(hex(h.digest(m)), hex(native(m)), `${n} bytes`);
  }
});

test('any message, split into any chunks, hashes as noble and node:crypto do (property)', () => {
  const h = new Sha256();
  fc.assert(fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat(700), { maxLength: 6 }), (m, cuts) => {
    const at = [...new Set(cuts.map((c) => c % (m.length + 1)))].sort((a, b) => a - b);
    h.reset();
    let from = 0;
    for (const c of [...at, m.length]) {
      h.update(m, from, c);
      from = c;
    }
    const out = new Uint8Array(40);
    h.finish(out, 5);
    const got = hex(out.subarray(5, 37));
    assert.equal(got, hex(noble(m)));
    assert.equal(got, hex(native(m)));
    assert.deepEqual([...out.subarray(0, 5), ...out.subarray(37)], [0, 0, 0, 0, 0, 0, 0, 0], 'nothing written outside the digest');
  }), { numRuns: 300 });
});

test('the chain link is SHA-256(0x00 ‖ prev ‖ entry) and the node SHA-256(0x01 ‖ left ‖ right), read from and written into shared buffers (property)', () => {
  const h = new Sha256();
  fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(40), (prev, entry, right, pad) => {
    const buf = new Uint8Array(pad + 32 + entry.length + 64);
    buf.set(prev, pad);
    buf.set(entry, pad + 32);
    const out = new Uint8Array(64);
    h.linkInto(buf, pad, buf, pad + 32, pad + 32 + entry.length, out, 16);
    assert.equal(hex(out.subarray(16, 48)), hex(native(Uint8Array.of(0), prev, entry)));
    const nodes = new Uint8Array(96);
    nodes.set(prev, 0);
    nodes.set(right, 32);
    h.nodeInto(nodes, 0, nodes, 32, nodes, 0);
    assert.equal(hex(nodes.subarray(0, 32)), hex(native(Uint8Array.of(1), prev, right)), 'in place, over its own left input');
    assert.equal(hex(h.digest(prev, entry, right)), hex(native(prev, entry, right)));
  }), { numRuns: 300 });
});
