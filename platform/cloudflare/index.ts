import type { Platform } from '../../src/ports/index.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { bundledWasmLoader } from '../../src/execution/loaders.ts';
import { memoryStores } from '../../src/stores/memory.ts';
import type { Stores } from '../../src/ports/platform.ts';
import { webCryptoEd25519 } from '../../src/crypto/webcrypto.ts';

export interface CloudflarePlatformOptions {
  /** Modules compiled at deploy time, by the lowercase hex SHA-256 of their bytes. */
  modules: ReadonlyMap<string, WebAssembly.Module>;
  /** Stores to use; in-memory (per isolate) when absent. */
  stores?: Stores;
}

/**
 * The Workers host: no run-time compilation (modules arrive bundled), no blocking sleep, and timers
 * freeze during synchronous code — only fuel stops a runaway guest.
 */
export function createCloudflarePlatform(options: CloudflarePlatformOptions): Platform {
  return {
    name: 'cloudflare',
    capabilities: {
      dynamicCompile: false,
      persistentStorage: options.stores !== undefined,
      blockingSleep: false,
    },
    clock: systemClock,
    wasm: bundledWasmLoader(options.modules),
    stores: options.stores ?? memoryStores(),
    crypto: webCryptoEd25519(),
  };
}
