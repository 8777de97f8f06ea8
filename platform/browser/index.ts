import type { Platform } from '../../src/ports/index.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { compilingWasmLoader } from '../../src/execution/loaders.ts';
import { memoryStores } from '../../src/stores/memory.ts';
import type { Stores } from '../../src/ports/platform.ts';
import { webCryptoEd25519 } from '../../src/crypto/webcrypto.ts';

export interface BrowserPlatformOptions {
  /** Stores to use; in-memory when absent. */
  stores?: Stores;
}

/** The browser host (a Service Worker): compiles at run time; it may not block (no Atomics.wait) and has no guard. */
export function createBrowserPlatform(options: BrowserPlatformOptions = {}): Platform {
  return {
    name: 'browser',
    capabilities: {
      dynamicCompile: true,
      persistentStorage: options.stores !== undefined,
      blockingSleep: false,
    },
    clock: systemClock,
    wasm: compilingWasmLoader(),
    stores: options.stores ?? memoryStores(),
    crypto: webCryptoEd25519(),
  };
}
