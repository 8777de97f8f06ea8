/** Runs the conformance suite inside real workerd (Miniflare), with KV and a SQLite-backed Durable Object. */
import { Miniflare } from 'miniflare';
import type { CaseResult } from '../conformance/harness.ts';
import { buildFixtures } from '../fixtures/build.ts';
import { bundleWorker, type WorkerBundle } from './bundle.ts';
import type { RuntimeReport } from './report.ts';

const COMPATIBILITY_DATE = '2026-11-01';

/**
 * Starts workerd on a bundle, with the bindings wrangler.toml declares (the bundle's main module
 * must export the ForgeState Durable Object class). Offline, no telemetry.
 */
export function startWorkerd(bundle: WorkerBundle, name = 'forge'): Miniflare {
  process.env['WRANGLER_SEND_METRICS'] = 'false';
  process.env['CLOUDFLARE_CF_FETCH_ENABLED'] = 'false';
  const modules: Record<string, { type: 'esm' | 'wasm' | 'data'; contents: string | Uint8Array<ArrayBuffer> }> = {
    'index.mjs': { type: 'esm', contents: bundle.main },
  };
  for (const m of bundle.wasm) {
    modules[m.path] = { type: m.type === 'CompiledWasm' ? 'wasm' : 'data', contents: m.contents as Uint8Array<ArrayBuffer> };
  }
  return new Miniflare({
    workers: [{
      config: {
        name,
        compatibilityDate: COMPATIBILITY_DATE,
        manifest: { mainModule: 'index.mjs', modules },
        env: {
          FORGE_KV: { type: 'kv' },
          FORGE_STATE: { type: 'durable-object', worker: name, exportName: 'ForgeState' },
        },
        exports: { ForgeState: { type: 'durable-object', storage: 'sqlite' } },
      },
    }],
  });
}

export async function runWorkerdConformance(): Promise<RuntimeReport> {
  await buildFixtures();
  const mf = startWorkerd(await bundleWorker(), 'forge-conformance');
  try {
    const res = await mf.dispatchFetch('http://localhost/__conformance');
    const text = await res.text();
    if (!res.ok) return { runtime: 'cloudflare', results: [], error: `HTTP ${res.status}: ${text.slice(0, 2000)}` };
    const body = JSON.parse(text) as { results: CaseResult[] };
    return { runtime: 'cloudflare', results: body.results };
  } finally {
    await mf.dispose();
  }
}
