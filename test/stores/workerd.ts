/**
 * Runs the store test Worker (workerd-entry.ts) inside workerd through Miniflare: bundles it with
 * esbuild, binds FORGE_KV and a SQLite-backed FORGE_STATE (ForgeState), asks for one suite and
 * returns the case results.
 */
import { build } from 'esbuild';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from '../conformance/harness.ts';

process.env['WRANGLER_SEND_METRICS'] = 'false';
process.env['CLOUDFLARE_CF_FETCH_ENABLED'] = 'false';

const ENTRY = fileURLToPath(new URL('./workerd-entry.ts', import.meta.url));

async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [ENTRY], bundle: true, write: false, format: 'esm', platform: 'neutral', target: 'es2022',
    mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'import'], external: ['cloudflare:workers'], logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** Runs `/contract` or `/faults` inside workerd; one Miniflare per call, disposed after. */
export async function runInWorkerd(suite: '/contract' | '/faults'): Promise<CaseResult[]> {
  // Miniflare 5 takes a new options shape; the v4 shape (as in its docs) converts to it.
  const mf = new Miniflare(convertV4MiniflareOptions({
    modules: true,
    script: await bundle(),
    compatibilityDate: '2025-09-01',
    kvNamespaces: ['FORGE_KV'],
    durableObjects: { FORGE_STATE: { className: 'ForgeState', useSQLite: true } },
  }));
  try {
    const res = await mf.dispatchFetch(`http://stores.test${suite}`);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`test worker answered ${res.status}: ${text}`);
    return JSON.parse(text) as CaseResult[];
  } finally {
    await mf.dispose();
  }
}
