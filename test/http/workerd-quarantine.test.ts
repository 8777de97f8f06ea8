/**
 * Quarantine across requests in real workerd (Miniflare): the product Worker, booted from its
 * bindings, runs a guest that probes denied paths until the policy quarantines it; a second
 * request launching the same package is refused 423 QUARANTINED — also by a second kernel that
 * never saw the first run, because the Durable Object, not the isolate, is the authority.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Miniflare } from 'miniflare';
import { ROOT } from '../fixtures/build.ts';
import { bundleWorker } from '../runners/bundle.ts';
import { startWorkerd } from '../runners/workerd.ts';
import { b64, fixture, proberPackage, signer, unb64, type Signed } from './helpers.ts';
import { WORKERD_TOKEN } from './workerd-config.ts';

type Json = Record<string, any>;

let mf: Miniflare;
let s: Signed;
before(async () => {
  s = await signer();
  await fixture('http-prober'); // builds the fixtures the bundle carries
  mf = startWorkerd(await bundleWorker(join(ROOT, 'test/http/workerd-entry.ts')), 'forge-http-quarantine');
  // the Worker's config names its trust root by reference; the Worker reads references from KV
  await (await mf.getKVNamespace('FORGE_KV')).put('config/root.json', JSON.stringify(s.root));
});
after(async () => { await mf?.dispose(); });

async function call(path: string, init: { body?: unknown; token?: string | null; kernel?: 'a' | 'b' } = {}): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forge-kernel': init.kernel ?? 'a' };
  if (init.token !== null) headers['authorization'] = `Bearer ${init.token ?? WORKERD_TOKEN}`;
  const res = await mf.dispatchFetch(`http://forge.test${path}`, {
    method: init.body === undefined ? 'GET' : 'POST', headers, ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

describe('the Worker in workerd', () => {
  it('boots from its bindings and demands its API token', async () => {
    const health = await call('/health', { token: null });
    assert.deepEqual([health.status, health.json.platform, health.json.kernelId], [200, 'cloudflare', 'workerd-http']);
    assert.ok(health.json.selfTests.tests.every((t: Json) => t.status === 'pass'), JSON.stringify(health.json.selfTests));
    assert.equal(health.json.boot.stores.kind, 'cloudflare');
    const anonymous = await call('/v1/runs', { token: null, body: {} });
    assert.deepEqual([anonymous.status, anonymous.json.error.code], [401, 'UNAUTHORIZED']);
  });

  it('a prober is quarantined, and the next request — to either kernel — is refused 423', async () => {
    const pkg = b64(await proberPackage(s, 'test/workerd-prober'));
    const first = await call('/v1/runs', { body: { package: pkg } });
    assert.equal(first.status, 200, JSON.stringify(first.json).slice(0, 500));
    assert.deepEqual([first.json.status, first.json.exitCode, first.json.trust.quarantined, first.json.error.code], ['quarantined', 125, true, 'QUARANTINED']);
    assert.match(unb64(first.json.stdout), /^prober: starting/);
    assert.doesNotMatch(unb64(first.json.stdout), /never stopped/);

    const again = await call('/v1/runs', { body: { package: pkg } });
    assert.deepEqual([again.status, again.json.error.code], [423, 'QUARANTINED']);
    assert.ok(again.json.error.message.includes(first.json.identity), again.json.error.message);

    const fresh = await call('/v1/runs', { body: { package: pkg }, kernel: 'b' });
    assert.deepEqual([fresh.status, fresh.json.error.code], [423, 'QUARANTINED'], 'a kernel that never saw the run refuses it too');
    const records = await call('/v1/quarantine', { kernel: 'b' });
    assert.ok(records.json.records.some((r: Json) => r.identity === first.json.identity && r.quarantined));

    // the refusal is for that identity only: another package still runs, and the first run's trace verifies
    const hello = await call('/v1/runs', { body: { package: b64(await s.sign(await fixture('http-hello'), 'test/workerd-hello')), args: ['edge'] }, kernel: 'b' });
    assert.deepEqual([hello.status, unb64(hello.json.stdout ?? '')], [200, 'hello edge\nWHO=(unset)\n']);
    const verify = await call(`/v1/runs/${first.json.runId}/verify`);
    assert.deepEqual([verify.status, verify.json.ok, verify.json.summary?.outcome.status], [200, true, 'quarantined']);
  });
});
