/**
 * Forensic replay over HTTP in every host: a run recorded through `POST /v1/runs` into the host's
 * real trace store is replayed with `POST /v1/runs/:id/replay` — identically, or stopped at the
 * first divergent entry, named — and a guest that is not the one recorded, or a trace altered in
 * the store, is refused. Runs use a 1 MiB memory limit (as the WASI cases do), whose instrumented
 * variant the Worker has bundled: a replay runs under the limits its trace recorded.
 */
import type { BootedKernel, BootOptions } from '../../src/boot.ts';
import { bootOnHostStores, callJson } from './boot-kernel.ts';
import { createTrustRoot } from '../../src/packages/root-signing.ts';
import { trustRootDocument } from '../../src/packages/trust-root.ts';
import { generateKeyPair, packPackage, resolveCrypto } from '../../src/packages/index.ts';
import { fromBase64, toBase64, toHex } from '../../src/lib/encoding.ts';
import { createApp } from '../../src/http/app.ts';
import { assert, assertEqual, type ConformanceCase, type ConformanceEnv } from './harness.ts';

type App = ReturnType<typeof createApp>;
type Json = Record<string, any>;

const LIMITS = { memoryBytes: 1024 * 1024 } as const;
const text = (b64: string) => new TextDecoder().decode(fromBase64(b64));

const boot = (env: ConformanceEnv, over: Partial<BootOptions> = {}): Promise<BootedKernel> => bootOnHostStores(env, 'replay-conformance', over);

const call = callJson;

async function traceLines(app: App, runId: string): Promise<Json[]> {
  return (await (await app.request(`/v1/runs/${runId}/trace`)).text()).trim().split('\n').map((l) => JSON.parse(l) as Json);
}

export const replayCases: ConformanceCase[] = [
  {
    name: 'replay: POST /v1/runs/:id/replay replays a stored run identically; without the offered variable it diverges at that entry',
    async run(env) {
      const kernel = await boot(env);
      try {
        const app = createApp(kernel, { localOnly: true });
        const guest = { module: toBase64(env.fixture('http-hello')), allowUnsigned: true, args: ['from', env.runtime], env: { WHO: 'world' } };
        const run = await call(app, 'POST', '/v1/runs', { ...guest, stdin: toBase64(new TextEncoder().encode('shout\n')), limits: LIMITS });
        assertEqual(run.status, 200, `POST /v1/runs status (${JSON.stringify(run.json).slice(0, 300)})`);
        const id = run.json.runId as string;

        const same = await call(app, 'POST', `/v1/runs/${id}/replay`, guest);
        assertEqual(same.status, 200, `replay status (${JSON.stringify(same.json).slice(0, 300)})`);
        const r = same.json;
        assertEqual([r.runId, r.verdict, r.divergence, r.trace.status, r.trace.keyPinned], [id, 'identical', null, 'ok', true], 'verdict and trace');
        assertEqual([r.replayed.status, r.replayed.exitCode, r.replayed.fuelUsed], ['exited', 3, run.json.fuelUsed], 'the replayed end and its fuel');
        assertEqual(text(r.replayed.stdout), `hello from ${env.runtime}\nWHO=(unset)\nSHOUT\n`, 'stdout, stdin read from the trace');
        assertEqual(r.recorded, { status: 'exited', exitCode: 3 }, 'the recorded outcome');
        assertEqual(r.limits.memoryBytes, LIMITS.memoryBytes, 'the recorded limits');

        const who = (await traceLines(app, id)).find((l) => l.t === 'call' && l.syscall === 'environ_get' && l.args?.env === 'WHO');
        assert(who !== undefined, 'the trace records the WHO decision');
        const other = await call(app, 'POST', `/v1/runs/${id}/replay`, { ...guest, env: {} });
        assertEqual([other.status, other.json.verdict], [200, 'diverged'], `a divergence is an answer (${JSON.stringify(other.json).slice(0, 300)})`);
        const d = other.json.divergence;
        assertEqual([d.code, d.entry, d.field, d.syscall, d.recorded, d.actual], ['REPLAY_DIVERGED', who.seq, 'syscall', 'environ_get', 'environ_get', 'environ_sizes_get'], 'the first divergence, named');
        assertEqual(other.json.replayed.status, 'killed', 'the diverging guest was stopped');

        const wrong = await call(app, 'POST', `/v1/runs/${id}/replay`, { ...guest, module: toBase64(env.fixture('wasi-args-env')) });
        assertEqual([wrong.status, wrong.json.error?.code], [400, 'PKG_DIGEST_MISMATCH'], 'another module');
        const missing = await call(app, 'POST', '/v1/runs/0123456789abcdef/replay', guest);
        assertEqual([missing.status, missing.json.error?.code], [404, 'NOT_FOUND'], 'an unknown run');
      } finally {
        await kernel.close();
      }
    },
  },
  {
    name: 'replay: a signed package run by digest replays by digest; a trace altered in the store is refused 422 TRACE_TAMPERED',
    async run(env) {
      const crypto = resolveCrypto(env.platform.crypto);
      const now = env.platform.clock.now();
      const key = generateKeyPair({ crypto });
      const root = await createTrustRoot({
        expires: new Date(now + 86_400_000).toISOString(), threshold: 1, keys: [{ id: key.keyId, publicKey: toHex(key.publicKey) }],
      }, [key], { crypto, now });
      const pkg = await packPackage({ module: env.fixture('http-hello'), manifest: { name: 'conformance/replay', version: '1.0.0' }, files: {} }, { crypto, keys: [key] });
      const kernel = await boot(env, { trustRoots: [trustRootDocument(root)] });
      try {
        const app = createApp(kernel, { localOnly: true });
        const up = await app.request('/v1/packages', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: pkg as Uint8Array<ArrayBuffer> });
        const { digest } = (await up.json()) as Json;
        assertEqual(up.status, 201, 'POST /v1/packages');
        const run = await call(app, 'POST', '/v1/runs', { packageDigest: digest, limits: LIMITS });
        assertEqual(run.status, 200, `run by digest (${JSON.stringify(run.json).slice(0, 300)})`);
        const id = run.json.runId as string;
        const r = await call(app, 'POST', `/v1/runs/${id}/replay`, { packageDigest: digest });
        assertEqual([r.status, r.json.verdict, r.json.package?.name], [200, 'identical', 'conformance/replay'], `replay by digest (${JSON.stringify(r.json).slice(0, 300)})`);

        const traces = kernel.platform.stores.traces;
        const lines = await traces.read(id);
        const forged = lines.map((l, i) => (i === 3 ? l.replace(/"fuel":"(\d+)"/, (_m, n: string) => `"fuel":"${BigInt(n) + 1n}"`) : l));
        assert(forged[3] !== lines[3], 'entry 3 was altered');
        await traces.remove(id);
        await traces.append(id, 0, forged);
        const bad = await call(app, 'POST', `/v1/runs/${id}/replay`, { packageDigest: digest });
        assertEqual([bad.status, bad.json.error?.code, bad.json.error?.details?.entry], [422, 'TRACE_TAMPERED', 3], 'a tampered trace');
      } finally {
        await kernel.close();
      }
    },
  },
];
