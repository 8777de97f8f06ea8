/**
 * Static limits on what an untrusted module may declare, checked while its bytes are read and
 * before anything is compiled: the engine's compile time and memory follow these counts, sizes and
 * depths, so without them a few MB buy seconds and gigabytes. Defaults follow the WebAssembly JS-API
 * implementation limits (https://webassembly.github.io/spec/js-api/#limits), less what
 * instrumentation itself appends where it appends, so that whatever passes here also compiles.
 */
import { KernelError } from '../../errors.ts';

interface Limit {
  readonly max: number;
  /** What the counted value is, as a plural noun phrase ("types"). */
  readonly what: string;
  readonly why: string;
}

export const MODULE_LIMITS = {
  moduleBytes: { max: 256 * 1024 * 1024, what: 'bytes of module', why: 'a quarter of the JS API\'s 1 GiB: instrumentation holds the input and its up to 1.65× output at once, and every output stays under the engine\'s 1 GiB' },
  types: { max: 1_000_000, what: 'types', why: 'JS API' },
  imports: { max: 100_000, what: 'imports', why: 'JS API' },
  functions: { max: 1_000_000, what: 'defined functions', why: 'JS API' },
  globals: { max: 999_999, what: 'defined globals', why: 'the JS API\'s 1,000,000 less the fuel global instrumentation appends' },
  exports: { max: 99_999, what: 'exports', why: 'the JS API\'s 100,000 less the fuel export instrumentation appends' },
  memories: { max: 100, what: 'memories (imported and defined)', why: 'JS API; multi-memory is rare in real output, and the memory cap is shared between them' },
  tables: { max: 100_000, what: 'tables (imported and defined)', why: 'JS API' },
  tableElements: { max: 1_000_000, what: 'table elements at start (all tables)', why: 'not in the JS API (which allows 10,000,000 per table): V8 keeps about 35 bytes per funcref element, so four such tables of a 77-byte module took 1.4 GB. C and Rust function-pointer tables hold thousands of entries. Every table\'s maximum is capped so that the maxima sum to at most this, so table.grow cannot pass it either' },
  dataSegments: { max: 100_000, what: 'data segments', why: 'JS API' },
  elementSegments: { max: 100_000, what: 'element segments', why: 'the JS API sets none; wasmparser and wasmi use the data-segment figure' },
  bodyBytes: { max: 7_654_321, what: 'bytes of function body', why: 'JS API; checked on the input and on the instrumented body, which is what the engine compiles' },
  locals: { max: 49_998, what: 'locals (parameters included)', why: 'the JS API\'s 50,000 less the two scratch locals instrumentation may add' },
  params: { max: 1_000, what: 'parameters in one type', why: 'JS API' },
  results: { max: 1_000, what: 'results in one type', why: 'JS API' },
  compileWork: { max: 4_194_304, what: 'locals × control points', why: 'not in the JS API: a baseline compiler (V8\'s Liftoff) walks every local at each branch, loop, if arm, call and branch target, so four bytes declaring 50,000 locals multiply every control instruction; about 3× the largest function measured in real compiler output' },
  moduleCompileWork: { max: 8_388_608, what: 'locals × control points summed over the functions', why: 'the same work over the whole module, so many functions at the per-function limit do not add up to seconds either; the cap grows by MODULE_WORK_PER_CODE_BYTE with the code section, as real code\'s compile time does' },
  nesting: { max: 16_384, what: 'levels of control nesting', why: 'not in the JS API: the engine keeps state per open block (about 1.2 KiB in V8), so depth is memory; LLVM lowers a C switch to one block per case, and real output stays far below' },
} as const satisfies Record<string, Limit>;

export type ModuleLimit = keyof typeof MODULE_LIMITS;

/**
 * How much `moduleCompileWork` each byte of the code section adds to its cap: real compiler output
 * measures 0.2–2.8 per byte (clang, emscripten, Rust, Go), so a large real module stays well inside,
 * while the worst a byte can buy stays linear (about 0.4 µs of compilation per byte, measured).
 */
export const MODULE_WORK_PER_CODE_BYTE = 8;

/** The `moduleCompileWork` cap of a module whose code section has `codeBytes` bytes. */
export function moduleWorkCap(codeBytes: number): number {
  return MODULE_LIMITS.moduleCompileWork.max + MODULE_WORK_PER_CODE_BYTE * codeBytes;
}

/**
 * Refuses a module: `value` of `limit` found at byte `offset` (`where` names the function, if any).
 * @throws KernelError WASM_LIMIT_EXCEEDED, always
 */
export function overLimit(limit: ModuleLimit, value: number, offset: number, where?: string, max: number = MODULE_LIMITS[limit].max): never {
  const { what } = MODULE_LIMITS[limit];
  throw new KernelError(
    'WASM_LIMIT_EXCEEDED',
    `module limit exceeded at byte ${offset}: ${value} ${what}${where === undefined ? '' : ` in ${where}`}, above the ${limit} limit of ${max}`,
    { limit, value, max, offset },
  );
}

/** @throws KernelError WASM_LIMIT_EXCEEDED when `value` is above `limit` (or above `max`, when the cap depends on the module) */
export function checkLimit(limit: ModuleLimit, value: number, offset: number, where?: string, max: number = MODULE_LIMITS[limit].max): void {
  if (value > max) overLimit(limit, value, offset, where, max);
}
