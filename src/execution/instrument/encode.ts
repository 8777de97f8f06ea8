/**
 * Writing the rewritten module: a growable byte buffer, LEB128 encoders, and the two instruction
 * sequences that instrumentation splices into function bodies.
 */

/** The name under which an instrumented module exports its fuel counter (a mutable i64 global). */
export const FUEL_EXPORT = '__forge_fuel';

/**
 * Memory `i` that the module does not export itself is exported as `__forge_memory_i`, so the host
 * can measure every memory (container.ts: peakMemoryBytes). Names with this prefix are reserved.
 */
export const MEMORY_EXPORT_PREFIX = '__forge_memory_';

/** Bulk memory and table operations are charged one unit of fuel per this many bytes or elements. */
export const BULK_UNIT_SHIFT = 4;

export class Writer {
  buf: Uint8Array;
  len = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(64, capacity));
  }

  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  bytes(src: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    this.buf.set(src.subarray(start, end), this.len);
    this.len += end - start;
  }

  /** Unsigned LEB128 of any safe integer (u32 indices and sizes, u64 page counts). */
  u32(v: number): void {
    this.reserve(8);
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.buf[this.len++] = b;
    } while (v !== 0);
  }

  /** Signed LEB128 of a non-negative integer below 2^53. */
  s64(v: number): void {
    this.reserve(10);
    for (;;) {
      const b = v % 128;
      v = Math.floor(v / 128);
      if (v === 0 && b < 0x40) { this.buf[this.len++] = b; return; }
      this.buf[this.len++] = b | 0x80;
    }
  }

  /** The written bytes, copied to an exactly sized array. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export function u32Len(v: number): number {
  let n = 1;
  while (v >= 128) { v = Math.floor(v / 128); n++; }
  return n;
}

export function s64Len(v: number): number {
  let n = 1;
  while (v >= 64) { v = Math.floor(v / 128); n++; }
  return n;
}

/**
 * Charges `cost` units: `global.get F; i64.const cost; i64.sub; local.tee T; global.set F;
 * local.get T; i64.const 0; i64.lt_s; if; unreachable; end`. The `if` closes at once, so no
 * branch depth of the surrounding code changes; the stack is left as it was found.
 */
export function chargeLen(cost: number, globalLen: number, tmpLen: number): number {
  return 13 + s64Len(cost) + 2 * globalLen + 2 * tmpLen;
}

export function writeCharge(w: Writer, cost: number, fuel: number, tmp64: number): void {
  w.byte(0x23); w.u32(fuel);
  w.byte(0x42); w.s64(cost);
  w.byte(0x7d);
  writeSpendTail(w, fuel, tmp64);
}

/** `local.tee T; global.set F; local.get T; i64.const 0; i64.lt_s; if; unreachable; end` */
function writeSpendTail(w: Writer, fuel: number, tmp64: number): void {
  w.byte(0x22); w.u32(tmp64);
  w.byte(0x24); w.u32(fuel);
  w.byte(0x20); w.u32(tmp64);
  w.reserve(7);
  const b = w.buf;
  let n = w.len;
  b[n++] = 0x42; b[n++] = 0x00; b[n++] = 0x53; b[n++] = 0x04; b[n++] = 0x40; b[n++] = 0x00; b[n++] = 0x0b;
  w.len = n;
}

/**
 * Charges a bulk operation by its length operand, which sits on top of the stack and stays there:
 * `local.tee N; global.get F; local.get N; [i64.extend_i32_u]; i64.const SHIFT; i64.shr_u; i64.sub;`
 * then the same tail as a fixed charge. `lenLocal` is the i32 scratch, or the i64 one when wide.
 */
export function bulkChargeLen(wide: boolean, globalLen: number, tmpLen: number, lenLocalLen: number): number {
  return 17 + 2 * lenLocalLen + 2 * globalLen + 2 * tmpLen + (wide ? 0 : 1);
}

export function writeBulkCharge(w: Writer, wide: boolean, fuel: number, tmp64: number, lenLocal: number): void {
  w.byte(0x22); w.u32(lenLocal);
  w.byte(0x23); w.u32(fuel);
  w.byte(0x20); w.u32(lenLocal);
  if (!wide) w.byte(0xad);
  w.byte(0x42); w.byte(BULK_UNIT_SHIFT);
  w.byte(0x88);
  w.byte(0x7d);
  writeSpendTail(w, fuel, tmp64);
}
