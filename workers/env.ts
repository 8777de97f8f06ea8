/** The Worker's bindings (wrangler.toml) and the stores built over them. */
import type { DurableObjectNamespace, KVNamespace } from '@cloudflare/workers-types';
import { createCloudflareStores } from '../platform/cloudflare/stores.ts';
import type { Stores } from '../src/ports/index.ts';

export interface WorkerEnv {
  /** KV namespace: packages by digest. */
  readonly FORGE_KV?: KVNamespace;
  /** SQLite-backed Durable Object namespace: quarantine state, traces, global counters. */
  readonly FORGE_STATE?: DurableObjectNamespace;
}

/**
 * A factory of fresh stores over the bindings, each under a new name prefix; undefined when the
 * Worker runs without its bindings.
 */
export function makeWorkerStores(env: WorkerEnv, name: () => string): (() => Promise<Stores>) | undefined {
  const { FORGE_KV, FORGE_STATE } = env;
  if (!FORGE_KV || !FORGE_STATE) return undefined;
  return async () => createCloudflareStores({ FORGE_KV, FORGE_STATE }, { prefix: `${name()}/` });
}
