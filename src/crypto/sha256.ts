/**
 * SHA-256 (FIPS 180-4), written out for the trace's hot path: one chain link (two blocks) and, on
 * average, one Merkle node (two blocks) per entry. A general-purpose hash spends more per call on
 * setting itself up than on these blocks (noble: ~0.9 µs per 100-byte call, of which the two
 * compressions are ~0.5), so this one keeps its state and block buffer preallocated, reads input
 * straight from the caller's buffers, writes the digest into the caller's buffer, and allocates
 * nothing per call. The compression keeps the message schedule in sixteen locals and runs sixteen
 * rounds per loop turn (the role rotation then lines up again); tested against the NIST vectors,
 * noble and node:crypto (test/dna/sha256.test.ts).
 */
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/**
 * One compression: the 64-byte block at `m[o..o+64)` into state `s`. Written out rather than
 * through small helpers: the body is past V8's inlining budget, and a call per σ costs ~5×.
 */
function compress(s: Int32Array, m: Uint8Array, o: number): void {
  let w0 = (m[o + 0]! << 24) | (m[o + 1]! << 16) | (m[o + 2]! << 8) | m[o + 3]!;
  let w1 = (m[o + 4]! << 24) | (m[o + 5]! << 16) | (m[o + 6]! << 8) | m[o + 7]!;
  let w2 = (m[o + 8]! << 24) | (m[o + 9]! << 16) | (m[o + 10]! << 8) | m[o + 11]!;
  let w3 = (m[o + 12]! << 24) | (m[o + 13]! << 16) | (m[o + 14]! << 8) | m[o + 15]!;
  let w4 = (m[o + 16]! << 24) | (m[o + 17]! << 16) | (m[o + 18]! << 8) | m[o + 19]!;
  let w5 = (m[o + 20]! << 24) | (m[o + 21]! << 16) | (m[o + 22]! << 8) | m[o + 23]!;
  let w6 = (m[o + 24]! << 24) | (m[o + 25]! << 16) | (m[o + 26]! << 8) | m[o + 27]!;
  let w7 = (m[o + 28]! << 24) | (m[o + 29]! << 16) | (m[o + 30]! << 8) | m[o + 31]!;
  let w8 = (m[o + 32]! << 24) | (m[o + 33]! << 16) | (m[o + 34]! << 8) | m[o + 35]!;
  let w9 = (m[o + 36]! << 24) | (m[o + 37]! << 16) | (m[o + 38]! << 8) | m[o + 39]!;
  let w10 = (m[o + 40]! << 24) | (m[o + 41]! << 16) | (m[o + 42]! << 8) | m[o + 43]!;
  let w11 = (m[o + 44]! << 24) | (m[o + 45]! << 16) | (m[o + 46]! << 8) | m[o + 47]!;
  let w12 = (m[o + 48]! << 24) | (m[o + 49]! << 16) | (m[o + 50]! << 8) | m[o + 51]!;
  let w13 = (m[o + 52]! << 24) | (m[o + 53]! << 16) | (m[o + 54]! << 8) | m[o + 55]!;
  let w14 = (m[o + 56]! << 24) | (m[o + 57]! << 16) | (m[o + 58]! << 8) | m[o + 59]!;
  let w15 = (m[o + 60]! << 24) | (m[o + 61]! << 16) | (m[o + 62]! << 8) | m[o + 63]!;
  let a = s[0]!, b = s[1]!, c = s[2]!, d = s[3]!, e = s[4]!, f = s[5]!, g = s[6]!, h = s[7]!, t = 0, x = 0, y = 0;
  for (let i = 0; ; i += 16) {
    t = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + K[i + 0]! + w0) | 0;
    d = (d + t) | 0;
    h = (t + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
    t = (g + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) + (f ^ (d & (e ^ f))) + K[i + 1]! + w1) | 0;
    c = (c + t) | 0;
    g = (t + (((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) + ((h & a) | (b & (h | a)))) | 0;
    t = (f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) + (e ^ (c & (d ^ e))) + K[i + 2]! + w2) | 0;
    b = (b + t) | 0;
    f = (t + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & h) | (a & (g | h)))) | 0;
    t = (e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) + (d ^ (b & (c ^ d))) + K[i + 3]! + w3) | 0;
    a = (a + t) | 0;
    e = (t + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (h & (f | g)))) | 0;
    t = (d + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) + (c ^ (a & (b ^ c))) + K[i + 4]! + w4) | 0;
    h = (h + t) | 0;
    d = (t + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f)))) | 0;
    t = (c + (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7))) + (b ^ (h & (a ^ b))) + K[i + 5]! + w5) | 0;
    g = (g + t) | 0;
    c = (t + (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e)))) | 0;
    t = (b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) + (a ^ (g & (h ^ a))) + K[i + 6]! + w6) | 0;
    f = (f + t) | 0;
    b = (t + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d)))) | 0;
    t = (a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) + (h ^ (f & (g ^ h))) + K[i + 7]! + w7) | 0;
    e = (e + t) | 0;
    a = (t + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c)))) | 0;
    t = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + K[i + 8]! + w8) | 0;
    d = (d + t) | 0;
    h = (t + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
    t = (g + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) + (f ^ (d & (e ^ f))) + K[i + 9]! + w9) | 0;
    c = (c + t) | 0;
    g = (t + (((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) + ((h & a) | (b & (h | a)))) | 0;
    t = (f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) + (e ^ (c & (d ^ e))) + K[i + 10]! + w10) | 0;
    b = (b + t) | 0;
    f = (t + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & h) | (a & (g | h)))) | 0;
    t = (e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) + (d ^ (b & (c ^ d))) + K[i + 11]! + w11) | 0;
    a = (a + t) | 0;
    e = (t + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (h & (f | g)))) | 0;
    t = (d + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) + (c ^ (a & (b ^ c))) + K[i + 12]! + w12) | 0;
    h = (h + t) | 0;
    d = (t + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f)))) | 0;
    t = (c + (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7))) + (b ^ (h & (a ^ b))) + K[i + 13]! + w13) | 0;
    g = (g + t) | 0;
    c = (t + (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e)))) | 0;
    t = (b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) + (a ^ (g & (h ^ a))) + K[i + 14]! + w14) | 0;
    f = (f + t) | 0;
    b = (t + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d)))) | 0;
    t = (a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) + (h ^ (f & (g ^ h))) + K[i + 15]! + w15) | 0;
    e = (e + t) | 0;
    a = (t + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c)))) | 0;
    if (i === 48) break;
    x = w1; y = w14;
    w0 = (w0 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w9 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w2; y = w15;
    w1 = (w1 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w10 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w3; y = w0;
    w2 = (w2 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w11 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w4; y = w1;
    w3 = (w3 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w12 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w5; y = w2;
    w4 = (w4 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w13 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w6; y = w3;
    w5 = (w5 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w14 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w7; y = w4;
    w6 = (w6 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w15 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w8; y = w5;
    w7 = (w7 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w0 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w9; y = w6;
    w8 = (w8 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w1 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w10; y = w7;
    w9 = (w9 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w2 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w11; y = w8;
    w10 = (w10 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w3 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w12; y = w9;
    w11 = (w11 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w4 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w13; y = w10;
    w12 = (w12 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w5 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w14; y = w11;
    w13 = (w13 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w6 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w15; y = w12;
    w14 = (w14 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w7 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    x = w0; y = w13;
    w15 = (w15 + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w8 + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
  }
  s[0] = (s[0]! + a) | 0; s[1] = (s[1]! + b) | 0; s[2] = (s[2]! + c) | 0; s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0; s[5] = (s[5]! + f) | 0; s[6] = (s[6]! + g) | 0; s[7] = (s[7]! + h) | 0;
}

/**
 * A node hash's second block is fixed but for its first byte (the right child's last byte, then
 * 0x80, zeros and the length, 520 bits), so its message schedule is one of 256: kept here, added
 * to the round constants, it spares the block its schedule (~40% of a compression).
 */
const NODE_TAIL_KW = (() => {
  const kw = new Int32Array(256 * 64);
  const w = new Int32Array(64);
  for (let b = 0; b < 256; b++) {
    w.fill(0);
    w[0] = (b << 24) | (0x80 << 16);
    w[15] = 520;
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      w[i] = (w[i - 16]! + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w[i - 7]! + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    }
    for (let i = 0; i < 64; i++) kw[b * 64 + i] = (K[i]! + w[i]!) | 0;
  }
  return kw;
})();

/** One compression whose round constants and message schedule are summed in `kw[i..i+64)`. */
function compressScheduled(s: Int32Array, kw: Int32Array, from: number): void {
  let a = s[0]!, b = s[1]!, c = s[2]!, d = s[3]!, e = s[4]!, f = s[5]!, g = s[6]!, h = s[7]!, t = 0;
  for (let i = from; i < from + 64; i += 8) {
    t = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + kw[i + 0]!) | 0;
    d = (d + t) | 0;
    h = (t + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
    t = (g + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) + (f ^ (d & (e ^ f))) + kw[i + 1]!) | 0;
    c = (c + t) | 0;
    g = (t + (((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) + ((h & a) | (b & (h | a)))) | 0;
    t = (f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) + (e ^ (c & (d ^ e))) + kw[i + 2]!) | 0;
    b = (b + t) | 0;
    f = (t + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & h) | (a & (g | h)))) | 0;
    t = (e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) + (d ^ (b & (c ^ d))) + kw[i + 3]!) | 0;
    a = (a + t) | 0;
    e = (t + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (h & (f | g)))) | 0;
    t = (d + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) + (c ^ (a & (b ^ c))) + kw[i + 4]!) | 0;
    h = (h + t) | 0;
    d = (t + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f)))) | 0;
    t = (c + (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7))) + (b ^ (h & (a ^ b))) + kw[i + 5]!) | 0;
    g = (g + t) | 0;
    c = (t + (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e)))) | 0;
    t = (b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) + (a ^ (g & (h ^ a))) + kw[i + 6]!) | 0;
    f = (f + t) | 0;
    b = (t + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d)))) | 0;
    t = (a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) + (h ^ (f & (g ^ h))) + kw[i + 7]!) | 0;
    e = (e + t) | 0;
    a = (t + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c)))) | 0;
  }
  s[0] = (s[0]! + a) | 0; s[1] = (s[1]! + b) | 0; s[2] = (s[2]! + c) | 0; s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0; s[5] = (s[5]! + f) | 0; s[6] = (s[6]! + g) | 0; s[7] = (s[7]! + h) | 0;
}

/**
 * A reusable SHA-256. Streaming: `reset`, `update` any number of times, `finish` into a buffer.
 * `digest`, `linkInto` and `nodeInto` each hash one whole message and start from a fresh state.
 */
export class Sha256 {
  readonly #s = new Int32Array(8);
  readonly #blk = new Uint8Array(64);
  #fill = 0;
  #len = 0;

  constructor() {
    this.reset();
  }

  reset(): this {
    this.#s.set(IV);
    this.#fill = 0;
    this.#len = 0;
    return this;
  }

  /** Absorbs `m[from..to)`; whole blocks are compressed straight from `m`. */
  update(m: Uint8Array, from = 0, to = m.length): this {
    const blk = this.#blk;
    let f = this.#fill;
    this.#len += to - from;
    if (f > 0) {
      while (f < 64 && from < to) blk[f++] = m[from++]!;
      if (f < 64) {
        this.#fill = f;
        return this;
      }
      compress(this.#s, blk, 0);
      f = 0;
    }
    for (; to - from >= 64; from += 64) compress(this.#s, m, from);
    while (from < to) blk[f++] = m[from++]!;
    this.#fill = f;
    return this;
  }

  /** Pads and writes the 32-byte digest of what was absorbed at `out[at..at+32)`. */
  finish(out: Uint8Array, at = 0): void {
    const blk = this.#blk;
    const s = this.#s;
    let f = this.#fill;
    blk[f++] = 0x80;
    if (f > 56) {
      while (f < 64) blk[f++] = 0;
      compress(s, blk, 0);
      f = 0;
    }
    while (f < 56) blk[f++] = 0;
    const hi = Math.floor(this.#len / 0x20000000);
    const lo = (this.#len << 3) >>> 0;
    blk[56] = hi >>> 24; blk[57] = hi >>> 16; blk[58] = hi >>> 8; blk[59] = hi;
    blk[60] = lo >>> 24; blk[61] = lo >>> 16; blk[62] = lo >>> 8; blk[63] = lo;
    compress(s, blk, 0);
    for (let i = 0; i < 8; i++, at += 4) {
      const v = s[i]!;
      out[at] = v >>> 24; out[at + 1] = v >>> 16; out[at + 2] = v >>> 8; out[at + 3] = v;
    }
  }

  /** SHA-256 of the concatenation of the parts: a fresh 32-byte array. */
  digest(a: Uint8Array, b?: Uint8Array, c?: Uint8Array): Uint8Array {
    const out = new Uint8Array(32);
    this.reset().update(a);
    if (b !== undefined) this.update(b);
    if (c !== undefined) this.update(c);
    this.finish(out);
    return out;
  }

  /** SHA-256(0x00 ‖ p[pAt..pAt+32) ‖ m[from..to)) into `out[at..]`: the trace's chain link, also an RFC 6962 leaf hash. */
  linkInto(p: Uint8Array, pAt: number, m: Uint8Array, from: number, to: number, out: Uint8Array, at: number): void {
    const blk = this.#blk;
    this.#s.set(IV);
    this.#len = 33;
    blk[0] = 0x00;
    for (let i = 0; i < 32; i++) blk[i + 1] = p[pAt + i]!;
    this.#fill = 33;
    this.update(m, from, to);
    this.finish(out, at);
  }

  /** RFC 6962 node hash SHA-256(0x01 ‖ l[lAt..lAt+32) ‖ r[rAt..rAt+32)) into `out[at..]` (which may overlap either input). */
  nodeInto(l: Uint8Array, lAt: number, r: Uint8Array, rAt: number, out: Uint8Array, at: number): void {
    const blk = this.#blk;
    const s = this.#s;
    s.set(IV);
    blk[0] = 0x01;
    for (let i = 0; i < 32; i++) blk[i + 1] = l[lAt + i]!;
    for (let i = 0; i < 31; i++) blk[i + 33] = r[rAt + i]!;
    compress(s, blk, 0);
    compressScheduled(s, NODE_TAIL_KW, r[rAt + 31]! * 64);
    for (let i = 0; i < 8; i++, at += 4) {
      const v = s[i]!;
      out[at] = v >>> 24; out[at + 1] = v >>> 16; out[at + 2] = v >>> 8; out[at + 3] = v;
    }
  }
}
