import type { Capabilities } from './capabilities.ts';
import type { Clock } from './clock.ts';
import type { CryptoProvider } from './crypto-provider.ts';
import type { WallClockGuard } from './guard.ts';
import type { PackageStore } from './package-store.ts';
import type { QuarantineStore } from './quarantine-store.ts';
import type { TraceStore } from './trace-store.ts';
import type { WasmLoader } from './wasm-loader.ts';

/** The storage ports a host provides. */
export interface Stores {
  readonly traces: TraceStore;
  readonly quarantine: QuarantineStore;
  readonly packages: PackageStore;
}

/** Everything the core needs from its host, passed to `createKernel` — never read from globals. */
export interface Platform {
  /** A label for reports (`node`, `browser`, `cloudflare`); the core never branches on it. */
  readonly name: string;
  readonly capabilities: Capabilities;
  readonly clock: Clock;
  readonly wasm: WasmLoader;
  readonly stores: Stores;
  /** Optional faster crypto (WebCrypto); the core's noble provider is used when absent. */
  readonly crypto?: Partial<CryptoProvider>;
  /**
   * Optional wall-clock guard for running guests.
   * @throws KernelError TIMEOUT (from the guard) when the function ran past its time
   */
  readonly guard?: WallClockGuard;
}
