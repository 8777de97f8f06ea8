/** A kernel booted for a conformance case on the host's real stores (when it has them), and a JSON call to its app. Web standards only. */
import { bootKernel, type BootedKernel, type BootOptions } from '../../src/boot.ts';
import type { createApp } from '../../src/http/app.ts';
import type { ConformanceEnv } from './harness.ts';

/** Boots with config `{ kernelId }` and the host's fresh stores; `over` replaces any option. */
export function bootOnHostStores(env: ConformanceEnv, kernelId: string, over: Partial<BootOptions> = {}): Promise<BootedKernel> {
  const makeStores = env.makeStores;
  return bootKernel({
    platform: env.platform,
    config: { file: { kernelId }, env: {} },
    ...(makeStores && { openStores: async () => ({ stores: await makeStores(), kind: `${env.runtime}-store`, schemaVersion: null, persistent: true }) }),
    ...over,
  });
}

export type Json = Record<string, any>;

/** One request to the app, a JSON body when given; its status and JSON answer. */
export async function callJson(app: ReturnType<typeof createApp>, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json }> {
  const res = await app.request(path, {
    method, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}
