/**
 * Boots a kernel on Node: the config from a file and the environment, SQLite stores in the
 * configured data directory (the default), and the core's one boot sequence (src/boot.ts).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bootKernel, type BootedKernel } from '../../src/boot.ts';
import type { StoreOpener } from '../../src/ports/store-opener.ts';
import { KernelError } from '../../src/errors.ts';
import type { Platform } from '../../src/ports/platform.ts';
import { readNodeConfig } from './config-source.ts';
import { createNodePlatform } from './index.ts';
import { createSqliteStores, SQLITE_MIGRATIONS } from './sqlite-store.ts';
import { DEFAULT_DATA_DIR, loadKernelKey } from './kernel-key.ts';

export interface NodeBootOptions {
  /** The JSON config file; FORGE_CONFIG names it when absent. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  requireSignedConfig?: boolean;
  /** Config-signing public keys: 64 hex digits, or paths of key documents (`forge keygen` output). */
  configKeys?: readonly string[];
  /** Trust-root files checked at boot in addition to those the config names. */
  trustRootFiles?: readonly string[];
  /** Only for tests of the failure path: self-tests run against corrupted vectors. */
  corruptSelfTests?: readonly string[];
  platform?: Platform;
  /** The kernel key's Ed25519 seed (see BootOptions.signingKey); withKernelKey fills it from a key file. */
  signingKey?: Uint8Array;
}

/** SQLite in the configured data directory; `auto` means SQLite on Node. */
export const nodeStoreOpener: StoreOpener = async (cfg) => {
  if (cfg.kind !== 'auto' && cfg.kind !== 'sqlite') {
    throw new KernelError('CONFIG_INVALID', `config field "stores.kind": "${cfg.kind}" is not available on Node; use "sqlite" (the default) or "memory"`, { path: 'stores.kind' });
  }
  const stores = createSqliteStores(resolve(cfg.dataDir));
  // createSqliteStores migrates forward on open and refuses a newer schema (STORE_SCHEMA), so once
  // it returns the database is at the newest version this build knows
  const schemaVersion = SQLITE_MIGRATIONS.reduce((m, s) => Math.max(m, s.version), 0);
  return { stores, kind: 'sqlite', schemaVersion, persistent: true, close: () => stores.close() };
};

/**
 * Boots the Node kernel.
 * @throws KernelError from any boot step (see bootKernel), or KEY_INVALID for an unreadable key file
 */
export async function bootNodeKernel(options: NodeBootOptions = {}): Promise<BootedKernel> {
  const cwd = options.cwd ?? process.cwd();
  const { sources, resolveRef } = await readNodeConfig({ ...options, cwd });
  const configKeys = await readConfigKeys(options.configKeys ?? [], cwd);
  const trustRoots = await Promise.all((options.trustRootFiles ?? []).map((f) => readFile(resolve(cwd, f), 'utf8').catch((e: unknown) => {
    throw new KernelError('TRUST_ROOT_INVALID', `trust root file "${f}" cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  })));
  return bootKernel({
    platform: options.platform ?? createNodePlatform(),
    config: sources,
    resolveRef,
    openStores: nodeStoreOpener,
    trustRoots,
    configKeys,
    ...(options.requireSignedConfig !== undefined && { requireSignedConfig: options.requireSignedConfig }),
    ...(options.corruptSelfTests && { corruptSelfTests: options.corruptSelfTests }),
    ...(options.signingKey && { signingKey: options.signingKey }),
  });
}

/**
 * Config-signing keys given on the command line: 64 hex digits, or the path of a key document.
 * @throws KernelError CONFIG_SIGNATURE_INVALID for a key file that cannot be read
 */
export function readConfigKeys(keys: readonly string[], cwd: string): Promise<unknown[]> {
  return Promise.all(keys.map((k) => (/^[0-9a-fA-F]{64}$/.test(k) ? k : readJson(resolve(cwd, k), 'config key'))));
}

async function readJson(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (e) {
    throw new KernelError('CONFIG_SIGNATURE_INVALID', `${what} file "${path}" cannot be read as JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * The boot options with the kernel key (`signingKey`) read from `keyDir` (created there on first
 * use) unless the environment gives FORGE_KERNEL_KEY: `forge serve` and `forge run` sign with one key.
 * @throws KernelError KEY_INVALID for an unreadable or exposed key file
 */
export function withKernelKey(boot: NodeBootOptions, keyDir: string | undefined): NodeBootOptions {
  const env = boot.env ?? process.env;
  if (env['FORGE_KERNEL_KEY']?.trim() || boot.signingKey) return boot;
  const key = loadKernelKey({ dataDir: resolve(boot.cwd ?? process.cwd(), keyDir ?? DEFAULT_DATA_DIR), env });
  return { ...boot, signingKey: key.secretKey };
}
