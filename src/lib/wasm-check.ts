/**
 * Is the module WebAssembly at all? The header check is cheap and structural; full validation
 * uses `WebAssembly.validate`, which every host allows (workerd forbids compiling bytes at run
 * time, not validating them — checked in workerd here).
 */
import { KernelError } from '../errors.ts';

const WASM_HEADER = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);

/** Whether the bytes start with the WebAssembly magic `\0asm` (a bare module, as opposed to a package). */
export function isWasmModule(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

/**
 * Checks the 8-byte header of a core WebAssembly module (magic + version 1).
 * @throws KernelError PKG_INVALID_WASM
 */
export function checkWasmHeader(module: Uint8Array): void {
  if (module.length < 8 || !WASM_HEADER.every((b, i) => module[i] === b)) {
    throw new KernelError('PKG_INVALID_WASM', 'the module is not a core WebAssembly module (it must start with \\0asm version 1)');
  }
}

/**
 * Validates a whole module without compiling it.
 * @throws KernelError PKG_INVALID_WASM
 */
export function validateWasm(module: Uint8Array): void {
  checkWasmHeader(module);
  let ok: boolean;
  try {
    ok = WebAssembly.validate(module as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new KernelError('PKG_INVALID_WASM', `the host could not validate the module: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!ok) throw new KernelError('PKG_INVALID_WASM', 'the module is not valid WebAssembly (WebAssembly.validate rejected it)');
}
