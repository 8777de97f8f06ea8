/**
 * A tiny test Worker, bundled by test/stores/workerd.ts and run in workerd through Miniflare: it
 * runs the store contract (`/contract`) or the Cloudflare fault cases (`/faults`) against the real
 * KV + Durable Object adapter and answers with the results as JSON.
 */
import type { DurableObjectNamespace, KVNamespace } from '@cloudflare/workers-types';
import { createCloudflarePlatform } from '../../platform/cloudflare/index.ts';
import { createCloudflareStores } from '../../platform/cloudflare/stores.ts';
import { runCases, type ConformanceCase } from '../conformance/harness.ts';
import { storeContractCases } from '../conformance/stores.ts';
import { cloudflareFaultCases } from './cloudflare-faults.ts';

export { ForgeState } from '../../workers/durable-objects.ts';

interface Env { FORGE_KV: KVNamespace; FORGE_STATE: DurableObjectNamespace }

const SUITES: Record<string, (env: Env) => readonly ConformanceCase[]> = {
  '/contract': () => storeContractCases,
  '/faults': (env) => cloudflareFaultCases(env),
};

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const suite = SUITES[new URL(request.url).pathname];
    if (!suite) return new Response('unknown suite', { status: 404 });
    const cases = suite(env);
    const results = await runCases(cases, {
      runtime: 'cloudflare',
      platform: createCloudflarePlatform({ modules: new Map() }),
      fixture: (name) => { throw new Error(`store cases use no fixtures (asked for ${name})`); },
      // A fresh prefix per call: new Durable Objects and KV keys, so every case starts empty.
      makeStores: async () => createCloudflareStores(env, { prefix: `t-${crypto.randomUUID()}/` }),
    });
    return Response.json(results);
  },
};
