import type { Platform } from '../../src/ports/index.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { compilingWasmLoader } from '../../src/execution/loaders.ts';
import { memoryStores } from '../../src/stores/memory.ts';
import type { Stores } from '../../src/ports/platform.ts';
import { nodeCrypto } from './crypto.ts';
import { vmGuard } from './guard.ts';

export interface NodePlatformOptions {
  /** Stores to use; in-memory when absent. */
  stores?: Stores;
}

/** The Node host: compiles at run time, a guest's sleep blocks (Atomics.wait), a wall-clock guard, WebCrypto for verify. */
export function createNodePlatform(options: NodePlatformOptions = {}): Platform {
  return {
    name: 'node',
    capabilities: {
      dynamicCompile: true,
      persistentStorage: options.stores !== undefined,
      blockingSleep: true,
    },
    clock: systemClock,
    wasm: compilingWasmLoader(),
    stores: options.stores ?? memoryStores(),
    crypto: nodeCrypto,
    guard: vmGuard,
  };
}
