/**
 * Bounds-checked reading of WebAssembly's binary encoding. Every read stays inside `[pos, end)`;
 * anything else becomes a KernelError PKG_INVALID_WASM naming the absolute byte offset, so hostile
 * bytes can never surface as a RangeError or a silently wrong value.
 */
import { KernelError } from '../../errors.ts';
import { checkLimit, type ModuleLimit } from './limits.ts';

/** @throws KernelError PKG_INVALID_WASM, always: `message` at absolute byte `offset`. */
export function invalid(message: string, offset: number): never {
  throw new KernelError('PKG_INVALID_WASM', `invalid WebAssembly module at byte ${offset}: ${message}`, { offset });
}

export class Reader {
  readonly bytes: Uint8Array;
  pos: number;
  end: number;

  constructor(bytes: Uint8Array, pos: number, end: number) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  /** @throws KernelError PKG_INVALID_WASM when no byte is left */
  u8(): number {
    if (this.pos >= this.end) this.truncated('a byte');
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 of at most 32 bits. @throws KernelError PKG_INVALID_WASM */
  u32(): number {
    const b = this.bytes;
    let p = this.pos;
    const end = this.end;
    if (p >= end) this.truncated('an integer');
    let byte = b[p++]!;
    if (byte < 0x80) { this.pos = p; return byte; }
    let v = byte & 0x7f;
    for (let shift = 7; shift < 35; shift += 7) {
      if (p >= end) { this.pos = p; this.truncated('an integer'); }
      byte = b[p++]!;
      v += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        if (shift === 28 && byte > 0x0f) invalid('integer too large for 32 bits', p - 1);
        this.pos = p;
        return v;
      }
    }
    return invalid('integer representation too long', p - 1);
  }

  /**
   * Unsigned LEB128 of at most 64 bits, as a Number: exact below 2^53, which covers every page
   * count an engine accepts (memory64 stops at 2^48 pages). @throws KernelError PKG_INVALID_WASM
   */
  u64(): number {
    let v = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = this.u8();
      v += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        if (shift === 63 && byte > 0x01) invalid('integer too large for 64 bits', this.pos - 1);
        return v;
      }
    }
    return invalid('integer representation too long', this.pos - 1);
  }

  /** Skips a LEB128 (signed or unsigned) of at most `maxBytes` bytes. @throws KernelError PKG_INVALID_WASM */
  skipLeb(maxBytes: number): void {
    const b = this.bytes;
    let p = this.pos;
    const limit = p + maxBytes;
    for (;;) {
      if (p >= this.end) { this.pos = p; this.truncated('an integer'); }
      if (b[p++]! < 0x80) { this.pos = p; return; }
      if (p >= limit) invalid('integer representation too long', p - 1);
    }
  }

  /** Skips `n` raw bytes. @throws KernelError PKG_INVALID_WASM */
  skip(n: number): void {
    if (n > this.end - this.pos) this.truncated(`${n} bytes`);
    this.pos += n;
  }

  /** A value type, including the two-part `(ref null? ht)` forms. @throws KernelError PKG_INVALID_WASM */
  valType(): void {
    const t = this.u8();
    if (t === 0x63 || t === 0x64) this.skipLeb(5);
  }

  /**
   * A vector count that cannot claim more entries than bytes remain, nor (checked first, so a bare
   * count is refused as such) more than `limit` allows.
   * @throws KernelError WASM_LIMIT_EXCEEDED, PKG_INVALID_WASM
   */
  count(what: string, limit?: ModuleLimit): number {
    const at = this.pos;
    const n = this.u32();
    if (limit !== undefined) checkLimit(limit, n, at);
    if (n > this.end - this.pos) invalid(`${what} count ${n} exceeds the ${this.end - this.pos} bytes that remain`, at);
    return n;
  }

  truncated(what: string): never {
    return invalid(`unexpected end while reading ${what} (the enclosing section or body ends at byte ${this.end})`, this.pos);
  }
}
