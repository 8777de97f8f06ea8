/**
 * The primitives of the canonical entry encoding — unsigned LEB128 integers (minimal),
 * length-prefixed UTF-8 and bytes, big-endian float64 — written into a growable buffer and read
 * back. The recorder reuses one writer for a whole batch of entries, so encoding allocates only
 * when a batch is larger than any before it.
 */
import { KernelError } from '../errors.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

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

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  #view: DataView;

  constructor(initial = 512) {
    this.buf = new Uint8Array(initial);
    this.#view = new DataView(this.buf.buffer);
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written since the last reset (a view: copy it before the next reset). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** Makes room for `n` more bytes. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  uint(v: number): void {
    this.room(8);
    this.pos = leb(this.buf, this.pos, v);
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
   * A lone surrogate encodes as U+FFFD, the same bytes as the string `wellFormed` returns.
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

  bytes(b: Uint8Array): void {
    this.uint(b.length);
    this.raw(b);
  }

  raw(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    // TypedArray#set costs more than a short loop for the few-byte fragments rendering copies.
    if (n > 64) this.buf.set(b, this.pos);
    else for (let i = 0, buf = this.buf, p = this.pos; i < n; i++) buf[p + i] = b[i]!;
    this.pos += n;
  }

  f64(v: number): void {
    this.room(8);
    this.#view.setFloat64(this.pos, v, false);
    this.pos += 8;
  }
}

/** Reads what a ByteWriter wrote — the recorder's own bytes, so a malformed one is a kernel bug. */
export class ByteReader {
  readonly #buf: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, from = 0, to = buf.length) {
    this.#buf = buf;
    this.pos = from;
    this.end = to;
  }

  #fail(what: string): never {
    throw new KernelError('INTERNAL', `DNA: malformed canonical entry (${what} at byte ${this.pos})`);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  peek(): number {
    return this.pos < this.end ? this.#buf[this.pos]! : -1;
  }

  u8(): number {
    if (this.pos >= this.end) this.#fail('end of entry');
    return this.#buf[this.pos++]!;
  }

  uint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
      if (scale > 2 ** 49) this.#fail('integer too long');
    }
  }

  big(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8();
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
      if (shift > 63n) this.#fail('integer too long');
    }
  }

  raw(n: number): Uint8Array {
    if (this.pos + n > this.end) this.#fail('end of entry');
    const out = this.#buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bytes(): Uint8Array {
    return this.raw(this.uint());
  }

  str(): string {
    const n = this.uint();
    if (this.pos + n > this.end) this.#fail('end of entry');
    const buf = this.#buf;
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

  f64(): number {
    const b = this.raw(8);
    return new DataView(b.buffer).getFloat64(0, false);
  }
}
