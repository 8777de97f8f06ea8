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
  dataSegments: { max: 100_000, what: 'data segments', why: 'JS API' },
  elementSegments: { max: 100_000, what: 'element segments', why: 'the JS API sets none; wasmparser and wasmi use the data-segment figure' },
  bodyBytes: { max: 7_654_321, what: 'bytes of function body', why: 'JS API; checked on the input and on the instrumented body, which is what the engine compiles' },
  locals: { max: 49_998, what: 'locals (parameters included)', why: 'the JS API\'s 50,000 less the two scratch locals instrumentation may add' },
  params: { max: 1_000, what: 'parameters in one type', why: 'JS API' },
  results: { max: 1_000, what: 'results in one type', why: 'JS API' },
  nesting: { max: 16_384, what: 'levels of control nesting', why: 'not in the JS API: the engine keeps state per open block (about 1.2 KiB in V8), so depth is memory; LLVM lowers a C switch to one block per case, and real output stays far below' },
} as const satisfies Record<string, Limit>;

export type ModuleLimit = keyof typeof MODULE_LIMITS;

/**
 * Refuses a module: `value` of `limit` found at byte `offset` (`where` names the function, if any).
 * @throws KernelError WASM_LIMIT_EXCEEDED, always
 */
export function overLimit(limit: ModuleLimit, value: number, offset: number, where?: string): never {
  const { max, what } = MODULE_LIMITS[limit];
  throw new KernelError(
    'WASM_LIMIT_EXCEEDED',
    `module limit exceeded at byte ${offset}: ${value} ${what}${where === undefined ? '' : ` in ${where}`}, above the ${limit} limit of ${max}`,
    { limit, value, max, offset },
  );
}

/** @throws KernelError WASM_LIMIT_EXCEEDED when `value` is above `limit` */
export function checkLimit(limit: ModuleLimit, value: number, offset: number, where?: string): void {
  if (value > MODULE_LIMITS[limit].max) overLimit(limit, value, offset, where);
}
