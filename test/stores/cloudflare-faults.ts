/**
 * Cloudflare adapter faults and recovery paths, run inside workerd by test/stores/workerd-entry.ts
 * (they need the raw bindings, so they are built per request from its env): KV and Durable Object
 * outages, a package chunk not yet visible, an interrupted removal, an orphaned catalog entry.
 */
import type { DurableObjectNamespace, KVNamespace } from '@cloudflare/workers-types';
import type { ForgeStateStub } from '../../platform/cloudflare/state-protocol.ts';
import { createCloudflareStores, type CloudflareStoreEnv } from '../../platform/cloudflare/stores.ts';
import { KernelError } from '../../src/errors.ts';
import type { Stores } from '../../src/ports/platform.ts';
import { assertLaunchAllowed } from '../../src/trust/quarantine.ts';
import { assert, assertEqual, assertRejects, type ConformanceCase } from '../conformance/harness.ts';

const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ seq: from + i }));

/** A binding whose every method rejects with `error()` — an outage as the runtime reports it. */
function broken<T extends object>(error: () => Error): T {
  return new Proxy({} as T, { get: () => async () => { throw error(); } });
}

async function seed(s: Stores): Promise<void> {
  await s.traces.append('run', 0, lines(0, 3));
  await s.quarantine.put({ identity: 't/pkg', quarantined: true, reason: 'escalated', at: 1, by: 'kernel' });
  await s.packages.put('pkg', new Uint8Array([1, 2, 3]));
}

async function intact(s: Stores): Promise<void> {
  assertEqual(await s.traces.read('run'), lines(0, 3), 'trace');
  assertEqual((await s.quarantine.history('t/pkg')).length, 1, 'quarantine history');
  assertEqual(await s.packages.get('pkg'), new Uint8Array([1, 2, 3]), 'package');
}

function causeShown(e: KernelError, text: string): void {
  assert(e.cause instanceof Error, 'the platform error is kept as cause');
  assert(e.message.includes(text), `the message shows the platform error "${text}": ${e.message}`);
}

/** The Cloudflare fault cases over `env`'s real bindings; each case uses its own prefix. */
export function cloudflareFaultCases(env: CloudflareStoreEnv): ConformanceCase[] {
  const fresh = () => ({ prefix: `f-${crypto.randomUUID()}/` });
  return [
    {
      name: 'cloudflare: KV unavailable — package calls fail STORE_UNAVAILABLE with the KV error; nothing stored is lost',
      async run() {
        const opts = fresh();
        const good = createCloudflareStores(env, opts);
        await seed(good);
        const down = createCloudflareStores({ ...env, FORGE_KV: broken<KVNamespace>(() => new Error('KV GET failed: 503 Service Unavailable')) }, opts);
        causeShown(await assertRejects(() => down.packages.get('pkg'), 'STORE_UNAVAILABLE', 'get'), '503 Service Unavailable');
        causeShown(await assertRejects(() => down.packages.put('new', new Uint8Array([4])), 'STORE_UNAVAILABLE', 'put'), '503');
        await assertRejects(() => down.packages.list(), 'STORE_UNAVAILABLE', 'list');
        await intact(good);
        assertEqual(await good.packages.list(), ['pkg'], 'nothing half-written');
      },
    },
    {
      name: 'cloudflare: Durable Objects unavailable — traces and quarantine fail STORE_UNAVAILABLE, the launch check denies; nothing stored is lost',
      async run() {
        const opts = fresh();
        const good = createCloudflareStores(env, opts);
        await seed(good);
        const overloaded = () => new Error('Durable Object is overloaded. Too many requests queued.');
        const ns = { idFromName: (n: string) => env.FORGE_STATE.idFromName(n), get: () => broken<ForgeStateStub>(overloaded) };
        const down = createCloudflareStores({ ...env, FORGE_STATE: ns as unknown as DurableObjectNamespace }, opts);
        causeShown(await assertRejects(() => down.traces.append('run', 3, lines(3, 2)), 'STORE_UNAVAILABLE', 'append'), 'overloaded');
        await assertRejects(() => down.traces.list(), 'STORE_UNAVAILABLE', 'list');
        causeShown(await assertRejects(() => assertLaunchAllowed(down.quarantine, 't/other'), 'STORE_UNAVAILABLE', 'launch check'), 'overloaded');
        await assertRejects(() => down.quarantine.put({ identity: 't/pkg', quarantined: false, reason: 'x', at: 2, by: 'a' }), 'STORE_UNAVAILABLE', 'put');
        await intact(good);
        await good.traces.append('run', 3, lines(3, 2));
      },
    },
    {
      name: 'cloudflare: a chunked package round-trips; a chunk not yet visible is STORE_UNAVAILABLE, never short bytes',
      async run() {
        const opts = fresh();
        const s = createCloudflareStores(env, { ...opts, chunkBytes: 1000 });
        const bytes = Uint8Array.from({ length: 4500 }, (_, i) => (i * 7) % 256);
        await s.packages.put('chunked', bytes);
        assertEqual(await s.packages.get('chunked'), bytes, 'chunked package');
        assertEqual(await s.packages.list(), ['chunked'], 'only heads are listed');
        await env.FORGE_KV.delete(`${opts.prefix}pkg-chunk/chunked/2`);
        const e = await assertRejects(() => s.packages.get('chunked'), 'STORE_UNAVAILABLE', 'get with a chunk missing');
        assert(e.message.includes('chunk 2 of 5'), e.message);
        await s.packages.remove('chunked');
        assertEqual(await s.packages.get('chunked'), undefined, 'removed');
        assertEqual((await env.FORGE_KV.list({ prefix: opts.prefix })).keys.length, 0, 'no chunk left behind');
      },
    },
    {
      name: 'cloudflare: a removal interrupted after its first step is finished by the next list, whole',
      async run() {
        const opts = fresh();
        const s = createCloudflareStores(env, opts);
        await s.traces.append('half', 0, lines(0, 4));
        await s.traces.append('other', 0, lines(0, 1));
        const stub = (n: string) => env.FORGE_STATE.get(env.FORGE_STATE.idFromName(opts.prefix + n)) as unknown as ForgeStateStub;
        await stub('catalog').catalogMarkRemoving('half');
        assertEqual((await s.traces.list()).map((r) => r.runId), ['other'], 'list after the interrupted removal');
        await assertRejects(() => s.traces.read('half'), 'NOT_FOUND', 'the trace is gone whole');
        await s.traces.append('half', 0, lines(0, 1));
        assertEqual(await s.traces.read('half'), lines(0, 1), 'the id starts again');
      },
    },
    {
      name: 'cloudflare: a catalog entry whose first batch never arrived is not listed, and is dropped once old',
      async run() {
        const opts = fresh();
        const s = createCloudflareStores(env, { ...opts, orphanAfterMs: 1000 });
        const catalog = env.FORGE_STATE.get(env.FORGE_STATE.idFromName(`${opts.prefix}catalog`)) as unknown as ForgeStateStub;
        await catalog.catalogRegister('orphan-new', Date.now());
        await catalog.catalogRegister('orphan-old', Date.now() - 10_000);
        assertEqual(await s.traces.list(), [], 'orphans are not listed');
        const rows = await catalog.catalogList();
        assert(rows.ok, 'catalog list');
        assertEqual(rows.value.map((r) => r.runId), ['orphan-new'], 'the old orphan was dropped, the young one kept');
      },
    },
  ];
}

