/** The HTTP API through `app.request` on Node: every route, its body validation and its error codes. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createNodePlatform } from '../../platform/node/index.ts';
import { bootKernel, type BootedKernel } from '../../src/boot.ts';
import { parsePackage } from '../../src/packages/format.ts';
import { readEvidence } from '../../src/dna/index.ts';
import { memoryStores } from '../../src/stores/memory.ts';
import type { Stores } from '../../src/ports/platform.ts';
import { createApp } from '../../src/http/app.ts';
import { b64, fixture, proberPackage, signer, unb64, type Signed } from './helpers.ts';

type App = ReturnType<typeof createApp>;
type Json = Record<string, any>;

async function boot(opts: { file?: object; env?: Record<string, string>; roots?: unknown[]; stores?: Stores } = {}): Promise<BootedKernel> {
  return bootKernel({
    platform: { ...createNodePlatform(), stores: opts.stores ?? memoryStores() },
    config: { file: { kernelId: 'api-test', ...opts.file }, env: opts.env ?? {} },
    trustRoots: opts.roots ?? [],
  });
}

async function req(app: App, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; res: Response }> {
  const res = await app.request(path, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, json: type.startsWith('application/json') ? ((await res.clone().json()) as Json) : {}, res };
}

let hello: Uint8Array;
let s: Signed;
before(async () => {
  hello = await fixture('http-hello');
  s = await signer();
});

describe('POST /v1/runs', () => {
  let app: App;
  before(async () => { app = createApp(await boot({ roots: [s.root] }), { localOnly: true }); });

  it('runs a bare module and answers every field of the run', async () => {
    const { status, json: r } = await req(app, 'POST', '/v1/runs', {
      module: b64(hello), allowUnsigned: true, name: 'hello.wasm', args: ['x', 'y z'], env: { WHO: 'nobody' }, stdin: b64(Buffer.from('quiet\n')),
      limits: { fuel: 50_000_000, timeoutMs: 10_000 },
    });
    assert.equal(status, 200, JSON.stringify(r));
    assert.equal(r.status, 'exited');
    assert.equal(r.exitCode, 3);
    assert.equal(r.guestExitCode, 3);
    assert.equal(r.reason, 'the guest exited with code 3');
    assert.equal(unb64(r.stdout), 'hello x y z\nWHO=(unset)\nQUIET\n');
    assert.equal(unb64(r.stderr), 'http-hello: done\n');
    assert.match(r.fuelUsed, /^[1-9]\d*$/);
    assert.ok(BigInt(r.fuelUsed) < 50_000_000n);
    assert.equal(r.limits.fuel, 50_000_000);
    assert.equal(r.limits.timeoutMs, 10_000);
    assert.ok(r.peakMemoryBytes >= 65536 && r.durationMs > 0);
    assert.equal(r.provenance, 'unsigned');
    assert.match(r.identity, /^local\/[0-9a-f]{64}$/);
    assert.equal(r.identity, `local/${r.package.digest}`);
    assert.equal(r.summary.runId, r.runId);
    assert.deepEqual(r.summary.outcome, { status: 'exited', exitCode: 3 });
    assert.deepEqual(r.trust, { score: r.trust.score, quarantined: false });
    assert.equal(r.summary.integrityScore, 100 - 30 - 2, 'unsigned (−30) and one denial (−2)');
  });

  it('runs a signed package; permissive hands out the offered variable, the configured policy does not', async () => {
    const pkg = await s.sign(hello, 'test/hello');
    const base = await req(app, 'POST', '/v1/runs', { package: b64(pkg), env: { WHO: 'ops' } });
    assert.equal(base.status, 200, JSON.stringify(base.json));
    assert.equal(base.json.provenance, 'signed');
    assert.deepEqual(base.json.package, { digest: base.json.package.digest, name: 'test/hello', version: '1.0.0', signer: s.key.keyId });
    assert.match(unb64(base.json.stdout), /WHO=\(unset\)/);
    const perm = await req(app, 'POST', '/v1/runs', { package: b64(pkg), env: { WHO: 'ops' }, policy: 'permissive' });
    assert.match(unb64(perm.json.stdout), /WHO=ops/);
    assert.notEqual(perm.json.policyDigest, base.json.policyDigest);
  });

  it('narrows with the caller\'s own run layer under the configured policy', async () => {
    const layer = { version: 1, id: 'no-stdin', layer: 'run', rules: [{ id: 'deny-stdin', effect: 'deny', actions: ['fd_read'], resources: { fds: [0] } }] };
    const { status, json } = await req(app, 'POST', '/v1/runs', { module: b64(hello), allowUnsigned: true, policy: [layer], stdin: b64(Buffer.from('secret\n')) });
    assert.equal(status, 200, JSON.stringify(json));
    assert.doesNotMatch(unb64(json.stdout), /SECRET/);
    const trace = await (await app.request(`/v1/runs/${json.runId}/trace`)).text();
    const read = trace.trim().split('\n').map((l) => JSON.parse(l) as Json).find((e) => e.syscall === 'fd_read' && e.args.fd === 0);
    assert.deepEqual([read?.decision.effect, read?.decision.rules], ['deny', ['deny-stdin']]);
  });

  const refusals: Array<[string, () => Promise<unknown>, number, string, string?]> = [
    ['no guest at all', async () => ({ allowUnsigned: true }), 400, 'BAD_REQUEST', 'module'],
    ['two guests', async () => ({ module: b64(hello), packageDigest: 'a'.repeat(64) }), 400, 'BAD_REQUEST', 'packageDigest'],
    ['a field that is not base64', async () => ({ module: 'not base64!', allowUnsigned: true }), 400, 'BAD_REQUEST', 'module'],
    ['an unknown field', async () => ({ module: b64(hello), allowUnsigned: true, fule: 1 }), 400, 'BAD_REQUEST', 'fule'],
    ['a negative limit', async () => ({ module: b64(hello), allowUnsigned: true, limits: { fuel: -1 } }), 400, 'BAD_REQUEST', 'limits.fuel'],
    ['an unknown built-in policy', async () => ({ module: b64(hello), allowUnsigned: true, policy: 'lax' }), 400, 'BAD_REQUEST', 'policy'],
    ['an invalid policy document', async () => ({ module: b64(hello), allowUnsigned: true, policy: [{ version: 1, id: 'p', layer: 'run', rules: [{ id: 'r', effect: 'allow', actions: ['fd_wrte'] }] }] }), 400, 'POLICY_INVALID'],
    ['a bad tenant id', async () => ({ module: b64(hello), allowUnsigned: true, tenant: 'Acme/1' }), 400, 'BAD_REQUEST', 'tenant'],
    ['a module that is not WebAssembly', async () => ({ module: b64(Buffer.from('hello')), allowUnsigned: true }), 400, 'BAD_REQUEST', 'module'],
    ['a bare module without allowUnsigned', async () => ({ module: b64(hello) }), 403, 'PKG_UNSIGNED', 'allowUnsigned'],
    ['a bare module sent as a package', async () => ({ package: b64(hello) }), 400, 'BAD_REQUEST', 'package'],
    ['a package with a flipped module byte', async () => {
      const p = await s.sign(hello, 'test/hello');
      p[12 + 5 + parsePackage(p).manifestBytes.length + 5 + 100]! ^= 1;
      return { package: b64(p) };
    }, 400, 'PKG_DIGEST_MISMATCH'],
    ['a package signed by a key the kernel does not trust', async () => ({ package: b64(await (await signer()).sign(hello, 'test/hello')) }), 403, 'PKG_UNKNOWN_KEY'],
    ['a digest no package has', async () => ({ packageDigest: 'b'.repeat(64) }), 404, 'NOT_FOUND'],
  ];
  for (const [what, body, status, code, field] of refusals) {
    it(`refuses ${what}: ${status} ${code}`, async () => {
      const r = await req(app, 'POST', '/v1/runs', await body());
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.equal(r.json.error.code, code);
      assert.equal(typeof r.json.error.message, 'string');
      if (field !== undefined) assert.equal(r.json.error.details.field, field, r.json.error.message);
    });
  }

  it('refuses a body that is not JSON, or not sent as JSON', async () => {
    const notJson = await req(app, 'POST', '/v1/runs', '{"module":', { 'content-type': 'application/json' });
    assert.deepEqual([notJson.status, notJson.json.error.code], [400, 'BAD_REQUEST']);
    assert.match(notJson.json.error.message, /not UTF-8 JSON/);
    const form = await req(app, 'POST', '/v1/runs', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.match(form.json.error.message, /must be application\/json/);
  });

  it('refuses a body over the cap with 413 PKG_TOO_LARGE, declared or streamed', async () => {
    const small = createApp(await boot(), { localOnly: true, maxBodyBytes: 1024 });
    const big = JSON.stringify({ module: b64(hello), allowUnsigned: true });
    const declared = await req(small, 'POST', '/v1/runs', big);
    assert.deepEqual([declared.status, declared.json.error.code, declared.json.error.details.maxBytes], [413, 'PKG_TOO_LARGE', 1024]);
    const stream = new ReadableStream({ start(c) { for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode(big.slice(i * 200, i * 200 + 200))); c.close(); } });
    const streamed = await small.request('/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal(((await streamed.json()) as Json).error.code, 'PKG_TOO_LARGE');
  });

  it('a guest probing denied paths is quarantined, and the next launch is refused 423 QUARANTINED', async () => {
    const pkg = await proberPackage(s);
    const first = await req(app, 'POST', '/v1/runs', { package: b64(pkg) });
    assert.equal(first.status, 200);
    assert.deepEqual([first.json.status, first.json.exitCode, first.json.trust.quarantined, first.json.error.code], ['quarantined', 125, true, 'QUARANTINED']);
    assert.ok(first.json.summary.riskFlags.includes('quarantined'));
    const second = await req(app, 'POST', '/v1/runs', { package: b64(pkg) });
    assert.deepEqual([second.status, second.json.error.code], [423, 'QUARANTINED']);
    // another tenant is another identity: not quarantined
    const other = await req(app, 'POST', '/v1/runs', { package: b64(pkg), tenant: 'elsewhere' });
    assert.equal(other.status, 200);
    const q = await req(app, 'GET', '/v1/quarantine');
    assert.deepEqual(q.json.records.map((r: Json) => r.identity).filter((i: string) => i === first.json.identity), [first.json.identity]);
  });
});

describe('runs and their traces', () => {
  let app: App;
  let stores: Stores;
  const ids: string[] = [];
  before(async () => {
    stores = memoryStores();
    app = createApp(await boot({ roots: [s.root], stores }), { localOnly: true });
    for (const arg of ['one', 'two', 'three']) {
      ids.push((await req(app, 'POST', '/v1/runs', { package: b64(await s.sign(hello, 'test/hello')), args: [arg] })).json.runId);
    }
  });

  it('GET /v1/runs lists newest first, with package, outcome and score; limit and offset page', async () => {
    const { json } = await req(app, 'GET', '/v1/runs');
    assert.deepEqual(json.runs.map((r: Json) => r.runId), [...ids].reverse());
    const top = json.runs[0];
    assert.deepEqual([top.sealed, top.tenant, top.package.name, top.outcome.exitCode, typeof top.integrityScore], [true, 'local', 'test/hello', 3, 'number']);
    const page = await req(app, 'GET', '/v1/runs?limit=1&offset=1');
    assert.deepEqual(page.json.runs.map((r: Json) => r.runId), [ids[1]]);
    const bad = await req(app, 'GET', '/v1/runs?limit=0');
    assert.deepEqual([bad.status, bad.json.error.details.field], [400, 'limit']);
  });

  it('the trace is NDJSON; verify pins the kernel key; explain answers text and JSON', async () => {
    const t = await app.request(`/v1/runs/${ids[0]}/trace`);
    assert.equal(t.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
    const lines = (await t.text()).trim().split('\n').map((l) => JSON.parse(l) as Json);
    assert.equal(lines[0]!.t, 'genesis');
    assert.equal(lines.at(-1)!.t, 'summary');
    const v = await req(app, 'GET', `/v1/runs/${ids[0]}/verify`);
    assert.deepEqual([v.status, v.json.ok, v.json.keyPinned, v.json.status], [200, true, true, 'ok']);
    assert.equal(v.json.publicKey, (await req(app, 'GET', '/v1')).json.publicKey);
    const text = await (await app.request(`/v1/runs/${ids[0]}/explain`)).text();
    assert.match(text, /^Run [0-9a-f]+: package test\/hello@1\.0\.0/);
    const json = await req(app, 'GET', `/v1/runs/${ids[0]}/explain`, undefined, { accept: 'application/json' });
    assert.equal(json.json.runId, ids[0]);
    assert.equal(json.json.verification.status, 'ok');
  });

  it('a tampered trace is refused by verify with the entry named', async () => {
    const lines = await stores.traces.read(ids[1]!);
    const forged = lines.map((l, i) => (i === 3 ? l.replace(/"fuel":"(\d+)"/, (_m, n: string) => `"fuel":"${BigInt(n) + 1n}"`) : l));
    assert.notDeepEqual(forged, lines);
    await stores.traces.remove(ids[1]!);
    await stores.traces.append(ids[1]!, 0, forged);
    const v = await req(app, 'GET', `/v1/runs/${ids[1]}/verify`);
    assert.deepEqual([v.status, v.json.error.code], [422, 'TRACE_TAMPERED']);
    assert.match(v.json.error.message, /entry 3/);
    assert.equal(v.json.error.details.report.firstBad.entry, 3);
  });

  it('evidence is a tar with the trace, attestation, manifest and policy', async () => {
    const res = await app.request(`/v1/runs/${ids[2]}/evidence`);
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="forge-evidence-${ids[2]}.tar"`);
    const { index, files } = readEvidence(new Uint8Array(await res.arrayBuffer()));
    assert.equal(index.runId, ids[2]);
    assert.deepEqual([...files.keys()].sort(), ['attestation.dsse.json', 'checkpoints.jsonl', 'evidence.json', 'manifest.json', 'policy.json', 'trace.jsonl'].sort());
    assert.equal(JSON.parse(new TextDecoder().decode(files.get('manifest.json'))).name, 'test/hello');
  });

  it('an unknown run is 404, a malformed id 400', async () => {
    const missing = await req(app, 'GET', '/v1/runs/0123456789abcdef/trace');
    assert.deepEqual([missing.status, missing.json.error.code], [404, 'NOT_FOUND']);
    const bad = await req(app, 'GET', '/v1/runs/a%20b/verify');
    assert.deepEqual([bad.status, bad.json.error.code], [400, 'BAD_REQUEST']);
  });
});

describe('packages', () => {
  it('POST stores a verified package by the SHA-256 of its bytes; GET lists it; a run finds it by digest', async () => {
    const app = createApp(await boot({ roots: [s.root] }), { localOnly: true });
    const pkg = (await s.sign(hello, 'test/stored')) as Uint8Array<ArrayBuffer>;
    const up = await app.request('/v1/packages', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: pkg });
    const stored = (await up.json()) as Json;
    assert.equal(up.status, 201);
    assert.equal(stored.digest, Buffer.from(await crypto.subtle.digest('SHA-256', pkg)).toString('hex'));
    assert.deepEqual([stored.name, stored.version, stored.size, stored.signers[0].keyId, stored.rootVersion], ['test/stored', '1.0.0', pkg.length, s.key.keyId, 1]);
    const list = await req(app, 'GET', '/v1/packages');
    assert.deepEqual(list.json.packages, [{ digest: stored.digest, name: 'test/stored', version: '1.0.0', kind: 'command', size: pkg.length }]);
    const run = await req(app, 'POST', '/v1/runs', { packageDigest: stored.digest });
    assert.equal(run.json.package.digest, stored.packageDigest);
  });

  it('refuses a bare module, an untrusted package, and one over packages.maxBytes', async () => {
    const app = createApp(await boot({ roots: [s.root], file: { packages: { maxBytes: 4096 } } }), { localOnly: true });
    const post = (body: Uint8Array) => app.request('/v1/packages', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: body as Uint8Array<ArrayBuffer> });
    const codeOf = async (r: Response) => [r.status, ((await r.json()) as Json).error.code];
    assert.deepEqual(await codeOf(await post(hello)), [413, 'PKG_TOO_LARGE']);
    assert.deepEqual(await codeOf(await post(hello.subarray(0, 100))), [400, 'BAD_REQUEST']);
    assert.deepEqual(await codeOf(await post(new Uint8Array(100))), [400, 'PKG_BAD_MAGIC']);
    const noRoots = createApp(await boot(), { localOnly: true });
    const r = await noRoots.request('/v1/packages', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: (await s.sign(hello, 'test/x')) as Uint8Array<ArrayBuffer> });
    assert.deepEqual(await codeOf(r), [403, 'PKG_UNSIGNED']);
  });
});

describe('a stored trace moved under another run id', () => {
  it('is refused 422 TRACE_TAMPERED on every read (its genesis names the other run)', async () => {
    const kernel = await boot();
    const app = createApp(kernel, { localOnly: true });
    const run = { module: b64(hello), allowUnsigned: true };
    const a = (await req(app, 'POST', '/v1/runs', run)).json.runId as string;
    const b = (await req(app, 'POST', '/v1/runs', { ...run, args: ['other'] })).json.runId as string;
    const traces = kernel.platform.stores.traces;
    const linesOfA = await traces.read(a);
    await traces.remove(b);
    await traces.append(b, 0, linesOfA);
    await traces.seal(b);
    for (const path of ['verify', 'trace', 'explain', 'evidence']) {
      const r = await req(app, 'GET', `/v1/runs/${b}/${path}`);
      assert.deepEqual([r.status, r.json.error?.code], [422, 'TRACE_TAMPERED'], path);
    }
    assert.equal((await req(app, 'GET', `/v1/runs/${a}/verify`)).status, 200, 'the original still verifies where it belongs');
  });
});

describe('auth', () => {
  const TOKENS = {
    FORGE_API_TOKEN_RUNNER: 'runner-token-0123456789', FORGE_API_TOKEN_READER: 'reader-token-0123456789',
    FORGE_API_TOKEN_ADMIN: 'admin-token-0123456789', FORGE_API_TOKEN_ACME: 'acme-token-0123456789',
  };
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  let app: App;
  before(async () => {
    app = createApp(await boot({
      env: TOKENS,
      file: { api: { tokens: [
        { id: 'runner', scopes: ['runs:execute'] }, { id: 'reader', scopes: ['traces:read', 'quarantine:read', 'packages:read'] },
        { id: 'admin', scopes: ['admin'] }, { id: 'acme', scopes: ['runs:execute', 'traces:read'], tenant: 'acme' },
      ] } },
    }), { localOnly: true });
  });
  const run = { module: '', allowUnsigned: true };
  before(() => { run.module = b64(hello); });

  it('every /v1 route needs a token; health probes do not', async () => {
    for (const [m, p] of [['POST', '/v1/runs'], ['GET', '/v1/runs'], ['GET', '/v1/runs/x/trace'], ['GET', '/v1/packages'], ['POST', '/v1/packages'], ['GET', '/v1/quarantine'], ['GET', '/v1']] as const) {
      const r = await req(app, m, p, m === 'POST' ? {} : undefined);
      assert.deepEqual([r.status, r.json.error.code], [401, 'UNAUTHORIZED'], `${m} ${p}`);
    }
    assert.equal((await app.request('/healthz')).status, 200);
  });

  it('a wrong or malformed token is 401; a token without the scope is 403 FORBIDDEN', async () => {
    assert.equal((await req(app, 'POST', '/v1/runs', run, bearer('nope-nope-nope-nope'))).status, 401);
    assert.equal((await req(app, 'POST', '/v1/runs', run, { authorization: 'Basic abc' })).json.error.code, 'UNAUTHORIZED');
    const r = await req(app, 'GET', '/v1/runs', undefined, bearer(TOKENS.FORGE_API_TOKEN_RUNNER));
    assert.deepEqual([r.status, r.json.error.code, r.json.error.details], [403, 'FORBIDDEN', { token: 'runner', scope: 'traces:read' }]);
    assert.equal((await req(app, 'POST', '/v1/runs', run, bearer(TOKENS.FORGE_API_TOKEN_READER))).status, 403);
  });

  it('the right scope passes; replacing the platform policy needs policies:write', async () => {
    const ok = await req(app, 'POST', '/v1/runs', run, bearer(TOKENS.FORGE_API_TOKEN_RUNNER));
    assert.equal(ok.status, 200);
    const same = await req(app, 'POST', '/v1/runs', { ...run, policy: 'baseline' }, bearer(TOKENS.FORGE_API_TOKEN_RUNNER));
    assert.equal(same.status, 200, 'naming the configured built-in replaces nothing');
    const wider = await req(app, 'POST', '/v1/runs', { ...run, policy: 'permissive' }, bearer(TOKENS.FORGE_API_TOKEN_RUNNER));
    assert.deepEqual([wider.status, wider.json.error.details.scope], [403, 'policies:write']);
    assert.equal((await req(app, 'POST', '/v1/runs', { ...run, policy: 'permissive' }, bearer(TOKENS.FORGE_API_TOKEN_ADMIN))).status, 200);
    assert.equal((await req(app, 'GET', '/v1/runs', undefined, bearer(TOKENS.FORGE_API_TOKEN_READER))).status, 200);
  });

  it('a run layer whose escalation quarantines an identity needs quarantine:admin (it outlives the run, in any tenant)', async () => {
    const layer = { version: 1, id: 'caller', layer: 'run', rules: [], escalation: [{ below: 100, action: 'quarantine' }] };
    const r = await req(app, 'POST', '/v1/runs', { ...run, tenant: 'victim', policy: [layer] }, bearer(TOKENS.FORGE_API_TOKEN_RUNNER));
    assert.deepEqual([r.status, r.json.error.code, r.json.error.details.scope], [403, 'FORBIDDEN', 'quarantine:admin']);
    const narrowing = { ...layer, escalation: [{ below: 100, apply: 'strict' }] };
    assert.equal((await req(app, 'POST', '/v1/runs', { ...run, tenant: 'victim', policy: [narrowing] }, bearer(TOKENS.FORGE_API_TOKEN_RUNNER))).status, 200, 'a tier applied within the run is a narrowing');
    assert.equal((await req(app, 'POST', '/v1/runs', { ...run, tenant: 'victim2', policy: [layer] }, bearer(TOKENS.FORGE_API_TOKEN_ADMIN))).status, 200);
  });

  it('a variable named __proto__ reaches the gate like any other (decided and recorded, not dropped)', async () => {
    const r = await req(app, 'POST', '/v1/runs', { ...run, env: JSON.parse('{"__proto__": "x", "WHO": "y"}') as object }, bearer(TOKENS.FORGE_API_TOKEN_ADMIN));
    assert.equal(r.status, 200);
    const trace = await req(app, 'GET', `/v1/runs/${r.json.runId}/trace`, undefined, bearer(TOKENS.FORGE_API_TOKEN_ADMIN));
    const text = await trace.res.text();
    assert.match(text, /"env":"__proto__"/, 'the trace has a decision for __proto__');
    assert.match(text, /"env":"WHO"/);
  });

  it('a tenant-bound token runs as its tenant and sees only its tenant\'s runs', async () => {
    const acme = bearer(TOKENS.FORGE_API_TOKEN_ACME);
    const mine = await req(app, 'POST', '/v1/runs', run, acme);
    assert.equal(mine.json.identity.split('/')[0], 'acme');
    assert.equal((await req(app, 'POST', '/v1/runs', { ...run, tenant: 'local' }, acme)).json.error.code, 'FORBIDDEN');
    const local = await req(app, 'POST', '/v1/runs', run, bearer(TOKENS.FORGE_API_TOKEN_ADMIN));
    const listed = await req(app, 'GET', '/v1/runs', undefined, acme);
    assert.ok(listed.json.runs.length >= 1 && listed.json.runs.every((r: Json) => r.tenant === 'acme'));
    assert.equal((await req(app, 'GET', `/v1/runs/${mine.json.runId}/trace`, undefined, acme)).status, 200);
    assert.equal((await req(app, 'GET', `/v1/runs/${local.json.runId}/trace`, undefined, acme)).status, 404, 'another tenant\'s run does not exist for it');
  });

  it('without tokens the API is open only where the host says it is local; requireAuth false opens it anywhere', async () => {
    const kernel = await boot();
    const closed = await req(createApp(kernel), 'GET', '/v1/runs');
    assert.deepEqual([closed.status, closed.json.error.code], [401, 'UNAUTHORIZED']);
    assert.match(closed.json.error.message, /no API token is configured/);
    assert.equal((await req(createApp(kernel, { localOnly: true }), 'GET', '/v1/runs')).status, 200);
    const open = createApp(await boot({ file: { api: { requireAuth: false } } }));
    assert.equal((await req(open, 'GET', '/v1/runs')).status, 200);
    assert.equal((await req(open, 'GET', '/v1')).json.auth, 'open');
  });
});

describe('errors', () => {
  it('an unknown route is a JSON 404; a failure that is not a KernelError is a 500 that leaks nothing', async () => {
    const stores = memoryStores();
    const broken: Stores = { ...stores, packages: { ...stores.packages, list: () => Promise.reject(new TypeError('secret host detail')) } };
    const app = createApp(await boot({ stores: broken }), { localOnly: true });
    const nf = await req(app, 'GET', '/v2/nothing');
    assert.deepEqual([nf.status, nf.json.error.code], [404, 'NOT_FOUND']);
    const boom = await req(app, 'GET', '/v1/packages');
    assert.deepEqual([boom.status, boom.json], [500, { error: { code: 'INTERNAL', message: 'internal error', details: {} } }]);
  });
});
