/**
 * The ForgeOne Worker: the kernel on Cloudflare Workers, booted through the one boot sequence
 * (src/boot.ts) and serving the same hono app the Node server mounts. Modules cannot be compiled
 * here at run time: they arrive bundled at deploy time (workers/build.ts) as CompiledWasm, found
 * by the digest of their instrumented bytes.
 *
 * Configuration (docs/http-api.md § Hosts): the `FORGE_CONFIG` variable holds the config
 * document itself (JSON text or a signed DSSE envelope — a Worker has no files), other `FORGE_*`
 * variables override fields as everywhere, secrets (`FORGE_KERNEL_KEY`, `FORGE_API_TOKEN_<ID>`)
 * are Worker secrets, and `{ "ref": NAME }` references are read from KV key `config/NAME`.
 * Stores: KV + the ForgeState Durable Object when both bindings exist — the Durable Object is the
 * authority on quarantine, so every isolate sees the same state.
 */
import type { Hono } from 'hono';
import { bootKernel } from '../src/boot.ts';
import type { StoreOpener } from '../src/ports/store-opener.ts';
import { KernelError } from '../src/errors.ts';
import { createApp } from '../src/http/app.ts';
import { errorResponse } from '../src/http/errors.ts';
import { createCloudflarePlatform } from '../platform/cloudflare/index.ts';
import { createCloudflareStores } from '../platform/cloudflare/stores.ts';
import type { WorkerEnv } from './env.ts';

export { ForgeState } from './durable-objects.ts';

export interface ForgeWorker {
  fetch(request: Request, env: WorkerEnv, ctx?: unknown): Promise<Response>;
}

/** The KV and Durable Object stores; `auto` means them when both bindings exist. */
function cloudflareOpener(env: WorkerEnv): StoreOpener | undefined {
  const { FORGE_KV, FORGE_STATE } = env;
  if (!FORGE_KV || !FORGE_STATE) return undefined;
  return async (cfg) => {
    if (cfg.kind !== 'auto' && cfg.kind !== 'cloudflare') {
      throw new KernelError('CONFIG_INVALID', `config field "stores.kind": "${cfg.kind}" is not available on Workers; use "cloudflare" (the default) or "memory"`, { path: 'stores.kind' });
    }
    return { stores: createCloudflareStores({ FORGE_KV, FORGE_STATE }), kind: 'cloudflare', schemaVersion: null, persistent: true };
  };
}

/**
 * Boots the Worker's kernel from its bindings.
 * @throws KernelError from any boot step
 */
export async function bootWorkerKernel(env: WorkerEnv, modules: ReadonlyMap<string, WebAssembly.Module>) {
  // the string variables and secrets beside the bindings
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const { FORGE_CONFIG: file, ...rest } = vars;
  const opener = cloudflareOpener(env);
  return bootKernel({
    platform: createCloudflarePlatform({ modules }),
    config: { ...(file !== undefined && { file, fileName: 'FORGE_CONFIG' }), env: rest },
    resolveRef: async (ref) => {
      const value = await env.FORGE_KV?.get(`config/${ref}`, 'arrayBuffer');
      if (!value) throw new KernelError('CONFIG_INVALID', `reference "${ref}" is not in KV (key config/${ref})`);
      return new Uint8Array(value);
    },
    ...(opener && { openStores: opener }),
  });
}

/**
 * The Worker over a set of bundled modules (by the hex SHA-256 of their bytes). The kernel boots
 * on the first request and serves this isolate from then on; a failed boot is answered with its
 * error and retried on the next request.
 */
export function createWorker(modules: ReadonlyMap<string, WebAssembly.Module>): ForgeWorker {
  let app: Hono | undefined;
  return {
    async fetch(request, env) {
      try {
        // Only a finished boot is kept: a promise shared across requests would tie one request's I/O to another's.
        app ??= createApp(await bootWorkerKernel(env, modules), { localOnly: false });
      } catch (e) {
        return errorResponse(e);
      }
      return app.fetch(request);
    },
  };
}

/** Deployed as-is (wrangler.toml's main), the Worker has no modules bundled: build it with `npm run build:worker`. */
export default createWorker(new Map());
