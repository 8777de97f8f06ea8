/** The Worker's bindings (wrangler.toml) and the stores built over them. */
import type { Stores } from '../src/ports/index.ts';

export interface WorkerEnv {
  /** KV namespace: packages by digest. */
  readonly FORGE_KV?: unknown;
  /** SQLite-backed Durable Object namespace: quarantine state, traces, global counters. */
  readonly FORGE_STATE?: unknown;
}

/**
 * Fresh stores over the bindings, each call under a new name prefix; undefined until the
 * Cloudflare store adapter is present.
 */
export function makeWorkerStores(_env: WorkerEnv, _name: () => string): (() => Promise<Stores>) | undefined {
  return undefined;
}
