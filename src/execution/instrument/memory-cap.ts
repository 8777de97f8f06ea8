/**
 * The memory cap: each memory's declared maximum becomes min(declared, cap), so the engine itself
 * makes `memory.grow` past the cap return -1. A memory that must start above the cap is refused.
 * An imported memory gets the same rewrite of its declared limits: the instance then links only
 * against a memory whose own maximum is within the cap (the host must create it that way).
 */
import { KernelError } from '../../errors.ts';
import { Writer } from './encode.ts';
import type { MemoryDecl } from './module.ts';

/** A replacement of the bytes `[start, end)` of the input. */
export interface Patch {
  readonly start: number;
  readonly end: number;
  readonly bytes: Uint8Array;
}

export interface CapResult {
  readonly patches: Patch[];
  /** The largest maximum any memory can reach after the rewrite; undefined when one is unbounded. */
  readonly maxPages: number | undefined;
}

const PAGES_32 = 65536;

function mib(pages: number): string {
  return `${(pages / 16).toLocaleString('en-US', { maximumFractionDigits: 2 })} MiB`;
}

/**
 * Plans the rewrite of every memory's limits under `cap` pages (no rewrite without a cap).
 * @throws KernelError MEMORY_LIMIT when a memory's initial size is above the cap
 */
export function capMemories(input: Uint8Array, memories: readonly MemoryDecl[], cap: number | undefined): CapResult {
  const patches: Patch[] = [];
  let maxPages: number | undefined = 0;
  memories.forEach((m, i) => {
    const limit = cap === undefined ? undefined : m.is64 ? cap : Math.min(cap, PAGES_32);
    if (limit !== undefined && m.min > limit) {
      throw new KernelError('MEMORY_LIMIT', `memory ${i} needs ${m.min} pages (${mib(m.min)}) at start, above the memory cap of ${limit} pages (${mib(limit)})`, { memory: i, initialPages: m.min, capPages: limit });
    }
    const max = limit === undefined ? m.max : m.max === undefined ? limit : Math.min(m.max, limit);
    maxPages = max === undefined || maxPages === undefined ? undefined : Math.max(maxPages, max);
    if (max === m.max) return;
    const w = new Writer(24);
    const flags = input[m.limitsStart]!;
    w.byte(flags | 1);
    const minEnd = skipLeb(input, m.limitsStart + 1);
    w.bytes(input, m.limitsStart + 1, minEnd);
    w.u32(max!); // LEB128 is the same for u32 and u64 values
    patches.push({ start: m.limitsStart, end: m.limitsEnd, bytes: w.finish() });
  });
  return { patches, maxPages };
}

/** End of a LEB128 the module reader has already checked. */
function skipLeb(b: Uint8Array, p: number): number {
  while (b[p]! >= 0x80) p++;
  return p + 1;
}

/** Copies the section `[start, end)` (id byte at `start`, content at `body`) with `patches` applied. */
export function writePatched(w: Writer, input: Uint8Array, id: number, body: number, end: number, patches: readonly Patch[]): void {
  const mine = patches.filter((p) => p.start >= body && p.end <= end);
  let size = end - body;
  for (const p of mine) size += p.bytes.length - (p.end - p.start);
  w.byte(id);
  w.u32(size);
  let at = body;
  for (const p of mine) {
    w.bytes(input, at, p.start);
    w.bytes(p.bytes, 0, p.bytes.length);
    at = p.end;
  }
  w.bytes(input, at, end);
}
