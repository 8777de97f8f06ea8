/**
 * Reading WebAssembly's binary encoding: the kernel's one byte reader (src/lib/bytes.ts) with the
 * module's error — every read stays inside `[pos, end)`, anything else becomes a KernelError
 * PKG_INVALID_WASM naming the absolute byte offset, so hostile bytes can never surface as a
 * RangeError or a silently wrong value — and the two reads only WebAssembly has.
 */
import { KernelError } from '../../errors.ts';
import { ByteReader, type ReadError } from '../../lib/bytes.ts';
import { checkLimit, type ModuleLimit } from './limits.ts';

function invalidWasm(message: string, offset: number): KernelError {
  return new KernelError('PKG_INVALID_WASM', `invalid WebAssembly module at byte ${offset}: ${message}`, { offset });
}

/** @throws KernelError PKG_INVALID_WASM, always: `message` at absolute byte `offset`. */
export function invalid(message: string, offset: number): never {
  throw invalidWasm(message, offset);
}

const wasmError: ReadError = (problem, what, at, end) =>
  invalidWasm(problem === 'truncated' ? `unexpected end while reading ${what} (the enclosing section or body ends at byte ${end})` : what, at);

/**
 * A reader of `bytes[pos, end)` whose every read throws KernelError PKG_INVALID_WASM on bytes that
 * are not there or malformed. (The one reader class, not a subclass: the recorder and the
 * instrumenter run in one process, and one shape keeps both hot paths monomorphic.)
 */
export function wasmReader(bytes: Uint8Array, pos: number, end: number): ByteReader {
  return new ByteReader(bytes, pos, end, wasmError);
}

/** Skips a value type, including the two-part `(ref null? ht)` forms. @throws KernelError PKG_INVALID_WASM */
export function valType(r: ByteReader): void {
  const t = r.u8();
  if (t === 0x63 || t === 0x64) r.skipLeb(5);
}

/**
 * A vector count that cannot claim more entries than bytes remain, nor (checked first, so a bare
 * count is refused as such) more than `limit` allows.
 * @throws KernelError WASM_LIMIT_EXCEEDED, PKG_INVALID_WASM
 */
export function count(r: ByteReader, what: string, limit?: ModuleLimit): number {
  const at = r.pos;
  const n = r.u32();
  if (limit !== undefined) checkLimit(limit, n, at);
  if (n > r.end - r.pos) invalid(`${what} count ${n} exceeds the ${r.end - r.pos} bytes that remain`, at);
  return n;
}
