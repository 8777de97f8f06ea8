import type { BootReport } from './boot-report.ts';
import { configDigest, resolveConfig, type KernelConfig } from './config/index.ts';
import { toHex } from './lib/encoding.ts';
import { resolveCrypto } from './crypto/noble.ts';
import { KernelError, asKernelError } from './errors.ts';
import type { CryptoProvider } from './ports/crypto-provider.ts';
import type { Platform } from './ports/platform.ts';
import { createInstrumenter, type Instrumenter } from './execution/instrument/index.ts';
import { checkCompiledImports, closedRecord, NO_IMPORTS } from './execution/import-surface.ts';

export interface KernelOptions {
  platform: Platform;
  /** Configuration input; validated, defaulted and frozen at creation. */
  config?: unknown;
  /** Set by `bootKernel`: the report of the boot that produced this kernel. */
  boot?: BootReport;
  /** 32-byte Ed25519 seed that signs checkpoints and attestations; a fresh one per kernel when absent. */
  signingKey?: Uint8Array;
}

export interface HealthReport {
  status: 'ok';
  platform: string;
  kernelId: string;
  capabilities: Platform['capabilities'];
}

export interface Kernel {
  readonly platform: Platform;
  readonly config: Readonly<KernelConfig>;
  /** SHA-256 of the config's canonical JSON; every trace's genesis entry carries it. */
  readonly configDigest: string;
  /** How this kernel was booted; null when it was made by `createKernel` directly (no boot sequence ran). */
  readonly boot: BootReport | null;
  readonly crypto: CryptoProvider;
  /** The kernel's signing key (Ed25519 seed): checkpoints and attestations of every run. */
  readonly signingKey: Uint8Array;
  /** The kernel's instrumentation cache: a module run many times is instrumented once. */
  readonly instrumenter: Instrumenter;
  /**
   * Compiles module bytes through the platform's loader.
   * @throws KernelError WASM_COMPILE_FAILED, WASM_NOT_BUNDLED
   */
  compile(bytes: Uint8Array): Promise<WebAssembly.Module>;
  /**
   * Loads a module that needs no imports and calls one of its exported functions.
   * @throws KernelError WASM_IMPORT_REFUSED (it imports anything), WASM_INSTANTIATE_FAILED, WASM_EXPORT_MISSING, WASM_TRAP
   */
  invoke(bytes: Uint8Array, exportName: string, args?: readonly (number | bigint)[]): Promise<unknown>;
  health(): HealthReport;
}

/**
 * Creates a kernel over a host's platform.
 * @throws KernelError CONFIG_INVALID when the configuration does not validate
 */
export function createKernel(options: KernelOptions): Kernel {
  const { platform } = options;
  const config = resolveConfig(options.config);
  const crypto = resolveCrypto(platform.crypto);

  const compile = (bytes: Uint8Array) => platform.wasm.load(bytes, toHex(crypto.sha256(bytes)));

  return {
    platform,
    config,
    configDigest: configDigest(config),
    boot: options.boot ?? null,
    crypto,
    signingKey: options.signingKey ?? crypto.randomBytes(32),
    instrumenter: createInstrumenter({ sha256: crypto.sha256 }),
    compile,
    async invoke(bytes, exportName, args = []) {
      const module = await compile(bytes);
      checkCompiledImports(module, NO_IMPORTS);
      let instance: WebAssembly.Instance;
      try {
        instance = await WebAssembly.instantiate(module, closedRecord([]));
      } catch (e) {
        throw asKernelError(e, 'WASM_INSTANTIATE_FAILED', 'the module could not be instantiated');
      }
      const fn = instance.exports[exportName];
      if (typeof fn !== 'function') {
        throw new KernelError('WASM_EXPORT_MISSING', `the module exports no function named "${exportName}"`, { exportName });
      }
      try {
        return (fn as (...a: unknown[]) => unknown)(...args);
      } catch (e) {
        throw asKernelError(e, 'WASM_TRAP', `"${exportName}" trapped`);
      }
    },
    health: () => ({ status: 'ok', platform: platform.name, kernelId: config.kernelId, capabilities: platform.capabilities }),
  };
}
