/**
 * A growable byte buffer for the canonical entry encoding: unsigned LEB128 integers (minimal),
 * length-prefixed UTF-8 and bytes, big-endian float64. One writer is reused for every entry of a
 * run, so encoding allocates only when an entry is larger than any before it.
 */
const encoder = new TextEncoder();

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  /** Where the current record starts: bytes before it are room the caller may fill (a hash prefix). */
  from = 0;
  #view: DataView;

  constructor(initial = 512) {
    this.buf = new Uint8Array(initial);
    this.#view = new DataView(this.buf.buffer);
  }

  /** Starts a new record at offset `at`, leaving `at` bytes of room before it. */
  reset(at = 0): void {
    this.from = at;
    this.pos = at;
    if (at > this.buf.length) this.#room(0);
  }

  /** The bytes written since the last reset (a view: copy it before the next reset). */
  view(): Uint8Array {
    return this.buf.subarray(this.from, this.pos);
  }

  #room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.#room(1);
    this.buf[this.pos++] = v;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  uint(v: number): void {
    this.#room(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** Unsigned LEB128 of a non-negative bigint (fuel counters exceed 2^53). */
  big(v: bigint): void {
    if (v <= 0x1fffffffffffffn) {
      this.uint(Number(v));
      return;
    }
    this.#room(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  /** Length-prefixed UTF-8; ASCII (every path and rule id in practice) is copied without an encoder. */
  str(s: string): void {
    const n = s.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      this.bytes(encoder.encode(s));
      return;
    }
    this.uint(n);
    this.#room(n);
    for (let i = 0; i < n; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  bytes(b: Uint8Array): void {
    this.uint(b.length);
    this.raw(b);
  }

  raw(b: Uint8Array): void {
    this.#room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  f64(v: number): void {
    this.#room(8);
    this.#view.setFloat64(this.pos, v, false);
    this.pos += 8;
  }
}
