/**
 * Writing the rewritten module: the two instruction sequences that instrumentation splices into
 * function bodies, and their lengths. The bytes go into the kernel's one writer (src/lib/bytes.ts).
 */
import { sintLength, type ByteWriter } from '../../lib/bytes.ts';

/** The name under which an instrumented module exports its fuel counter (a mutable i64 global). */
export const FUEL_EXPORT = '__forge_fuel';

/**
 * Memory `i` that the module does not export itself is exported as `__forge_memory_i`, so the host
 * can measure every memory (container.ts: peakMemoryBytes). Names with this prefix are reserved.
 */
export const MEMORY_EXPORT_PREFIX = '__forge_memory_';

/** Bulk memory and table operations are charged one unit of fuel per this many bytes or elements. */
export const BULK_UNIT_SHIFT = 4;

/**
 * Charges `cost` units: `global.get F; i64.const cost; i64.sub; local.tee T; global.set F;
 * local.get T; i64.const 0; i64.lt_s; if; unreachable; end`. The `if` closes at once, so no
 * branch depth of the surrounding code changes; the stack is left as it was found.
 */
export function chargeLen(cost: number, globalLen: number, tmpLen: number): number {
  return 13 + sintLength(cost) + 2 * globalLen + 2 * tmpLen;
}

export function writeCharge(w: ByteWriter, cost: number, fuel: number, tmp64: number): void {
  w.u8(0x23); w.uint(fuel);
  w.u8(0x42); w.sint(cost);
  w.u8(0x7d);
  writeSpendTail(w, fuel, tmp64);
}

/** `local.tee T; global.set F; local.get T; i64.const 0; i64.lt_s; if; unreachable; end` */
function writeSpendTail(w: ByteWriter, fuel: number, tmp64: number): void {
  w.u8(0x22); w.uint(tmp64);
  w.u8(0x24); w.uint(fuel);
  w.u8(0x20); w.uint(tmp64);
  w.room(7);
  const b = w.buf;
  let n = w.pos;
  b[n++] = 0x42; b[n++] = 0x00; b[n++] = 0x53; b[n++] = 0x04; b[n++] = 0x40; b[n++] = 0x00; b[n++] = 0x0b;
  w.pos = n;
}

/**
 * Charges a bulk operation by its length operand, which sits on top of the stack and stays there:
 * `local.tee N; global.get F; local.get N; [i64.extend_i32_u]; i64.const SHIFT; i64.shr_u; i64.sub;`
 * then the same tail as a fixed charge. `lenLocal` is the i32 scratch, or the i64 one when wide.
 */
export function bulkChargeLen(wide: boolean, globalLen: number, tmpLen: number, lenLocalLen: number): number {
  return 17 + 2 * lenLocalLen + 2 * globalLen + 2 * tmpLen + (wide ? 0 : 1);
}

export function writeBulkCharge(w: ByteWriter, wide: boolean, fuel: number, tmp64: number, lenLocal: number): void {
  w.u8(0x22); w.uint(lenLocal);
  w.u8(0x23); w.uint(fuel);
  w.u8(0x20); w.uint(lenLocal);
  if (!wide) w.u8(0xad);
  w.u8(0x42); w.u8(BULK_UNIT_SHIFT);
  w.u8(0x88);
  w.u8(0x7d);
  writeSpendTail(w, fuel, tmp64);
}
