/** `POST /v1/runs/:id/replay` through `app.request` on Node: the answer, its refusals, its scopes and tenant isolation. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createNodePlatform } from '../../platform/node/index.ts';
import { bootKernel, type BootedKernel } from '../../src/boot.ts';
import { createApp } from '../../src/http/app.ts';
import { memoryStores } from '../../src/stores/memory.ts';
import type { Stores } from '../../src/ports/platform.ts';
import { b64, fixture, signer, unb64, type Signed } from './helpers.ts';

type App = ReturnType<typeof createApp>;
type Json = Record<string, any>;

async function boot(opts: { file?: object; env?: Record<string, string>; roots?: unknown[]; stores?: Stores } = {}): Promise<BootedKernel> {
  return bootKernel({
    platform: { ...createNodePlatform(), stores: opts.stores ?? memoryStores() },
    config: { file: { kernelId: 'replay-test', ...opts.file }, env: opts.env ?? {} },
    trustRoots: opts.roots ?? [],
  });
}

async function req(app: App, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json }> {
  const res = await app.request(path, {
    method, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

let hello: Uint8Array;
let s: Signed;
before(async () => {
  hello = await fixture('http-hello');
  s = await signer();
});

describe('POST /v1/runs/:id/replay', () => {
  let app: App;
  let stores: Stores;
  const recorded = { module: '', allowUnsigned: true, args: ['one', 'two'], env: { WHO: 'world' } };
  let runId: string;
  let trace: Json[];
  before(async () => {
    stores = memoryStores();
    app = createApp(await boot({ roots: [s.root], stores }), { localOnly: true });
    recorded.module = b64(hello);
    const run = await req(app, 'POST', '/v1/runs', { ...recorded, stdin: b64(Buffer.from('shout\n')) });
    assert.equal(run.status, 200, JSON.stringify(run.json));
    runId = run.json.runId;
    trace = (await (await app.request(`/v1/runs/${runId}/trace`)).text()).trim().split('\n').map((l) => JSON.parse(l) as Json);
  });

  it('replays a stored run identically and answers the verdict, the trace it checked and the replayed end', async () => {
    const { status, json: r } = await req(app, 'POST', `/v1/runs/${runId}/replay`, recorded);
    assert.equal(status, 200, JSON.stringify(r));
    assert.deepEqual([r.runId, r.verdict, r.divergence], [runId, 'identical', null]);
    assert.equal(r.calls, trace.filter((l) => l.t === 'call').length);
    assert.match(r.message, /^replayed \d+ calls identically; same outcome \(exited\)$/);
    assert.deepEqual([r.trace.status, r.trace.keyPinned], ['ok', true], 'checked under the kernel\'s own key');
    assert.deepEqual(r.recorded, { status: 'exited', exitCode: 3 });
    assert.deepEqual([r.replayed.status, r.replayed.exitCode, r.replayed.guestExitCode], ['exited', 3, 3]);
    assert.equal(unb64(r.replayed.stdout), 'hello one two\nWHO=(unset)\nSHOUT\n', 'stdin came from the trace');
    assert.equal(unb64(r.replayed.stderr), 'http-hello: done\n');
    assert.match(r.replayed.fuelUsed, /^[1-9]\d*$/);
    assert.equal(r.package.digest, trace[0]!.package.digest);
    assert.equal(typeof r.limits.fuel, 'number');
    assert.deepEqual((await req(app, 'GET', '/v1/runs')).json.runs.map((x: Json) => x.runId), [runId], 'a replay records no run of its own');
  });

  it('a guest that behaves differently answers the first divergence: entry, syscall, recorded and actual', async () => {
    const who = trace.find((l) => l.t === 'call' && l.syscall === 'environ_get' && l.args?.env === 'WHO');
    const { status, json: r } = await req(app, 'POST', `/v1/runs/${runId}/replay`, { ...recorded, env: {} });
    assert.equal(status, 200, JSON.stringify(r));
    assert.equal(r.verdict, 'diverged');
    assert.deepEqual(r.divergence, {
      code: 'REPLAY_DIVERGED', entry: who!.seq, field: 'syscall', syscall: 'environ_get', recorded: 'environ_get', actual: 'environ_sizes_get',
      message: r.message,
    });
    assert.match(r.message, /^replay diverged at entry \d+: recorded environ_get\(WHO\)/);
    assert.deepEqual([r.replayed.status, r.replayed.error.code], ['killed', 'REPLAY_DIVERGED']);
  });

  it('a signed package replays by the digest it was stored under', async () => {
    const pkg = (await s.sign(hello, 'test/replay')) as Uint8Array<ArrayBuffer>;
    const up = await app.request('/v1/packages', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: pkg });
    const { digest } = (await up.json()) as Json;
    const run = await req(app, 'POST', '/v1/runs', { packageDigest: digest });
    const r = await req(app, 'POST', `/v1/runs/${run.json.runId}/replay`, { packageDigest: digest });
    assert.deepEqual([r.status, r.json.verdict, r.json.package.name], [200, 'identical', 'test/replay'], JSON.stringify(r.json));
    const bare = await req(app, 'POST', `/v1/runs/${run.json.runId}/replay`, { module: b64(hello), allowUnsigned: true });
    assert.deepEqual([bare.status, bare.json.error.code], [400, 'PKG_DIGEST_MISMATCH'], 'the module alone is not the package recorded');
  });

  const refusals: Array<[string, () => Promise<[string, unknown]>, number, string, string?]> = [
    ['an unknown run', async () => ['0123456789abcdef', { module: b64(hello), allowUnsigned: true }], 404, 'NOT_FOUND'],
    ['a malformed run id', async () => ['a%20b', { module: b64(hello), allowUnsigned: true }], 400, 'BAD_REQUEST', 'id'],
    ['no guest', async () => [runId, {}], 400, 'BAD_REQUEST', 'module'],
    ['a field a replay takes from the trace', async () => [runId, { ...recorded, limits: { fuel: 5 } }], 400, 'BAD_REQUEST', 'limits'],
    ['a bare module without allowUnsigned', async () => [runId, { module: b64(hello) }], 403, 'PKG_UNSIGNED', 'allowUnsigned'],
    ['another module', async () => [runId, { ...recorded, module: b64(await fixture('wasi-args-env')) }], 400, 'PKG_DIGEST_MISMATCH'],
    ['a stored package digest that is not stored', async () => [runId, { packageDigest: 'c'.repeat(64) }], 404, 'NOT_FOUND'],
  ];
  for (const [what, make, status, code, field] of refusals) {
    it(`refuses ${what}: ${status} ${code}`, async () => {
      const [id, body] = await make();
      const r = await req(app, 'POST', `/v1/runs/${id}/replay`, body);
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.equal(r.json.error.code, code);
      if (field !== undefined) assert.equal(r.json.error.details.field, field, r.json.error.message);
    });
  }

  it('refuses a tampered trace with 422 TRACE_TAMPERED naming the entry, before the guest runs', async () => {
    const run = await req(app, 'POST', '/v1/runs', recorded);
    const id = run.json.runId as string;
    const lines = await stores.traces.read(id);
    const forged = lines.map((l, i) => (i === 3 ? l.replace(/"fuel":"(\d+)"/, (_m, n: string) => `"fuel":"${BigInt(n) + 1n}"`) : l));
    await stores.traces.remove(id);
    await stores.traces.append(id, 0, forged);
    const r = await req(app, 'POST', `/v1/runs/${id}/replay`, recorded);
    assert.deepEqual([r.status, r.json.error.code, r.json.error.details.entry, r.json.error.details.report.firstBad.entry], [422, 'TRACE_TAMPERED', 3, 3]);
    assert.match(r.json.error.message, /^entry 3 \(line 4\): /);
  });
});

describe('POST /v1/runs/:id/replay: auth', () => {
  const TOKENS = {
    FORGE_API_TOKEN_RUNNER: 'runner-token-0123456789', FORGE_API_TOKEN_READER: 'reader-token-0123456789',
    FORGE_API_TOKEN_ACME: 'acme-token-0123456789', FORGE_API_TOKEN_BOTH: 'both-token-0123456789',
  };
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  let app: App;
  const body = { module: '', allowUnsigned: true };
  let local: string;
  let acme: string;
  before(async () => {
    app = createApp(await boot({
      env: TOKENS,
      file: { api: { tokens: [
        { id: 'runner', scopes: ['runs:execute'] }, { id: 'reader', scopes: ['traces:read'] },
        { id: 'both', scopes: ['runs:execute', 'traces:read'] }, { id: 'acme', scopes: ['runs:execute', 'traces:read'], tenant: 'acme' },
      ] } },
    }), { localOnly: true });
    body.module = b64(hello);
    local = (await req(app, 'POST', '/v1/runs', body, bearer(TOKENS.FORGE_API_TOKEN_BOTH))).json.runId;
    acme = (await req(app, 'POST', '/v1/runs', body, bearer(TOKENS.FORGE_API_TOKEN_ACME))).json.runId;
  });

  it('needs a token, and both runs:execute and traces:read', async () => {
    assert.deepEqual((await req(app, 'POST', `/v1/runs/${local}/replay`, body)).status, 401);
    const runner = await req(app, 'POST', `/v1/runs/${local}/replay`, body, bearer(TOKENS.FORGE_API_TOKEN_RUNNER));
    assert.deepEqual([runner.status, runner.json.error.details], [403, { token: 'runner', scope: 'traces:read' }]);
    const reader = await req(app, 'POST', `/v1/runs/${local}/replay`, body, bearer(TOKENS.FORGE_API_TOKEN_READER));
    assert.deepEqual([reader.status, reader.json.error.details], [403, { token: 'reader', scope: 'runs:execute' }]);
    const both = await req(app, 'POST', `/v1/runs/${local}/replay`, body, bearer(TOKENS.FORGE_API_TOKEN_BOTH));
    assert.deepEqual([both.status, both.json.verdict], [200, 'identical'], JSON.stringify(both.json));
  });

  it('a tenant-bound token replays its own tenant\'s runs; another tenant\'s run does not exist for it', async () => {
    const own = await req(app, 'POST', `/v1/runs/${acme}/replay`, body, bearer(TOKENS.FORGE_API_TOKEN_ACME));
    assert.deepEqual([own.status, own.json.verdict], [200, 'identical'], JSON.stringify(own.json));
    const other = await req(app, 'POST', `/v1/runs/${local}/replay`, body, bearer(TOKENS.FORGE_API_TOKEN_ACME));
    assert.deepEqual([other.status, other.json.error.code], [404, 'NOT_FOUND']);
  });
});
