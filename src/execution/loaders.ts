import { KernelError, asKernelError } from '../errors.ts';
import type { WasmLoader } from '../ports/wasm-loader.ts';

/**
 * A loader for hosts that compile at run time. Compiled modules are cached by digest, so a module
 * run many times compiles once.
 */
export function compilingWasmLoader(maxCached = 64): WasmLoader {
  const cache = new Map<string, Promise<WebAssembly.Module>>();
  return {
    load(bytes, digest) {
      let p = cache.get(digest);
      if (!p) {
        p = WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>).catch((e: unknown) => {
          cache.delete(digest);
          throw asKernelError(e, 'WASM_COMPILE_FAILED', 'the WebAssembly module does not compile');
        });
        cache.set(digest, p);
        if (cache.size > maxCached) cache.delete(cache.keys().next().value!);
      }
      return p;
    },
  };
}

/**
 * A loader for hosts that cannot compile at run time (Workers): modules were compiled at deploy
 * time and are found by the digest of their bytes. `fallback` serves digests not bundled, where
 * the host has another way (a Worker Loader binding).
 */
export function bundledWasmLoader(modules: ReadonlyMap<string, WebAssembly.Module>, fallback?: WasmLoader): WasmLoader {
  return {
    async load(bytes, digest) {
      const m = modules.get(digest);
      if (m) return m;
      if (fallback) return fallback.load(bytes, digest);
      throw new KernelError(
        'WASM_NOT_BUNDLED',
        `this host cannot compile WebAssembly at run time and no bundled module has digest ${digest}; bundle the module at deploy time`,
        { digest },
      );
    },
  };
}
