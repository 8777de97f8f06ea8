/**
 * The HTTP API in every host: a kernel booted through the boot sequence (with the host's real
 * stores), the one hono app, and guests run through `POST /v1/runs` with `app.request` — a bare
 * module, a signed package uploaded and run by digest, API tokens, and a prober quarantined
 * across requests. In workerd each module is found among those bundled at deploy time.
 */
import type { BootedKernel, BootOptions } from '../../src/boot.ts';
import { bootOnHostStores, callJson } from './boot-kernel.ts';
import { createTrustRoot } from '../../src/packages/root-signing.ts';
import { trustRootDocument } from '../../src/packages/trust-root.ts';
import { generateKeyPair, packPackage, resolveCrypto } from '../../src/packages/index.ts';
import { fromBase64, toBase64, toHex } from '../../src/lib/encoding.ts';
import { createApp } from '../../src/http/app.ts';
import { assert, assertEqual, type ConformanceCase, type ConformanceEnv } from './harness.ts';

type Json = Record<string, any>;

const text = (b64: string) => new TextDecoder().decode(fromBase64(b64));

const boot = (env: ConformanceEnv, over: Partial<BootOptions> = {}): Promise<BootedKernel> => bootOnHostStores(env, 'http-conformance', over);

/** A trust root and a signed package of `fixture` (with `files` bundled), made in the host. */
async function signed(env: ConformanceEnv, fixture: string, name: string, files: Record<string, Uint8Array> = {}) {
  const crypto = resolveCrypto(env.platform.crypto);
  const now = env.platform.clock.now();
  const key = generateKeyPair({ crypto });
  const root = await createTrustRoot({
    expires: new Date(now + 86_400_000).toISOString(), threshold: 1, keys: [{ id: key.keyId, publicKey: toHex(key.publicKey) }],
  }, [key], { crypto, now });
  const pkg = await packPackage({ module: env.fixture(fixture), manifest: { name, version: '1.0.0' }, files }, { crypto, keys: [key] });
  return { root: trustRootDocument(root), pkg, signer: key.keyId };
}

const call = callJson;

export const httpCases: ConformanceCase[] = [
  {
    name: 'http: POST /v1/runs runs a bare module; its trace lists, verifies under the kernel key and explains',
    async run(env) {
      const kernel = await boot(env);
      try {
        const app = createApp(kernel, { localOnly: true });
        const run = await call(app, 'POST', '/v1/runs', {
          module: toBase64(env.fixture('http-hello')), allowUnsigned: true, args: ['from', env.runtime], env: { WHO: 'world' },
          stdin: toBase64(new TextEncoder().encode('shout\n')),
        });
        assertEqual(run.status, 200, `POST /v1/runs status (${JSON.stringify(run.json).slice(0, 300)})`);
        const r = run.json;
        assertEqual([r.status, r.exitCode, r.guestExitCode, r.provenance], ['exited', 3, 3, 'unsigned'], 'status, exit codes, provenance');
        assertEqual(text(r.stdout), `hello from ${env.runtime}\nWHO=(unset)\nSHOUT\n`, 'stdout (baseline withholds WHO)');
        assertEqual(text(r.stderr), 'http-hello: done\n', 'stderr');
        assert(/^[1-9][0-9]*$/.test(r.fuelUsed), `fuelUsed is a decimal string: ${r.fuelUsed}`);
        assertEqual(r.summary.outcome, { status: 'exited', exitCode: 3 }, 'signed summary outcome');
        assert(r.summary.riskFlags.includes('unsigned') && r.summary.riskFlags.includes('denied'), `risk flags: ${r.summary.riskFlags}`);

        const list = await call(app, 'GET', '/v1/runs');
        assertEqual(list.json.runs[0]?.runId, r.runId, 'the run is listed first');
        const trace = await app.request(`/v1/runs/${r.runId}/trace`);
        const lines = (await trace.text()).trim().split('\n').map((l) => JSON.parse(l) as Json);
        const who = lines.find((l) => l.t === 'call' && l.syscall === 'environ_get' && l.args?.env === 'WHO');
        assertEqual(who?.decision.effect, 'deny', 'the trace records the WHO decision as a deny');
        const verify = await call(app, 'GET', `/v1/runs/${r.runId}/verify`);
        assertEqual([verify.status, verify.json.ok, verify.json.keyPinned], [200, true, true], 'verify under the pinned kernel key');
        const explain = await call(app, 'GET', `/v1/runs/${r.runId}/explain?format=json`);
        assertEqual(explain.json.denials.total, 1, 'explain counts one denial');
        const evidence = await app.request(`/v1/runs/${r.runId}/evidence`);
        assertEqual([evidence.status, evidence.headers.get('content-type')], [200, 'application/x-tar'], 'evidence download');
      } finally {
        await kernel.close();
      }
    },
  },
  {
    name: 'http: a signed package is uploaded, listed and run by digest; permissive hands out the offered variable',
    async run(env) {
      const { root, pkg, signer } = await signed(env, 'http-hello', 'conformance/hello');
      const kernel = await boot(env, { trustRoots: [root] });
      try {
        const app = createApp(kernel, { localOnly: true });
        const up = await app.request('/v1/packages', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: pkg as Uint8Array<ArrayBuffer> });
        const stored = (await up.json()) as Json;
        assertEqual([up.status, stored.name, stored.signers?.[0]?.keyId], [201, 'conformance/hello', signer], 'POST /v1/packages');
        const list = await call(app, 'GET', '/v1/packages');
        assert(list.json.packages.some((p: Json) => p.digest === stored.digest), 'the package is listed');
        const run = await call(app, 'POST', '/v1/runs', { packageDigest: stored.digest, policy: 'permissive', env: { WHO: 'http' } });
        assertEqual(run.status, 200, `run by digest (${JSON.stringify(run.json).slice(0, 300)})`);
        assertEqual([run.json.provenance, run.json.package.name, text(run.json.stdout)], ['signed', 'conformance/hello', 'hello\nWHO=http\n'], 'signed run output');
        const missing = await call(app, 'POST', '/v1/runs', { packageDigest: '0'.repeat(64) });
        assertEqual([missing.status, missing.json.error.code], [404, 'NOT_FOUND'], 'an unknown digest');
        const bare = await call(app, 'POST', '/v1/runs', { module: toBase64(env.fixture('http-hello')) });
        assertEqual([bare.status, bare.json.error.code], [403, 'PKG_UNSIGNED'], 'a bare module without allowUnsigned');
        const bad = await call(app, 'POST', '/v1/runs', { package: toBase64(pkg), limits: { fuel: -5 } });
        assertEqual([bad.status, bad.json.error.code, bad.json.error.details.field], [400, 'BAD_REQUEST', 'limits.fuel'], 'a bad field is named');
      } finally {
        await kernel.close();
      }
    },
  },
  {
    name: 'http: with tokens configured, /v1 needs a bearer token with the right scope',
    async run(env) {
      const token = 'conformance-token-0123456789';
      const kernel = await boot(env, { config: { file: { api: { tokens: [{ id: 'runner', scopes: ['runs:execute'], tenant: 'acme' }] } }, env: { FORGE_API_TOKEN_RUNNER: token } } });
      try {
        const app = createApp(kernel, { localOnly: true });
        const body = { module: toBase64(env.fixture('http-hello')), allowUnsigned: true };
        assertEqual((await call(app, 'POST', '/v1/runs', body)).json.error.code, 'UNAUTHORIZED', 'no token');
        assertEqual((await call(app, 'POST', '/v1/runs', body, { authorization: 'Bearer not-the-token-at-all' })).status, 401, 'a wrong token');
        const auth = { authorization: `Bearer ${token}` };
        const run = await call(app, 'POST', '/v1/runs', body, auth);
        assertEqual([run.status, run.json.identity.split('/')[0]], [200, 'acme'], 'the token runs as its tenant');
        const other = await call(app, 'POST', '/v1/runs', { ...body, tenant: 'other' }, auth);
        assertEqual([other.status, other.json.error.code], [403, 'FORBIDDEN'], 'another tenant');
        const read = await call(app, 'GET', '/v1/runs', undefined, auth);
        assertEqual([read.status, read.json.error.details.scope], [403, 'traces:read'], 'a missing scope');
        assertEqual((await app.request('/healthz')).status, 200, 'the liveness probe stays open');
      } finally {
        await kernel.close();
      }
    },
  },
  {
    name: 'http: a guest probing denied paths is quarantined, and the next POST /v1/runs is refused 423',
    async run(env) {
      const { root, pkg } = await signed(env, 'http-prober', 'conformance/prober', { '/data/readme.txt': new TextEncoder().encode('nothing here\n') });
      const kernel = await boot(env, { trustRoots: [root] });
      try {
        const app = createApp(kernel, { localOnly: true });
        const first = await call(app, 'POST', '/v1/runs', { package: toBase64(pkg) });
        assertEqual([first.status, first.json.status, first.json.exitCode, first.json.trust.quarantined], [200, 'quarantined', 125, true], 'the first run ends quarantined');
        assert(!text(first.json.stdout).includes('never stopped'), 'the prober was stopped');
        const second = await call(app, 'POST', '/v1/runs', { package: toBase64(pkg) });
        assertEqual([second.status, second.json.error.code], [423, 'QUARANTINED'], 'the second launch is refused');
        const q = await call(app, 'GET', '/v1/quarantine');
        assert(q.json.records.some((rec: Json) => rec.identity === first.json.identity && rec.quarantined), 'GET /v1/quarantine lists the identity');
      } finally {
        await kernel.close();
      }
    },
  },
];
