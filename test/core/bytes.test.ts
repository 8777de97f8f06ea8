/**
 * The one byte writer and reader (src/lib/bytes.ts) on their own: every integer form round-trips
 * and is minimal, the length helpers agree with what is written, and a failed read reaches the
 * caller's error with the problem and the absolute offset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteReader, ByteWriter, sintLength, uintLength, type ReadProblem } from '../../src/lib/bytes.ts';

class ReadFailed extends Error {
  readonly problem: ReadProblem;
  readonly what: string;
  readonly at: number;
  constructor(problem: ReadProblem, what: string, at: number) {
    super(`${problem} ${what} at ${at}`);
    this.problem = problem;
    this.what = what;
    this.at = at;
  }
}
const reader = (b: Uint8Array, from = 0, to = b.length) => new ByteReader(b, from, to, (p, w, at) => new ReadFailed(p, w, at));

/** Signed LEB128 decoded the long way, as the WebAssembly spec defines it. */
function decodeSigned(b: Uint8Array): bigint {
  let v = 0n;
  let shift = 0n;
  for (const x of b) {
    v |= BigInt(x & 0x7f) << shift;
    shift += 7n;
    if (x < 0x80) return x & 0x40 ? v - (1n << shift) : v;
  }
  throw new Error('unterminated');
}

test('uint: every safe integer round-trips, minimal, in uintLength bytes; u32 and u64 read what fits them', () => {
  fc.assert(fc.property(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer({ min: 0, max: 2 ** 32 - 1 })), (v) => {
    const w = new ByteWriter(8);
    w.uint(v);
    const b = w.finish();
    assert.equal(b.length, uintLength(v));
    if (b.length > 1) assert.notEqual(b[b.length - 1], 0, 'minimal: no trailing zero group');
    assert.equal(reader(b).uint(), v);
    if (v < 2 ** 32) assert.equal(reader(b).u32(), v);
    assert.equal(reader(b).u64(), v);
  }), { numRuns: 2000 });
});

test('sint: every safe integer, negative ones too, is minimal signed LEB128 in sintLength bytes', () => {
  for (const v of [0, 1, 63, 64, -1, -64, -65, 127, 128, -128, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
    const w = new ByteWriter();
    w.sint(v);
    assert.equal(decodeSigned(w.finish()), BigInt(v), String(v));
    assert.equal(w.pos, sintLength(v), `length of ${v}`);
  }
  fc.assert(fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (v) => {
    const w = new ByteWriter();
    w.sint(v);
    const b = w.finish();
    assert.equal(decodeSigned(b), BigInt(v));
    assert.equal(b.length, sintLength(v));
    // Minimal: the fewest 7-bit groups whose two's complement holds v.
    let n = 1;
    while (BigInt(v) < -(1n << BigInt(7 * n - 1)) || BigInt(v) >= 1n << BigInt(7 * n - 1)) n++;
    assert.equal(b.length, n);
  }), { numRuns: 2000 });
});

test('big, str, bytes, f64 and copy round-trip; the writer grows, through adopt too', () => {
  const w = new ByteWriter(64);
  const big = 2n ** 64n - 1n;
  w.big(big); w.big(5n); w.str('/data/ascii'); w.str('é ✓ 😀'); w.bytes(Uint8Array.of(1, 2, 3)); w.f64(-0.1); w.f64(99.5);
  const src = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  w.copy(src, 10, 290);
  const grown = new Uint8Array(w.buf.length * 4);
  grown.set(w.view());
  w.adopt(grown);
  w.f64(1.5);
  const r = reader(w.finish());
  assert.equal(r.big(), big);
  assert.equal(r.big(), 5n);
  assert.equal(r.str(), '/data/ascii');
  assert.equal(r.str(), 'é ✓ 😀');
  assert.deepEqual([...r.bytes()], [1, 2, 3]);
  assert.equal(r.f64(), -0.1);
  assert.equal(r.f64(), 99.5);
  assert.deepEqual(r.raw(280), src.subarray(10, 290));
  assert.equal(r.f64(), 1.5);
  assert.ok(r.done);
});

test('a failed read reaches the caller\'s error: the problem, what was being read, the absolute offset', () => {
  const fails = (fn: () => unknown, problem: ReadProblem, what: string, at: number) =>
    assert.throws(fn, (e: unknown) => e instanceof ReadFailed && e.problem === problem && e.what === what && e.at === at);
  const b = Uint8Array.of(0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);
  fails(() => reader(b, 9, 9).u8(), 'truncated', 'a byte', 9);
  fails(() => reader(b, 1, 3).u32(), 'truncated', 'an integer', 3);
  fails(() => reader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)).u32(), 'malformed', 'integer too large for 32 bits', 4);
  fails(() => reader(b).u32(), 'malformed', 'integer representation too long', 4);
  fails(() => reader(b).uint(), 'malformed', 'integer too long', 8);
  fails(() => reader(b, 2, 6).skip(5), 'truncated', '5 bytes', 2);
  fails(() => reader(Uint8Array.of(5, 1, 2)).str(), 'truncated', '5 bytes', 1);
});
