/**
 * The one byte writer and the one byte reader, for the two binary formats the kernel handles: the
 * Execution DNA's canonical entry encoding (src/dna/codec/) and the WebAssembly modules the
 * instrumenter reads and rewrites (src/execution/instrument/). LEB128 integers (unsigned, signed,
 * bigint), length-prefixed UTF-8 and bytes, big-endian float64.
 *
 * Both sides are hot — the recorder encodes every syscall, the instrumenter every instruction — so
 * the writer grows by doubling and is reused (encoding allocates only when a batch is larger than
 * any before it), and the reader reads in place. The reader knows nothing of either format: each
 * passes the function that turns a failed read into its own error (a malformed module is the
 * guest's fault, malformed canonical bytes the kernel's).
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Scratch for reading a big-endian float64 without a DataView per call (one costs ~60 ns).
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Writes unsigned LEB128 (minimal) of a non-negative safe integer at `b[p..]` without a bounds
 * check (the caller made room for 8 bytes); returns the new position.
 */
export function leb(b: Uint8Array, p: number, v: number): number {
  if (v < 0x80000000) {
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    return p;
  }
  while (v >= 0x80) {
    b[p++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  b[p++] = v;
  return p;
}

/** How many bytes `ByteWriter.uint(v)` writes. */
export function uintLength(v: number): number {
  let n = 1;
  while (v >= 128) { v = Math.floor(v / 128); n++; }
  return n;
}

/** How many bytes `ByteWriter.sint(v)` writes. */
export function sintLength(v: number): number {
  let n = 1;
  if (v >= 0) while (v >= 64) { v = Math.floor(v / 128); n++; }
  else while (v < -64) { v = Math.floor(v / 128); n++; }
  return n;
}

export class ByteWriter {
  /** The buffer, replaced as it grows (assign it only through `adopt`). */
  buf: Uint8Array;
  /** Bytes written so far: the next write goes to `buf[pos]`. */
  pos = 0;
  #view: DataView;

  constructor(initial = 512) {
    this.buf = new Uint8Array(Math.max(64, initial));
    this.#view = new DataView(this.buf.buffer);
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written since the last reset (a view: copy it before the next reset). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** The bytes written since the last reset, copied to an exactly sized array. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** Makes room for `n` more bytes. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.adopt(next);
  }

  /**
   * Goes on in `next`, a larger buffer holding the bytes written so far: for a caller that copies
   * them itself (the instrumenter, a slice at a time between yields).
   */
  adopt(next: Uint8Array): void {
    this.buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  /** Unsigned LEB128 (minimal) of a non-negative safe integer. */
  uint(v: number): void {
    this.room(8);
    this.pos = leb(this.buf, this.pos, v);
  }

  /** Signed LEB128 (minimal) of a safe integer. */
  sint(v: number): void {
    this.room(8);
    const buf = this.buf;
    let p = this.pos;
    if (v >= -0x80000000 && v < 0x80000000) {
      // 32-bit arithmetic shifts; the last byte is the one whose bit 6 is the sign.
      while (v >= 0x40 || v < -0x40) {
        buf[p++] = (v & 0x7f) | 0x80;
        v >>= 7;
      }
      buf[p++] = v & 0x7f;
    } else {
      for (;;) {
        const b = ((v % 128) + 128) % 128;
        v = Math.floor(v / 128);
        if ((v === 0 && b < 0x40) || (v === -1 && b >= 0x40)) {
          buf[p++] = b;
          break;
        }
        buf[p++] = b | 0x80;
      }
    }
    this.pos = p;
  }

  /** Unsigned LEB128 of a non-negative bigint (fuel counters exceed 2^53). */
  big(v: bigint): void {
    if (v <= 0x1fffffffffffffn) {
      this.uint(Number(v));
      return;
    }
    this.room(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  /**
   * Length-prefixed UTF-8; ASCII (every path and rule id in practice) is copied without an encoder.
   * A lone surrogate encodes as U+FFFD, the same bytes as `s.toWellFormed()`.
   */
  str(s: string): void {
    const n = s.length;
    // Length first (n bytes if ASCII), then copy while checking; anything else is re-done by the encoder.
    const start = this.pos;
    this.uint(n);
    this.room(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.pos = start;
        this.bytes(encoder.encode(s));
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** Length-prefixed bytes. */
  bytes(b: Uint8Array): void {
    this.uint(b.length);
    this.raw(b);
  }

  /** `b` as it is. */
  raw(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    // TypedArray#set costs more than a short loop for the few-byte fragments rendering copies.
    if (n > 64) this.buf.set(b, this.pos);
    else for (let i = 0, buf = this.buf, p = this.pos; i < n; i++) buf[p + i] = b[i]!;
    this.pos += n;
  }

  /** `src[start, end)` as it is (the instrumenter copies the module around what it changes). */
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.room(n);
    // Not `raw`'s short loop: the instrumenter's fragments run longer, and copy faster this way.
    this.buf.set(src.subarray(start, end), this.pos);
    this.pos += n;
  }

  /** A big-endian float64. */
  f64(v: number): void {
    this.room(8);
    this.#view.setFloat64(this.pos, v, false);
    this.pos += 8;
  }
}

/**
 * Why a read failed: the input ended while reading `what` ("a byte", "an integer", "8 bytes"), or
 * what it held is malformed (`what` says how: "integer too large for 32 bits").
 */
export type ReadProblem = 'truncated' | 'malformed';

/** Builds the error a reader throws for `problem` at absolute byte `at` of a range ending at `end`. */
export type ReadError = (problem: ReadProblem, what: string, at: number, end: number) => Error;

/**
 * Bounds-checked reading of `buf[pos, end)`: every read stays inside the range, and anything else
 * becomes the caller's error naming the absolute byte offset, so hostile bytes can never surface
 * as a RangeError or a silently wrong value. `pos` and `end` may be moved by the caller (to skip,
 * or to read one section or body after another with one reader).
 */
export class ByteReader {
  readonly buf: Uint8Array;
  pos: number;
  end: number;
  readonly #error: ReadError;

  constructor(buf: Uint8Array, from: number, to: number, error: ReadError) {
    this.buf = buf;
    this.pos = from;
    this.end = to;
    this.#error = error;
  }

  /** Throws the caller's error for `problem` (at `pos` unless told). */
  fail(problem: ReadProblem, what: string, at = this.pos): never {
    throw this.#error(problem, what, at, this.end);
  }

  /** Throws the caller's error for an input that ended while reading `what`. */
  truncated(what: string): never {
    return this.fail('truncated', what);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The next byte without reading it, or -1 at the end. */
  peek(): number {
    return this.pos < this.end ? this.buf[this.pos]! : -1;
  }

  /** Reads the byte `t` if it is the next one. */
  tag(t: number): boolean {
    if (this.pos < this.end && this.buf[this.pos] === t) {
      this.pos++;
      return true;
    }
    return false;
  }

  u8(): number {
    if (this.pos >= this.end) this.truncated('a byte');
    return this.buf[this.pos++]!;
  }

  /** Unsigned LEB128 of at most 8 bytes, as `ByteWriter.uint` writes a safe integer. */
  uint(): number {
    const b = this.buf;
    const end = this.end;
    let p = this.pos;
    // Up to 28 bits in int32 arithmetic, so the result is a small integer, never a heap number: a
    // double stored into `pos` would turn the field into a boxed double for every reader.
    let v = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= end) { this.pos = p; this.truncated('a byte'); }
      const x = b[p++]!;
      v |= (x & 0x7f) << shift;
      if (x < 0x80) { this.pos = p; return v; }
    }
    let scale = 2 ** 28;
    for (;;) {
      if (p >= end) { this.pos = p; this.truncated('a byte'); }
      const x = b[p++]!;
      v += (x & 0x7f) * scale;
      if (x < 0x80) { this.pos = p; return v; }
      scale *= 0x80;
      if (scale > 2 ** 49) { this.pos = p; this.fail('malformed', 'integer too long'); }
    }
  }

  /** Unsigned LEB128 of at most 32 bits, in at most 5 bytes. */
  u32(): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    if (p >= end) this.truncated('an integer');
    let byte = b[p++]!;
    if (byte < 0x80) { this.pos = p; return byte; }
    // Integer arithmetic, as in `uint`: sizes and offsets go on into `pos`.
    let v = byte & 0x7f;
    for (let shift = 7; shift < 35; shift += 7) {
      if (p >= end) { this.pos = p; this.truncated('an integer'); }
      byte = b[p++]!;
      if (byte < 0x80) {
        if (shift === 28 && byte > 0x0f) this.fail('malformed', 'integer too large for 32 bits', p - 1);
        this.pos = p;
        return (v | (byte << shift)) >>> 0;
      }
      v |= (byte & 0x7f) << shift;
    }
    return this.fail('malformed', 'integer representation too long', p - 1);
  }

  /**
   * Unsigned LEB128 of at most 64 bits, in at most 10 bytes, as a Number: exact below 2^53, which
   * covers every page count an engine accepts (memory64 stops at 2^48 pages).
   */
  u64(): number {
    let v = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = this.u8();
      v += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        if (shift === 63 && byte > 0x01) this.fail('malformed', 'integer too large for 64 bits', this.pos - 1);
        return v;
      }
    }
    return this.fail('malformed', 'integer representation too long', this.pos - 1);
  }

  /** Unsigned LEB128 of at most 10 bytes as a bigint, as `ByteWriter.big` writes it. */
  big(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8();
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
      if (shift > 63n) this.fail('malformed', 'integer too long');
    }
  }

  /** Skips a LEB128 (signed or unsigned) of at most `maxBytes` bytes. */
  skipLeb(maxBytes: number): void {
    const b = this.buf;
    let p = this.pos;
    const limit = p + maxBytes;
    for (;;) {
      if (p >= this.end) { this.pos = p; this.truncated('an integer'); }
      if (b[p++]! < 0x80) { this.pos = p; return; }
      if (p >= limit) this.fail('malformed', 'integer representation too long', p - 1);
    }
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    if (n > this.end - this.pos) this.truncated(`${n} bytes`);
    this.pos += n;
  }

  /** The next `n` bytes, copied. */
  raw(n: number): Uint8Array {
    if (n > this.end - this.pos) this.truncated(`${n} bytes`);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Length-prefixed bytes, copied. */
  bytes(): Uint8Array {
    return this.raw(this.uint());
  }

  /** Length-prefixed UTF-8. */
  str(): string {
    const n = this.uint();
    if (n > this.end - this.pos) this.truncated(`${n} bytes`);
    const buf = this.buf;
    let s = '';
    let ascii = true;
    for (let i = this.pos; i < this.pos + n; i++) {
      if (buf[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) for (let i = this.pos; i < this.pos + n; i++) s += String.fromCharCode(buf[i]!);
    else s = decoder.decode(buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  /** A big-endian float64. */
  f64(): number {
    if (8 > this.end - this.pos) this.truncated('8 bytes');
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < 8; i++) F64_BYTES[LITTLE_ENDIAN ? 7 - i : i] = buf[p + i]!;
    this.pos = p + 8;
    return F64[0]!;
  }
}
