/**
 * Fuel and memory limits that work in every host, by rewriting the module before compilation:
 * a mutable i64 global exported as `__forge_fuel` is charged at the head of each code segment
 * (body.ts), the memories' maximums are capped so that together they stay within the memory cap,
 * and the tables' so that together they stay within the table limit (memory-cap.ts). Only function
 * bodies, the global/export/code sections, table limits (and, with a cap, memory limits) change;
 * no existing index moves: the fuel global and its export are appended after every imported and
 * defined one, then an export of each memory the module does not export itself.
 */
import { KernelError } from '../../errors.ts';
import { BodyRewriter } from './body.ts';
import { ByteWriter, type ByteReader } from '../../lib/bytes.ts';
import { FUEL_EXPORT, MEMORY_EXPORT_PREFIX } from './encode.ts';
import { MODULE_LIMITS, checkLimit, moduleWorkCap, overLimit } from './limits.ts';
import { capMemories, capTables, writePatched } from './memory-cap.ts';
import { RANK_EXPORT, RANK_GLOBAL, SECTION_RANK, readModule, type ImportDecl, type ModuleInfo, type Section } from './module.ts';
import { count, invalid, valType, wasmReader } from './reader.ts';

export interface InstrumentOptions {
  /** Cap on the module's linear memory, all memories together, in 64 KiB pages. Absent: memories keep their declared limits. */
  readonly memoryMaxPages?: number;
}

export interface Instrumented {
  readonly bytes: Uint8Array;
  readonly fuelExport: typeof FUEL_EXPORT;
  /** The most pages any memory of the result can grow to; undefined when a memory is unbounded. */
  readonly memoryMaxPages: number | undefined;
  /** The pages all memories of the result can grow to together (at most the cap); undefined when a memory is unbounded. */
  readonly memoryTotalPages: number | undefined;
  /** The elements all tables of the result can grow to together (at most MODULE_LIMITS.tableElements). */
  readonly tableElements: number;
  /** Function bodies rewritten (the module's defined functions). */
  readonly functions: number;
  /** The module's imports, unchanged by instrumentation (which adds none). */
  readonly imports: readonly ImportDecl[];
}

/** When the async variant hands the event loop back to the host. */
export interface InstrumentPace {
  /** A time on `now` (ms) after which instrumentation stops with TIMEOUT. */
  readonly deadline?: number;
  /** The clock `deadline` is read on, in ms; `performance.now()` when absent. */
  readonly now?: () => number;
}

const MAX_CAP_PAGES = 2 ** 48;
/**
 * Input bytes of function bodies rewritten between two yields of the async variant: 10–35 ms of
 * work at the measured 30–100 MB/s. Counted in bytes, not time, because Workers' clocks stand
 * still during synchronous code.
 */
const SLICE_BYTES = 1024 * 1024;
/** Bytes copied (not rewritten) between two yields: a data or custom section, a grown buffer, the output. */
const COPY_SLICE_BYTES = 8 * SLICE_BYTES;
/** The most one body can write: the body limit holds for instrumented bodies, plus its size. */
const MAX_BODY_OUT = MODULE_LIMITS.bodyBytes.max + 5;
/** `(global (mut i64) (i64.const 0))` */
const FUEL_GLOBAL = [0x7e, 0x01, 0x42, 0x00, 0x0b];
const FUEL_NAME = new TextEncoder().encode(FUEL_EXPORT);

/**
 * Instruments module bytes with fuel metering and, when asked, a memory cap. Deterministic: the
 * same bytes and options always give the same output bytes.
 * @throws KernelError PKG_INVALID_WASM for bytes that are not a well-formed module (with the offset),
 *   WASM_LIMIT_EXCEEDED when it declares more than a static limit (limits.ts) allows,
 *   MEMORY_LIMIT when a memory starts above the cap, BAD_REQUEST for an invalid cap
 */
export function instrument(bytes: Uint8Array, options: InstrumentOptions = {}): Instrumented {
  const steps = rewriteModule(bytes, options, Infinity);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * `instrument`, giving the event loop back (a macrotask) after each slice of function bodies, so a
 * large module does not stall a server's other requests. The same output bytes as `instrument`.
 * @throws KernelError TIMEOUT once `pace.deadline` has passed; otherwise as `instrument`
 */
export async function instrumentAsync(bytes: Uint8Array, options: InstrumentOptions = {}, pace: InstrumentPace = {}): Promise<Instrumented> {
  const steps = rewriteModule(bytes, options, SLICE_BYTES);
  const now = pace.now ?? (() => performance.now());
  for (;;) {
    if (pace.deadline !== undefined && now() >= pace.deadline) {
      throw new KernelError('TIMEOUT', 'instrumentation did not finish before its deadline', { phase: 'instrument' });
    }
    const next = steps.next();
    if (next.done) return next.value;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** The rewrite, suspended (a yield) after each `slice` input bytes of function bodies and each COPY_SLICE_BYTES copied. */
function* rewriteModule(bytes: Uint8Array, options: InstrumentOptions, slice: number): Generator<void, Instrumented, void> {
  const cap = options.memoryMaxPages;
  if (cap !== undefined && !(Number.isSafeInteger(cap) && cap >= 0 && cap <= MAX_CAP_PAGES)) {
    throw new KernelError('BAD_REQUEST', `memoryMaxPages must be an integer from 0 to 2^48 pages, got ${String(cap)}`);
  }
  const info = readModule(bytes);
  const memory = capMemories(bytes, info.memories, cap);
  const tables = capTables(bytes, info.tables);
  const patches = [...memory.patches, ...tables.patches].sort((a, b) => a.start - b.start);
  const fuelGlobal = info.importedGlobals + info.definedGlobals;
  const exports = addedExports(info, fuelGlobal);
  const w = new ByteWriter(bytes.length + (bytes.length >>> 1) + 64);
  w.copy(bytes, 0, 8);
  let globalDone = false;
  let exportDone = false;
  for (const s of info.sections) {
    if (s.id !== 0) {
      const rank = SECTION_RANK[s.id]!;
      if (!globalDone && rank > RANK_GLOBAL) { appendToVector(w, 6, bytes, undefined, { bytes: FUEL_GLOBAL, count: 1 }); globalDone = true; }
      if (!exportDone && rank > RANK_EXPORT) { appendToVector(w, 7, bytes, undefined, exports); exportDone = true; }
    }
    switch (s.id) {
      case 2: case 4: case 5: writePatched(w, bytes, s.id, s.body, s.end, patches); break;
      case 6: appendToVector(w, 6, bytes, s, { bytes: FUEL_GLOBAL, count: 1 }); globalDone = true; break;
      case 7: appendToVector(w, 7, bytes, s, exports); exportDone = true; break;
      case 10: yield* writeCode(w, bytes, s, info, fuelGlobal, slice); break;
      default: yield* copy(w, bytes, s.start, s.end, slice);
    }
  }
  if (!globalDone) appendToVector(w, 6, bytes, undefined, { bytes: FUEL_GLOBAL, count: 1 });
  if (!exportDone) appendToVector(w, 7, bytes, undefined, exports);
  const out = yield* finish(w, slice);
  return {
    bytes: out, fuelExport: FUEL_EXPORT, memoryMaxPages: memory.maxPages, memoryTotalPages: memory.totalPages, tableElements: tables.totalElements,
    functions: info.paramCounts.length, imports: info.imports,
  };
}

// Copying hundreds of MB into fresh memory takes as long as rewriting them (page faults), so the
// async variant copies a slice at a time too; the sync one (slice Infinity) does each in one go.

/** Makes room for `n` more bytes, copying into the grown buffer a slice at a time. */
function* room(w: ByteWriter, n: number, slice: number): Generator<void, void, void> {
  if (slice === Infinity || w.pos + n <= w.buf.length) return;
  let cap = w.buf.length * 2;
  while (cap < w.pos + n) cap *= 2;
  const next = new Uint8Array(cap);
  for (let at = 0; at < w.pos; at += COPY_SLICE_BYTES) {
    next.set(w.buf.subarray(at, Math.min(w.pos, at + COPY_SLICE_BYTES)), at);
    yield;
  }
  w.adopt(next);
}

/** Appends `input[start, end)`. */
function* copy(w: ByteWriter, input: Uint8Array, start: number, end: number, slice: number): Generator<void, void, void> {
  if (slice === Infinity) { w.copy(input, start, end); return; }
  for (let at = start; at < end; at += COPY_SLICE_BYTES) {
    const to = Math.min(end, at + COPY_SLICE_BYTES);
    yield* room(w, to - at, slice);
    w.copy(input, at, to);
    if (to < end) yield;
  }
}

/** The written bytes, in an exactly sized array. */
function* finish(w: ByteWriter, slice: number): Generator<void, Uint8Array, void> {
  if (slice === Infinity) return w.finish();
  const out = new Uint8Array(w.pos);
  for (let at = 0; at < w.pos; at += COPY_SLICE_BYTES) {
    out.set(w.buf.subarray(at, Math.min(w.pos, at + COPY_SLICE_BYTES)), at);
    yield;
  }
  return out;
}

/** Vector entries to append: their encoding and how many. */
interface Entries {
  readonly bytes: readonly number[];
  readonly count: number;
}

function exportEntry(w: ByteWriter, name: Uint8Array, kind: number, index: number): void {
  w.uint(name.length);
  w.raw(name);
  w.u8(kind);
  w.uint(index);
}

/**
 * The export entries instrumentation appends after the module's own: the fuel global, then each
 * memory the module does not export itself, as `__forge_memory_<index>`, so the host can measure
 * them all.
 * @throws KernelError WASM_LIMIT_EXCEEDED when they would take the exports past the engine's limit
 */
function addedExports(info: ModuleInfo, fuelGlobal: number): Entries {
  const w = new ByteWriter(64);
  exportEntry(w, FUEL_NAME, 0x03, fuelGlobal);
  let count = 1;
  for (let i = 0; i < info.memories.length; i++) {
    if (info.exportedMemories[i] === true) continue;
    exportEntry(w, new TextEncoder().encode(`${MEMORY_EXPORT_PREFIX}${i}`), 0x02, i);
    count++;
  }
  // The exports limit already leaves room for the fuel export.
  if (info.exports + count - 1 > MODULE_LIMITS.exports.max) {
    overLimit('exports', info.exports + count - 1, info.exportsAt, `counting the ${count - 1} memory exports instrumentation adds`);
  }
  return { bytes: [...w.finish()], count };
}

/** Writes section `id` as the vector of `section` (or an empty one) with `entries` appended. */
function appendToVector(w: ByteWriter, id: number, input: Uint8Array, section: Section | undefined, entries: Entries): void {
  let count = 0;
  let rest = 0;
  let end = 0;
  if (section) {
    const r = wasmReader(input, section.body, section.end);
    count = r.u32();
    rest = r.pos;
    end = section.end;
  }
  const countLen = new ByteWriter(8);
  countLen.uint(count + entries.count);
  w.u8(id);
  w.uint(countLen.pos + (end - rest) + entries.bytes.length);
  w.copy(countLen.buf, 0, countLen.pos);
  w.copy(input, rest, end);
  for (const b of entries.bytes) w.u8(b);
}

/** The code section, every body rewritten; its size is written as a 5-byte LEB128 and patched. */
function* writeCode(w: ByteWriter, input: Uint8Array, s: Section, info: ModuleInfo, fuelGlobal: number, slice: number): Generator<void, void, void> {
  const rewriter = new BodyRewriter(input, info.tables64, info.memories.map((m) => m.is64), fuelGlobal);
  w.u8(10);
  const sizeAt = w.pos;
  w.room(5);
  w.pos += 5;
  const r = wasmReader(input, s.body, s.end);
  const n = r.u32();
  w.uint(n);
  // A slice may end inside a body: the scan stops at an instruction and goes on after the yield.
  let sliceEnd = r.pos + slice;
  let work = 0;
  const workCap = moduleWorkCap(s.end - s.body);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const size = r.u32();
    const func = info.importedFuncs + i;
    if (size > MODULE_LIMITS.bodyBytes.max) overLimit('bodyBytes', size, at, `function ${func}`);
    if (size > r.end - r.pos) r.truncated(`function ${func}'s body of ${size} bytes (from byte ${at})`);
    yield* room(w, MAX_BODY_OUT, slice); // so the body itself never grows the buffer in one go
    rewriter.begin(r.pos, r.pos + size, info.paramCounts[i]!, func);
    while (!rewriter.scan(sliceEnd)) { yield; sliceEnd = rewriter.position + slice; }
    rewriter.emit(w, fuelGlobal);
    work += rewriter.work;
    checkLimit('moduleCompileWork', work, at, `functions ${info.importedFuncs} to ${func}`, workCap);
    r.pos += size;
    if (r.pos >= sliceEnd) { yield; sliceEnd = r.pos + slice; }
  }
  if (r.pos !== r.end) invalid(`${r.end - r.pos} bytes follow the last function body`, r.pos);
  let v = w.pos - sizeAt - 5;
  if (v > 0xffff_ffff) throw new KernelError('PKG_TOO_LARGE', 'the instrumented code section exceeds 4 GiB');
  for (let k = 0; k < 5; k++) {
    w.buf[sizeAt + k] = (v % 128) | (k < 4 ? 0x80 : 0);
    v = Math.floor(v / 128);
  }
}
