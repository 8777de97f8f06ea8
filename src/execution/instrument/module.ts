/**
 * The module-level facts instrumentation needs, read once from untrusted bytes: where each section
 * lies, how many functions/globals/tables/memories are imported and defined, each function's
 * parameter count (for the index of the scratch locals), the index type of each table and memory
 * (for bulk-operation charges), each memory's and table's limits (for the caps) and the exports
 * (for the fuel export's name and index, and which memories the module exports itself). Everything
 * else is the engine's to validate.
 */
import type { ByteReader } from '../../lib/bytes.ts';
import { FUEL_EXPORT, MEMORY_EXPORT_PREFIX } from './encode.ts';
import { checkLimit, type ModuleLimit } from './limits.ts';
import { count, invalid, valType, wasmReader } from './reader.ts';

export interface Section {
  readonly id: number;
  /** Offset of the section id byte. */
  readonly start: number;
  /** Content range (after the size). */
  readonly body: number;
  readonly end: number;
}

/** The limits of one memory or table, as declared (imported or defined). */
export interface MemoryDecl {
  readonly imported: boolean;
  readonly is64: boolean;
  readonly shared: boolean;
  readonly min: number;
  readonly max: number | undefined;
  /** Byte range of the limits (flags, min, max) inside the import or memory section. */
  readonly limitsStart: number;
  readonly limitsEnd: number;
}

/** One import as the module declares it: names, kind, and for a function its signature (`i32,i64->i32`). */
export interface ImportDecl {
  readonly module: string;
  readonly name: string;
  readonly kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
  readonly signature?: string;
  /** Offset of the import entry (for error messages). */
  readonly offset: number;
}

export interface ModuleInfo {
  readonly sections: readonly Section[];
  /** Every import, in order: the kernel checks them against its own table before anything is instantiated. */
  readonly imports: readonly ImportDecl[];
  readonly importedFuncs: number;
  /** Parameter count of each defined function, by defined index. */
  readonly paramCounts: Uint32Array;
  readonly importedGlobals: number;
  readonly definedGlobals: number;
  readonly tables64: readonly boolean[];
  /** Every table's limits (imported first), in index order; `shared` is unused for tables. */
  readonly tables: readonly MemoryDecl[];
  readonly memories: readonly MemoryDecl[];
  /** Which memories the module exports itself (by index). */
  readonly exportedMemories: readonly boolean[];
  /** The number of exports the module declares. */
  readonly exports: number;
  /** Offset of the export section's count (the end of the module when there is none). */
  readonly exportsAt: number;
}

const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'];
/** Required order of the non-custom sections (the tag section sits between memory and global). */
export const SECTION_RANK = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6];
export const RANK_GLOBAL = 7;
export const RANK_EXPORT = 8;

export function sectionName(id: number): string {
  return `${SECTION_NAMES[id] ?? 'unknown'} section (id ${id})`;
}

const FUEL_NAME = new TextEncoder().encode(FUEL_EXPORT);
const MEMORY_PREFIX = new TextEncoder().encode(MEMORY_EXPORT_PREFIX);

/**
 * Checks the header and every section boundary, then reads the sections instrumentation needs.
 * Every count is held to its static limit as it is read (limits.ts).
 * @throws KernelError PKG_INVALID_WASM naming the offset of the first defect, WASM_LIMIT_EXCEEDED
 */
export function readModule(bytes: Uint8Array): ModuleInfo {
  checkLimit('moduleBytes', bytes.length, 0);
  if (bytes.length < 8) invalid(`a module is at least 8 bytes (magic and version), got ${bytes.length}`, 0);
  if (bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) invalid('bad magic: expected \\0asm', 0);
  const version = bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24);
  if (version !== 1) {
    invalid(version === 0x1000d ? 'this is a WebAssembly component, not a core module' : `unsupported binary version 0x${(version >>> 0).toString(16)} (expected 1)`, 4);
  }
  const sections: Section[] = [];
  const r = wasmReader(bytes, 8, bytes.length);
  let lastRank = 0;
  while (r.pos < r.end) {
    const start = r.pos;
    const id = r.u8();
    if (id >= SECTION_RANK.length) invalid(`unknown section id ${id}`, start);
    const size = r.u32();
    if (size > r.end - r.pos) invalid(`${sectionName(id)} declares ${size} bytes but only ${r.end - r.pos} remain`, start);
    const rank = SECTION_RANK[id]!;
    if (id !== 0) {
      if (rank <= lastRank) invalid(`${sectionName(id)} is duplicated or out of order`, start);
      lastRank = rank;
    }
    sections.push({ id, start, body: r.pos, end: r.pos + size });
    r.pos += size;
  }

  const info = {
    sections, imports: [] as ImportDecl[], importedFuncs: 0, paramCounts: new Uint32Array(0) as Uint32Array, importedGlobals: 0, definedGlobals: 0,
    tables64: [] as boolean[], tables: [] as MemoryDecl[], memories: [] as MemoryDecl[], exportedMemories: [] as boolean[],
    exports: 0, exportsAt: bytes.length,
  };
  let types: Types = { params: new Uint32Array(0), starts: new Uint32Array(0), end: 0 };
  let definedFuncs = -1;
  for (const s of sections) {
    const sr = wasmReader(bytes, s.body, s.end);
    switch (s.id) {
      case 1: types = readTypes(sr); break;
      case 2: readImports(sr, info, types); break;
      case 3: info.paramCounts = readFunctions(sr, types.params); definedFuncs = info.paramCounts.length; break;
      case 4: readTables(sr, info); break;
      case 5: for (let n = count(sr, 'memory'); n > 0; n--) pushMemory(info.memories, readLimits(sr, false)); break;
      case 6: info.definedGlobals = count(sr, 'global', 'globals'); sr.pos = sr.end; break;
      case 7: info.exportsAt = sr.pos; info.exports = readExports(sr, info.importedGlobals + info.definedGlobals, info.exportedMemories); break;
      case 10: {
        const n = sr.u32();
        if (n !== Math.max(definedFuncs, 0)) invalid(`the code section has ${n} bodies but the function section declares ${Math.max(definedFuncs, 0)} functions`, s.body);
        sr.pos = sr.end;
        break;
      }
      case 9: count(sr, 'element segment', 'elementSegments'); sr.pos = sr.end; break;
      case 11: count(sr, 'data segment', 'dataSegments'); sr.pos = sr.end; break;
      default: sr.pos = sr.end;
    }
    if (sr.pos !== sr.end) invalid(`${sectionName(s.id)} has ${sr.end - sr.pos} unexpected trailing bytes`, sr.pos);
  }
  if (definedFuncs > 0 && !sections.some((s) => s.id === 10)) invalid(`the function section declares ${definedFuncs} functions but there is no code section`, bytes.length);
  return info;
}

const VALTYPE_NAMES: Readonly<Record<number, string>> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

/** The value types of one vector, written as `i32,i64` (reference types other than the two basic ones as `ref`). */
function valTypes(r: ByteReader, what: string, limit: ModuleLimit): string {
  const names: string[] = [];
  for (let k = count(r, what, limit); k > 0; k--) {
    const t = r.buf[r.pos]!;
    valType(r);
    names.push(VALTYPE_NAMES[t] ?? 'ref');
  }
  return names.join(',');
}

/** The type section read once: parameter counts, and where each type starts (its signature is decoded only when an import asks). */
interface Types {
  readonly params: Uint32Array;
  readonly starts: Uint32Array;
  readonly end: number;
}

function readTypes(r: ByteReader): Types {
  const n = count(r, 'type', 'types');
  const params = new Uint32Array(n);
  const starts = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const form = r.u8();
    if (form !== 0x60) invalid(`type ${i} has form 0x${form.toString(16)}; only function types are supported (no GC proposal types)`, at);
    starts[i] = r.pos;
    const np = count(r, 'parameter', 'params');
    for (let k = 0; k < np; k++) valType(r);
    params[i] = np;
    for (let k = count(r, 'result', 'results'); k > 0; k--) valType(r);
  }
  return { params, starts, end: r.end };
}

/** The signature of type `t` (`i32,i64->i32`), decoded from the bytes the type section already checked. */
function signatureOf(bytes: Uint8Array, types: Types, t: number): string {
  const r = wasmReader(bytes, types.starts[t]!, types.end);
  const p = valTypes(r, 'parameter', 'params');
  return `${p}->${valTypes(r, 'result', 'results')}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function readName(r: ByteReader): string {
  const len = r.u32();
  const start = r.pos;
  r.skip(len);
  return utf8.decode(r.buf.subarray(start, start + len));
}

function readImports(
  r: ByteReader, info: { imports: ImportDecl[]; importedFuncs: number; importedGlobals: number; tables64: boolean[]; tables: MemoryDecl[]; memories: MemoryDecl[] },
  types: Types,
): void {
  for (let n = count(r, 'import', 'imports'); n > 0; n--) {
    const offset = r.pos;
    const module = readName(r);
    const name = readName(r);
    const at = r.pos;
    const kind = r.u8();
    if (kind === 0) {
      const t = r.u32();
      if (t >= types.params.length) invalid(`import ${module}.${name} names type ${t} but only ${types.params.length} types exist`, at);
      info.imports.push({ module, name, kind: 'function', signature: signatureOf(r.buf, types, t), offset });
      info.importedFuncs++;
      continue;
    }
    if (kind === 1) { valType(r); pushTable(info, readLimits(r, true)); }
    else if (kind === 2) pushMemory(info.memories, readLimits(r, true));
    else if (kind === 3) { valType(r); r.u8(); info.importedGlobals++; }
    else if (kind === 4) { r.u8(); r.u32(); }
    else invalid(`unknown import kind ${kind}`, at);
    info.imports.push({ module, name, kind: (['table', 'memory', 'global', 'tag'] as const)[kind - 1]!, offset });
  }
}

function readFunctions(r: ByteReader, typeParams: Uint32Array): Uint32Array {
  const n = count(r, 'function', 'functions');
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const t = r.u32();
    if (t >= typeParams.length) invalid(`function ${i} names type ${t} but only ${typeParams.length} types exist`, at);
    out[i] = typeParams[t]!;
  }
  return out;
}

function readTables(r: ByteReader, info: { tables64: boolean[]; tables: MemoryDecl[] }): void {
  for (let n = count(r, 'table'); n > 0; n--) {
    const at = r.pos;
    // A table with an initializer expression (function references) starts with 0x40 0x00.
    if (r.buf[r.pos] === 0x40) invalid('tables with initializer expressions (function-references proposal) are not supported', at);
    valType(r);
    pushTable(info, readLimits(r, false));
  }
}

/** Imported and defined memories count together. @throws KernelError WASM_LIMIT_EXCEEDED past the memories limit */
function pushMemory(memories: MemoryDecl[], m: MemoryDecl): void {
  checkLimit('memories', memories.length + 1, m.limitsStart);
  memories.push(m);
}

/** @throws KernelError WASM_LIMIT_EXCEEDED past the tables limit */
function pushTable(info: { tables64: boolean[]; tables: MemoryDecl[] }, t: MemoryDecl): void {
  checkLimit('tables', info.tables.length + 1, t.limitsStart);
  info.tables.push(t);
  info.tables64.push(t.is64);
}

/** Limits flags: bit 0 has-max, bit 1 shared, bit 2 64-bit indices. */
function readLimits(r: ByteReader, imported: boolean): MemoryDecl {
  const limitsStart = r.pos;
  const flags = r.u8();
  if (flags > 7) invalid(`unsupported limits flags 0x${flags.toString(16)}`, limitsStart);
  const is64 = (flags & 4) !== 0;
  const min = is64 ? r.u64() : r.u32();
  const max = flags & 1 ? (is64 ? r.u64() : r.u32()) : undefined;
  return { imported, is64, shared: (flags & 2) !== 0, min, max, limitsStart, limitsEnd: r.pos };
}

/**
 * Export names are checked for the fuel export's and the memory exports' (MEMORY_EXPORT_PREFIX),
 * global indices so none can name the fuel global; the memories exported are noted. Returns the count.
 */
function readExports(r: ByteReader, globals: number, exportedMemories: boolean[]): number {
  const n = count(r, 'export', 'exports');
  const b = r.buf;
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const len = r.u32();
    const start = r.pos;
    r.skip(len);
    if (len === FUEL_NAME.length && FUEL_NAME.every((c, k) => b[start + k] === c)) {
      invalid(`the module already exports "${FUEL_EXPORT}": it was instrumented before, or it tries to shadow the fuel counter`, at);
    }
    if (len >= MEMORY_PREFIX.length && MEMORY_PREFIX.every((c, k) => b[start + k] === c)) {
      invalid(`the export name "${utf8.decode(b.subarray(start, start + len))}" is reserved for the memory exports instrumentation adds (${MEMORY_EXPORT_PREFIX}N)`, at);
    }
    const kind = r.u8();
    const index = r.u32();
    if (kind === 3 && index >= globals) invalid(`export of global ${index} out of range (${globals} globals)`, at);
    if (kind === 2) exportedMemories[index] = true;
  }
  return n;
}
