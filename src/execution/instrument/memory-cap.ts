/**
 * The memory cap and the table cap: one budget for the whole module, shared between its memories
 * (pages) or its tables (elements). What the declarations need at start must fit the budget
 * (MEMORY_LIMIT / WASM_LIMIT_EXCEEDED otherwise); what is left is split between them by writing
 * each one's maximum, so the maxima never sum above the budget and the engine itself makes
 * `memory.grow` / `table.grow` past a maximum fail (−1), as the spec says.
 *
 * The split ("water-filling"): the room left above the initial sizes is shared out evenly, except
 * that a declaration whose own maximum leaves it less room keeps its maximum and the rest is shared
 * among the others. One memory (or table) alone gets the whole budget. An imported memory or table
 * gets the same rewrite of its declared limits: the instance then links only against one whose own
 * maximum is within it (the host must create it that way).
 */
import { KernelError } from '../../errors.ts';
import { ByteWriter } from '../../lib/bytes.ts';
import { MODULE_LIMITS, overLimit } from './limits.ts';
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
  /** The maxima summed over every memory after the rewrite; undefined when one is unbounded. */
  readonly totalPages: number | undefined;
}

export interface TableCapResult {
  readonly patches: Patch[];
  /** The tables' maxima after the rewrite, summed: at most MODULE_LIMITS.tableElements. */
  readonly totalElements: number;
}

const PAGES_32 = 65536;

function mib(pages: number): string {
  return `${(pages / 16).toLocaleString('en-US', { maximumFractionDigits: 2 })} MiB`;
}

/**
 * Splits `budget` above the initial sizes `mins` between declarations whose own ceilings (declared
 * maximum, or the index type's) are `ceilings`: each gets min(ceiling, its min + a fair share of the
 * room left), the shares going to the most constrained first. Deterministic; the results sum to at
 * most `budget` when the mins do.
 */
export function split(mins: readonly number[], ceilings: readonly number[], budget: number): number[] {
  const n = mins.length;
  const out = mins.slice();
  let room = budget - mins.reduce((a, b) => a + b, 0);
  const want = ceilings.map((c, i) => Math.max(0, c - mins[i]!));
  const order = [...Array(n).keys()].sort((a, b) => want[a]! - want[b]! || a - b);
  order.forEach((i, k) => {
    const share = Math.floor(room / (n - k));
    const give = Math.min(want[i]!, share);
    out[i] = mins[i]! + give;
    room -= give;
  });
  return out;
}

/**
 * Plans the rewrite of every memory's limits under `cap` pages for the whole module (no rewrite
 * without a cap).
 * @throws KernelError MEMORY_LIMIT when the memories' initial sizes sum above the cap
 */
export function capMemories(input: Uint8Array, memories: readonly MemoryDecl[], cap: number | undefined): CapResult {
  if (cap === undefined) {
    const maxima = memories.map((m) => m.max);
    const bounded = maxima.every((m) => m !== undefined);
    return {
      patches: [],
      maxPages: bounded ? Math.max(0, ...(maxima as number[])) : undefined,
      totalPages: bounded ? (maxima as number[]).reduce((a, b) => a + b, 0) : undefined,
    };
  }
  const need = memories.reduce((a, m) => a + m.min, 0);
  memories.forEach((m, i) => {
    // A 32-bit memory cannot use more than 65536 pages, whatever the cap: its own ceiling.
    const limit = m.is64 ? cap : Math.min(cap, PAGES_32);
    if (m.min > limit) {
      throw new KernelError('MEMORY_LIMIT', `memory ${i} needs ${m.min} pages (${mib(m.min)}) at start, above the memory cap of ${limit} pages (${mib(limit)})`, { memory: i, initialPages: m.min, capPages: limit });
    }
  });
  if (need > cap) {
    throw new KernelError(
      'MEMORY_LIMIT',
      `the module's ${memories.length} memories need ${need} pages (${mib(need)}) at start together, above the memory cap of ${cap} pages (${mib(cap)}), which is for all of them`,
      { memories: memories.length, initialPages: need, capPages: cap },
    );
  }
  const maxima = split(memories.map((m) => m.min), memories.map((m) => Math.min(m.max ?? Infinity, m.is64 ? Infinity : PAGES_32)), cap);
  return {
    patches: patchMaxima(input, memories, maxima),
    maxPages: Math.max(0, ...maxima),
    totalPages: maxima.reduce((a, b) => a + b, 0),
  };
}

/**
 * Plans the rewrite of every table's limits under MODULE_LIMITS.tableElements for the whole module.
 * @throws KernelError WASM_LIMIT_EXCEEDED when the tables' initial sizes sum above it
 */
export function capTables(input: Uint8Array, tables: readonly MemoryDecl[]): TableCapResult {
  const cap = MODULE_LIMITS.tableElements.max;
  let need = 0;
  tables.forEach((t, i) => {
    need += t.min;
    if (need > cap) overLimit('tableElements', need, t.limitsStart, i === 0 ? 'table 0' : `tables 0 to ${i}`);
  });
  const maxima = split(tables.map((t) => t.min), tables.map((t) => t.max ?? Infinity), cap);
  return { patches: patchMaxima(input, tables, maxima), totalElements: maxima.reduce((a, b) => a + b, 0) };
}

/** Rewrites the limits of each declaration whose maximum changes (one is added where none was declared). */
function patchMaxima(input: Uint8Array, decls: readonly MemoryDecl[], maxima: readonly number[]): Patch[] {
  const patches: Patch[] = [];
  decls.forEach((d, i) => {
    const max = maxima[i]!;
    if (d.max !== undefined && max >= d.max) return; // never raised (one below its minimum is the engine's to refuse)
    const w = new ByteWriter(24);
    const flags = input[d.limitsStart]!;
    w.u8(flags | 1);
    const minEnd = skipLeb(input, d.limitsStart + 1);
    w.copy(input, d.limitsStart + 1, minEnd);
    w.uint(max); // LEB128 is the same for u32 and u64 values
    patches.push({ start: d.limitsStart, end: d.limitsEnd, bytes: w.finish() });
  });
  return patches;
}

/** End of a LEB128 the module reader has already checked. */
function skipLeb(b: Uint8Array, p: number): number {
  while (b[p]! >= 0x80) p++;
  return p + 1;
}

/** Copies the section `[start, end)` (id byte at `start`, content at `body`) with `patches` applied. */
export function writePatched(w: ByteWriter, input: Uint8Array, id: number, body: number, end: number, patches: readonly Patch[]): void {
  const mine = patches.filter((p) => p.start >= body && p.end <= end);
  let size = end - body;
  for (const p of mine) size += p.bytes.length - (p.end - p.start);
  w.u8(id);
  w.uint(size);
  let at = body;
  for (const p of mine) {
    w.copy(input, at, p.start);
    w.raw(p.bytes);
    at = p.end;
  }
  w.copy(input, at, end);
}
