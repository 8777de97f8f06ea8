/**
 * Turns module bytes into a compiled `WebAssembly.Module`. Hosts that can compile at run time
 * compile; hosts that cannot (Workers) look the module up among those bundled at deploy time,
 * by the SHA-256 digest of its bytes.
 */
export interface WasmLoader {
  /**
   * @param bytes the exact module bytes (already verified and instrumented by the kernel)
   * @param digest lowercase hex SHA-256 of `bytes`
   * @throws KernelError WASM_COMPILE_FAILED when the bytes do not compile, WASM_NOT_BUNDLED when
   *   the host cannot compile and no bundled module has this digest
   */
  load(bytes: Uint8Array, digest: string): Promise<WebAssembly.Module>;
}
