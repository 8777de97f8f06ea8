/**
 * The page next door: what a web page on another site — or one that rebinds its own name to
 * 127.0.0.1 — can make a browser send to a kernel on this machine, and what the kernel does with
 * it. Against the hono app, the real Node server on a loopback port (raw HTTP, so every header is
 * what a browser would send), and real Chromium pages attacking both the Node server and the
 * kernel in a Service Worker.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { createNodePlatform } from '../../platform/node/index.ts';
import { startServer, type RunningServer } from '../../platform/node/server.ts';
import { bootKernel, type BootedKernel } from '../../src/boot.ts';
import { loadConfig, type ConfigSources } from '../../src/config/index.ts';
import { nobleCrypto } from '../../src/packages/index.ts';
import { isKernelError } from '../../src/errors.ts';
import { createApp } from '../../src/http/app.ts';
import { memoryStores } from '../../src/stores/memory.ts';
import { buildWeb } from '../../web/build.ts';
import { CHROMIUM, CHROMIUM_ARGS, chromiumEnv, ensureChromium } from '../runners/chromium.ts';
import { b64, fixture, scratch, signer, type Signed } from './helpers.ts';

type App = ReturnType<typeof createApp>;
type Json = Record<string, any>;

const TOKEN = 'origin-test-token-0123456789';
const EVIL = 'http://attacker.example';

async function boot(file: object = {}, env: Record<string, string> = {}, roots: unknown[] = []): Promise<BootedKernel> {
  return bootKernel({
    platform: { ...createNodePlatform(), stores: memoryStores() },
    config: { file: { kernelId: 'origin-test', ...file }, env },
    trustRoots: roots,
  });
}

const noCors = (h: Headers | IncomingHttpHeaders) => {
  const names = h instanceof Headers ? [...h.keys()] : Object.keys(h);
  return names.filter((n) => n.toLowerCase().startsWith('access-control-'));
};

let hello: Uint8Array;
let runBody: string;
let s: Signed;
let pkg: Uint8Array;
before(async () => {
  hello = await fixture('http-hello');
  runBody = JSON.stringify({ module: b64(hello), allowUnsigned: true, args: ['legit'] });
  s = await signer();
  pkg = await s.sign(hello, 'test/origin-hello');
});

/** `app.request` with the headers a browser (or curl) would send; the app sees `http://localhost`. */
async function call(app: App, method: string, path: string, headers: Record<string, string> = {}, body?: BodyInit): Promise<{ status: number; json: Json; res: Response }> {
  const res = await app.request(path, { method, headers, ...(body !== undefined && { body }) });
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json') ? ((await res.clone().json()) as Json) : {};
  assert.deepEqual(noCors(res.headers), [], `${method} ${path}: no CORS header is ever sent`);
  return { status: res.status, json, res };
}
const JSON_TYPE = { 'content-type': 'application/json' };
const refused = (r: { status: number; json: Json }) => [r.status, r.json.error?.code];

describe('writes need a content type no page can send across origins without asking', () => {
  let app: App;
  before(async () => { app = createApp(await boot({}, {}, [s.root]), { localOnly: true }); });

  it('POST /v1/runs without a Content-Type (fetch no-cors with a Blob, sendBeacon) is refused 400', async () => {
    const r = await call(app, 'POST', '/v1/runs', {}, new Blob([runBody]));
    assert.deepEqual(refused(r), [400, 'BAD_REQUEST']);
    assert.match(r.json.error.message, /application\/json/);
    assert.equal(r.json.error.details.contentType, null);
  });

  for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'TEXT/PLAIN ; x=y']) {
    it(`POST /v1/runs as ${type} (a form's enctype) is refused 400`, async () => {
      const r = await call(app, 'POST', '/v1/runs', { 'content-type': type }, runBody);
      assert.deepEqual(refused(r), [400, 'BAD_REQUEST'], r.json.error?.message);
      assert.match(r.json.error.message, /application\/json/);
    });
  }

  it('a form-urlencoded type with a parameter ending in "+json" is still a form (the old check let it through)', async () => {
    const r = await call(app, 'POST', '/v1/runs', { 'content-type': 'application/x-www-form-urlencoded; x=+json' }, runBody);
    assert.deepEqual(refused(r), [400, 'BAD_REQUEST']);
  });

  it('a real multipart form body is refused 400', async () => {
    const form = new FormData();
    form.set('module', b64(hello));
    const r = await call(app, 'POST', '/v1/runs', {}, form);
    assert.deepEqual(refused(r), [400, 'BAD_REQUEST']);
  });

  it('POST /v1/packages without a Content-Type, or as text/plain, is refused 400 naming application/octet-stream', async () => {
    for (const headers of [{}, { 'content-type': 'text/plain' }, { 'content-type': 'multipart/form-data; boundary=y' }] as Array<Record<string, string>>) {
      const r = await call(app, 'POST', '/v1/packages', headers, new Blob([pkg as Uint8Array<ArrayBuffer>]));
      assert.deepEqual(refused(r), [400, 'BAD_REQUEST'], JSON.stringify(headers));
      assert.match(r.json.error.message, /application\/octet-stream/);
    }
    const json = await call(app, 'POST', '/v1/packages', JSON_TYPE, new Blob([pkg as Uint8Array<ArrayBuffer>]));
    assert.deepEqual(refused(json), [400, 'BAD_REQUEST']);
    assert.match(json.json.error.message, /application\/octet-stream/);
  });

  it('every write method on any route needs one, before the route is even looked up', async () => {
    for (const m of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      const r = await call(app, m, '/v1/quarantine', {}, '{}');
      assert.deepEqual(refused(r), [400, 'BAD_REQUEST'], m);
      assert.deepEqual(refused(await call(app, m, '/v1/quarantine', JSON_TYPE, '{}')), [404, 'NOT_FOUND'], `${m} with a JSON type reaches the router`);
    }
  });

  it('the legitimate writes pass: JSON as application/json (with a charset), a package as octet-stream or the vendor type', async () => {
    const run = await call(app, 'POST', '/v1/runs', { 'content-type': 'application/json; charset=utf-8' }, runBody);
    assert.equal(run.status, 200, JSON.stringify(run.json));
    for (const type of ['application/octet-stream', 'application/vnd.forgeone.package']) {
      const up = await call(app, 'POST', '/v1/packages', { 'content-type': type }, pkg as Uint8Array<ArrayBuffer>);
      assert.equal(up.status, 201, JSON.stringify(up.json));
    }
  });
});

describe('Origin and Sec-Fetch-Site', () => {
  let app: App;
  before(async () => { app = createApp(await boot(), { localOnly: true }); });

  it('a form POST from another site is refused 403 FORBIDDEN naming the origin', async () => {
    const r = await call(app, 'POST', '/v1/runs', { 'content-type': 'text/plain', origin: EVIL, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }, runBody);
    assert.deepEqual(refused(r), [403, 'FORBIDDEN']);
    assert.equal(r.json.error.details.origin, EVIL);
    assert.match(r.json.error.message, /attacker\.example.*api\.allowedOrigins/);
  });

  it('a fetch from another origin is refused whatever it sends — JSON, no-cors, a preflight', async () => {
    assert.deepEqual(refused(await call(app, 'POST', '/v1/runs', { ...JSON_TYPE, origin: EVIL, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' }, runBody)), [403, 'FORBIDDEN']);
    assert.deepEqual(refused(await call(app, 'POST', '/v1/runs', { origin: EVIL, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }, runBody)), [403, 'FORBIDDEN']);
    const preflight = await call(app, 'OPTIONS', '/v1/runs', { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type', 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'cross-site' });
    assert.deepEqual(refused(preflight), [403, 'FORBIDDEN']);
    assert.deepEqual(refused(await call(app, 'GET', '/v1/runs', { origin: EVIL })), [403, 'FORBIDDEN']);
  });

  it('an opaque origin ("null": a sandboxed frame, a file) is refused', async () => {
    assert.deepEqual(refused(await call(app, 'POST', '/v1/runs', { ...JSON_TYPE, origin: 'null' }, runBody)), [403, 'FORBIDDEN']);
  });

  it('Sec-Fetch-Site cross-site or same-site without an allowed Origin is refused: navigations, images, no-cors GETs', async () => {
    for (const [site, mode, dest] of [['cross-site', 'navigate', 'document'], ['cross-site', 'navigate', 'iframe'], ['cross-site', 'no-cors', 'image'], ['same-site', 'no-cors', 'script']]) {
      const r = await call(app, 'GET', '/v1/runs', { 'sec-fetch-site': site!, 'sec-fetch-mode': mode!, 'sec-fetch-dest': dest! });
      assert.deepEqual(refused(r), [403, 'FORBIDDEN'], `${site} ${mode} ${dest}`);
      assert.equal(r.json.error.details.secFetchSite, site);
    }
    assert.deepEqual(refused(await call(app, 'GET', '/v1/runs', { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-site' })), [403, 'FORBIDDEN'], 'a dev server on another port of this machine');
    assert.deepEqual(refused(await call(app, 'GET', '/health', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' })), [403, 'FORBIDDEN'], 'the self-tests are not a cross-site image');
  });

  it('a person following a link from another site still opens the health page (a top-level navigation outside /v1)', async () => {
    const nav = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
    assert.equal((await call(app, 'GET', '/healthz', nav)).status, 200);
    assert.deepEqual(refused(await call(app, 'GET', '/v1', nav)), [403, 'FORBIDDEN'], 'but not the API');
    assert.deepEqual(refused(await call(app, 'GET', '/healthz', { ...nav, 'sec-fetch-dest': 'iframe' })), [403, 'FORBIDDEN'], 'nor framed in another site');
  });

  it('its own origin passes (the console), as do requests without an Origin (curl) and typed-in navigations', async () => {
    const own = await call(app, 'POST', '/v1/runs', { ...JSON_TYPE, origin: 'http://localhost', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }, runBody);
    assert.equal(own.status, 200, JSON.stringify(own.json));
    assert.equal((await call(app, 'POST', '/v1/runs', JSON_TYPE, runBody)).status, 200);
    assert.equal((await call(app, 'GET', '/v1/runs', { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })).status, 200);
    assert.equal((await call(app, 'GET', '/v1/runs', { 'sec-fetch-site': 'same-origin', origin: 'http://localhost' })).status, 200);
  });

  it('every answer says: not for other origins (CORP same-origin, nosniff), and no CORS header', async () => {
    for (const [m, p, h, b] of [['GET', '/healthz', {}], ['GET', '/v1/runs', {}], ['GET', '/v1/runs', { origin: EVIL }], ['POST', '/v1/runs', {}, 'x'], ['GET', '/nowhere', {}]] as const) {
      const r = await call(app, m, p, h, b);
      assert.equal(r.res.headers.get('cross-origin-resource-policy'), 'same-origin', `${m} ${p}`);
      assert.equal(r.res.headers.get('x-content-type-options'), 'nosniff', `${m} ${p}`);
    }
  });

  it('with tokens the Origin rule still holds: a valid token from another origin is refused, without an Origin it runs', async () => {
    const tokens = createApp(await boot({ api: { tokens: [{ id: 'ci', scopes: ['admin'] }] } }, { FORGE_API_TOKEN_CI: TOKEN }), { localOnly: true });
    const auth = { authorization: `Bearer ${TOKEN}` };
    assert.equal((await call(tokens, 'POST', '/v1/runs', { ...JSON_TYPE, ...auth }, runBody)).status, 200);
    assert.deepEqual(refused(await call(tokens, 'POST', '/v1/runs', { ...JSON_TYPE, ...auth, origin: EVIL }, runBody)), [403, 'FORBIDDEN']);
    assert.deepEqual(refused(await call(tokens, 'POST', '/v1/runs', { ...auth, 'content-type': 'text/plain' }, runBody)), [400, 'BAD_REQUEST'], 'and the content type');
  });

  it('api.allowedOrigins names this kernel under another name (a reverse proxy): that Origin passes, others still do not', async () => {
    const proxied = createApp(await boot({ api: { allowedOrigins: ['https://forge.example.com'] } }), { localOnly: true });
    const r = await call(proxied, 'POST', '/v1/runs', { ...JSON_TYPE, origin: 'https://forge.example.com', 'sec-fetch-site': 'same-origin' }, runBody);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((await call(proxied, 'GET', '/v1/runs', { origin: 'https://forge.example.com', 'sec-fetch-site': 'same-site' })).status, 200);
    assert.deepEqual(refused(await call(proxied, 'GET', '/v1/runs', { origin: 'https://evil.example.com', 'sec-fetch-site': 'same-site' })), [403, 'FORBIDDEN']);
    assert.deepEqual(refused(await call(proxied, 'GET', '/v1/runs', { origin: 'https://forge.example.com:8443' })), [403, 'FORBIDDEN'], 'an origin is matched exactly');
  });
});

describe('Host: DNS rebinding against a loopback listener', () => {
  let app: App;
  before(async () => { app = createApp(await boot(), { localOnly: true, loopbackListener: true }); });
  const get = (url: string, headers: Record<string, string> = {}) => call(app, 'GET', url, headers);

  it('a Host that is not a loopback name is refused 403, health and every route included', async () => {
    for (const path of ['/v1', '/v1/runs', '/health', '/healthz', '/nowhere']) {
      const r = await get(`http://attacker.example:8787${path}`, { host: 'attacker.example:8787', origin: 'http://attacker.example:8787', 'sec-fetch-site': 'same-origin' });
      assert.deepEqual(refused(r), [403, 'FORBIDDEN'], path);
      assert.equal(r.json.error.message, 'this kernel answers only its own machine: Host attacker.example is not a loopback name; add it to api.allowedHosts to serve it');
      assert.equal(r.json.error.details.host, 'attacker.example');
    }
    const post = await call(app, 'POST', 'http://attacker.example:8787/v1/runs', { ...JSON_TYPE, host: 'attacker.example:8787', origin: 'http://attacker.example:8787' }, runBody);
    assert.deepEqual(refused(post), [403, 'FORBIDDEN']);
  });

  it('the Host header is checked even when the request line names a loopback URL', async () => {
    assert.deepEqual(refused(await get('http://127.0.0.1:8787/v1', { host: 'rebind.example:8787' })), [403, 'FORBIDDEN']);
    assert.deepEqual(refused(await get('http://127.0.0.1.attacker.example/v1')), [403, 'FORBIDDEN'], 'a name that only starts like an address');
    assert.deepEqual(refused(await get('http://localhost.attacker.example/v1')), [403, 'FORBIDDEN']);
    assert.deepEqual(refused(await get('http://10.0.0.1/v1')), [403, 'FORBIDDEN'], 'another address of this machine is not loopback');
  });

  it('loopback names pass with any port: localhost, *.localhost, 127.0.0.0/8, [::1]', async () => {
    for (const host of ['localhost', 'localhost:8787', 'LOCALHOST:1', 'forge.localhost:8787', '127.0.0.1:8787', '127.1.2.3', '[::1]:8787']) {
      const r = await get(`http://${host}/v1`, { host });
      assert.equal(r.status, 200, `${host}: ${JSON.stringify(r.json)}`);
    }
  });

  it('api.allowedHosts adds names (any port); without a loopback listener nothing is checked unless names are configured', async () => {
    const named = createApp(await boot({ api: { allowedHosts: ['forge.internal'] } }), { localOnly: true, loopbackListener: true });
    assert.equal((await call(named, 'GET', 'http://forge.internal:8787/v1', { host: 'forge.internal:8787' })).status, 200);
    assert.equal((await call(named, 'GET', 'http://localhost:8787/v1', { host: 'localhost:8787' })).status, 200);
    assert.deepEqual(refused(await call(named, 'GET', 'http://attacker.example/v1', { host: 'attacker.example' })), [403, 'FORBIDDEN']);
    const open = createApp(await boot({ api: { requireAuth: false } }));
    assert.equal((await call(open, 'GET', 'http://forge.test/v1', { host: 'forge.test' })).status, 200, 'a Worker or a server beyond loopback answers its names');
    const pinned = createApp(await boot({ api: { requireAuth: false, allowedHosts: ['forge.test'] } }));
    assert.equal((await call(pinned, 'GET', 'http://forge.test/v1', { host: 'forge.test' })).status, 200);
    const other = await call(pinned, 'GET', 'http://rebind.example/v1', { host: 'rebind.example' });
    assert.deepEqual(refused(other), [403, 'FORBIDDEN'], 'configured names are enforced everywhere');
    assert.match(other.json.error.message, /api\.allowedHosts/);
  });

  it('with tokens on a loopback listener the Host rule still holds (the health probes and the console need no token)', async () => {
    const tokens = createApp(await boot({ api: { tokens: [{ id: 'ci', scopes: ['admin'] }] } }, { FORGE_API_TOKEN_CI: TOKEN }), { localOnly: true, loopbackListener: true });
    const r = await call(tokens, 'GET', 'http://attacker.example/v1', { host: 'attacker.example', authorization: `Bearer ${TOKEN}` });
    assert.deepEqual(refused(r), [403, 'FORBIDDEN']);
    assert.equal((await call(tokens, 'GET', 'http://127.0.0.1/v1', { authorization: `Bearer ${TOKEN}` })).status, 200);
  });
});

describe('the api options are validated', () => {
  const load = (sources: ConfigSources) => loadConfig(sources, {}, nobleCrypto);
  const bad = async (api: object, path: RegExp) => {
    await assert.rejects(load({ file: { api } }), (e: unknown) => isKernelError(e, 'CONFIG_INVALID') && path.test(e.message));
  };
  it('allowedOrigins are origins exactly as a browser sends them', async () => {
    await bad({ allowedOrigins: ['https://forge.example.com/'] }, /api\.allowedOrigins\[0\]/);
    await bad({ allowedOrigins: ['forge.example.com'] }, /api\.allowedOrigins\[0\]/);
    await bad({ allowedOrigins: ['https://Forge.example.com'] }, /api\.allowedOrigins\[0\]/);
    await bad({ allowedOrigins: ['http://x.example:80'] }, /api\.allowedOrigins\[0\]/);
    await bad({ allowedOrigins: ['null'] }, /api\.allowedOrigins\[0\]/);
    await bad({ allowedOrigins: ['*'] }, /api\.allowedOrigins\[0\]/);
    const ok = await load({ file: { api: { allowedOrigins: ['https://forge.example.com', 'http://[::1]:8787'] } } });
    assert.deepEqual(ok.config.api.allowedOrigins, ['https://forge.example.com', 'http://[::1]:8787']);
  });
  it('allowedHosts are host names without a port', async () => {
    await bad({ allowedHosts: ['forge.internal:8787'] }, /api\.allowedHosts\[0\]/);
    await bad({ allowedHosts: ['http://forge.internal'] }, /api\.allowedHosts\[0\]/);
    await bad({ allowedHosts: ['*'] }, /api\.allowedHosts\[0\]/);
    const ok = await load({ file: { api: { allowedHosts: ['forge.internal', '192.168.1.5', '[fd00::1]'] } } });
    assert.deepEqual(ok.config.api.allowedHosts, ['forge.internal', '192.168.1.5', '[fd00::1]']);
    assert.equal((await load({})).config.api.allowedHosts, undefined, 'unset by default: configs without it keep their digest');
  });
});

/** One raw HTTP/1.1 request to 127.0.0.1:`port` with exactly these headers (Host included). */
function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: string | Uint8Array): Promise<{ status: number; headers: IncomingHttpHeaders; json: Json; text: string }> {
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers, ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }) }, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Json = {};
        if ((res.headers['content-type'] ?? '').startsWith('application/json')) json = JSON.parse(text) as Json;
        ok({ status: res.statusCode!, headers: res.headers, json, text });
      });
    });
    req.on('error', fail);
    req.end(body);
  });
}

describe('the Node server on a loopback port', () => {
  let server: RunningServer;
  let port: number;
  let own: string;
  before(async () => {
    server = await startServer({ port: 0, kernel: await boot() });
    port = server.port;
    own = `http://127.0.0.1:${port}`;
  });
  after(async () => { await server?.close(); });
  const runs = async () => (await raw(port, 'GET', '/v1/runs', {})).json.runs as Json[];

  it('DNS rebinding — attacker.example:PORT resolving to 127.0.0.1 — is refused on every route, the console too', async () => {
    const rebound = { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}`, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' };
    const post = await raw(port, 'POST', '/v1/runs', { ...rebound, 'content-type': 'application/json' }, runBody);
    assert.deepEqual([post.status, post.json.error.code], [403, 'FORBIDDEN']);
    assert.equal(post.json.error.message, 'this kernel answers only its own machine: Host attacker.example is not a loopback name; add it to api.allowedHosts to serve it');
    for (const path of ['/v1/runs', '/v1', '/health', '/', '/console.js']) {
      const r = await raw(port, 'GET', path, { ...rebound, 'sec-fetch-mode': path === '/' ? 'navigate' : 'cors' });
      assert.deepEqual([r.status, r.json.error?.code], [403, 'FORBIDDEN'], path);
      assert.deepEqual(noCors(r.headers), [], path);
    }
    assert.deepEqual(await runs(), [], 'nothing ran');
  });

  it('a cross-site form POST (text/plain, urlencoded, multipart) and a no-cors fetch are refused; so is the same without Origin', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b']) {
      const form = await raw(port, 'POST', '/v1/runs', { 'content-type': type, origin: EVIL, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }, runBody);
      assert.deepEqual([form.status, form.json.error.code], [403, 'FORBIDDEN'], type);
      const bare = await raw(port, 'POST', '/v1/runs', { 'content-type': type }, runBody);
      assert.deepEqual([bare.status, bare.json.error.code], [400, 'BAD_REQUEST'], `${type} without Origin`);
    }
    const beacon = await raw(port, 'POST', '/v1/runs', { origin: EVIL, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'empty' }, runBody);
    assert.deepEqual([beacon.status, beacon.json.error.code], [403, 'FORBIDDEN']);
    const untyped = await raw(port, 'POST', '/v1/runs', {}, runBody);
    assert.deepEqual([untyped.status, untyped.json.error.code], [400, 'BAD_REQUEST']);
    const pkgUp = await raw(port, 'POST', '/v1/packages', {}, pkg);
    assert.deepEqual([pkgUp.status, pkgUp.json.error.code], [400, 'BAD_REQUEST']);
    assert.deepEqual(await runs(), [], 'nothing ran');
  });

  it('a cross-site navigation to the API is refused; to the console it opens (a link), and the console cannot be framed', async () => {
    const nav = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
    const api = await raw(port, 'GET', '/v1/runs', nav);
    assert.deepEqual([api.status, api.json.error.code], [403, 'FORBIDDEN']);
    const page = await raw(port, 'GET', '/', nav);
    assert.equal(page.status, 200);
    assert.match(page.text, /<title>ForgeOne console<\/title>/);
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    const framed = await raw(port, 'GET', '/', { ...nav, 'sec-fetch-dest': 'iframe' });
    assert.equal(framed.status, 403);
  });

  it('the console (same origin), curl (no Origin) and loopback names all still work', async () => {
    const page = await raw(port, 'GET', '/', { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' });
    assert.equal(page.status, 200);
    const js = await raw(port, 'GET', '/console.js', { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'script' });
    assert.equal(js.status, 200);
    const consoleRun = await raw(port, 'POST', '/v1/runs', { 'content-type': 'application/json', origin: own, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }, runBody);
    assert.equal(consoleRun.status, 200, consoleRun.text);
    assert.deepEqual(noCors(consoleRun.headers), []);
    const curl = await raw(port, 'POST', '/v1/runs', { 'content-type': 'application/json', 'user-agent': 'curl/8' }, runBody);
    assert.equal(curl.status, 200, curl.text);
    for (const host of [`localhost:${port}`, `[::1]:${port}`, `forge.localhost:${port}`, `127.0.0.2:${port}`]) {
      const r = await raw(port, 'GET', '/v1', { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
      assert.equal(r.status, 200, `${host}: ${r.text}`);
    }
    assert.equal((await runs()).length, 2);
  });

  it('api.allowedHosts serves a name behind a proxy; tokens do not lift the Host rule on loopback', async () => {
    const named = await startServer({ port: 0, kernel: await boot({ api: { allowedHosts: ['forge.internal'], tokens: [{ id: 'ci', scopes: ['admin'] }] } }, { FORGE_API_TOKEN_CI: TOKEN }) });
    try {
      const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      const ok = await raw(named.port, 'POST', '/v1/runs', { ...auth, host: `forge.internal:${named.port}` }, runBody);
      assert.equal(ok.status, 200, ok.text);
      const rebound = await raw(named.port, 'POST', '/v1/runs', { ...auth, host: 'attacker.example' }, runBody);
      assert.deepEqual([rebound.status, rebound.json.error.code], [403, 'FORBIDDEN']);
      const noToken = await raw(named.port, 'POST', '/v1/runs', { 'content-type': 'application/json' }, runBody);
      assert.equal(noToken.status, 401);
    } finally {
      await named.close();
    }
  });
});

/** A tiny HTTP server for one directory of files, on 127.0.0.1. */
async function staticServer(files: (path: string) => { body: string | Buffer; type: string; headers?: Record<string, string> } | undefined): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const f = files((req.url ?? '/').split('?')[0]!);
    if (!f) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': f.type, ...f.headers });
    res.end(f.body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, port: (server.address() as AddressInfo).port };
}

/** What the attacking page does: every kind of request a page can make to another origin without asking. */
const ATTACK = (target: string) => `<!doctype html><meta charset="utf-8"><title>next door</title>
<body>
<form id="plain" method="POST" enctype="text/plain" action="${target}/v1/runs"><input name='{"allowUnsigned":true,"module":"' value='"}'></form>
<form id="urlenc" method="POST" action="${target}/v1/runs"><input name="module" value="AGFzbQ=="></form>
<form id="multipart" method="POST" enctype="multipart/form-data" action="${target}/v1/runs"><input name="module" value="AGFzbQ=="></form>
<script>
window.attack = async (module) => {
  const body = JSON.stringify({ module, allowUnsigned: true, args: ['pwned'] });
  const out = [];
  const tryFetch = async (what, init) => { try { const r = await fetch('${target}/v1/runs', init); out.push([what, r.type, r.status]); } catch (e) { out.push([what, 'error', String(e)]); } };
  await tryFetch('no-cors text', { method: 'POST', mode: 'no-cors', body });
  await tryFetch('no-cors blob', { method: 'POST', mode: 'no-cors', body: new Blob([body]) });
  await tryFetch('no-cors bytes', { method: 'POST', mode: 'no-cors', body: new TextEncoder().encode(body) });
  await tryFetch('cors json', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  out.push(['beacon', navigator.sendBeacon('${target}/v1/runs', new Blob([body]))]);
  try { const r = await fetch('${target}/v1/runs'); out.push(['read', r.status, await r.text()]); } catch (e) { out.push(['read', 'error', String(e)]); }
  return out;
};
</script>`;

describe('real Chromium pages next door', { timeout: 240_000 }, () => {
  let context: BrowserContext | undefined;
  before(async () => {
    ensureChromium();
    // Chromium's own Local/Private Network Access checks are off: the kernel's defences are what is tested.
    // A Chromium that fails to start (seen once on a loaded machine, another Chromium starting beside
    // it) is tried again with a fresh profile, up to three times; the error of the last try is kept.
    let failure: unknown;
    for (let attempt = 0; attempt < 3 && context === undefined; attempt++) {
      try {
        context = await chromium.launchPersistentContext(scratch('forge-origin-profile-'), {
          executablePath: CHROMIUM, headless: true, env: chromiumEnv(scratch('forge-origin-home-')),
          args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP attacker.test 127.0.0.1', '--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,BlockInsecurePrivateNetworkRequests'],
        });
      } catch (e) {
        failure = e;
      }
    }
    if (context === undefined) throw failure;
  });
  after(async () => { await context?.close(); });

  it('against the Node server: forms, no-cors fetches, beacons and a rebinding page run nothing and read nothing', async () => {
    const server = await startServer({ port: 0, kernel: await boot() });
    const next = await staticServer((p) => (p === '/attack.html' ? { body: ATTACK(`http://127.0.0.1:${server.port}`), type: 'text/html' } : undefined));
    const page = await context!.newPage();
    try {
      // another site (localhost is not 127.0.0.1's site) on this same machine
      await page.goto(`http://localhost:${next.port}/attack.html`);
      const results = (await page.evaluate(`attack(${JSON.stringify(b64(hello))})`)) as unknown[][];
      const read = results.find((r) => r[0] === 'read')!;
      assert.equal(read[1], 'error', `a cross-origin read fails in the browser: ${JSON.stringify(read)}`);
      // a form submission is a top-level navigation away from the page next door
      for (const id of ['plain', 'urlenc', 'multipart']) {
        await page.goto(`http://localhost:${next.port}/attack.html`);
        const answered = page.waitForResponse((r) => r.url().endsWith('/v1/runs') && r.request().method() === 'POST');
        await page.evaluate(`document.getElementById('${id}').submit()`);
        const res = await answered;
        assert.equal(res.status(), 403, `form ${id}: ${await res.text()}`);
        assert.equal(((await res.json()) as Json).error.code, 'FORBIDDEN');
      }

      // DNS rebinding: the page is served as attacker.test:PORT, then the name points at 127.0.0.1
      const rebound = `http://attacker.test:${server.port}`;
      await page.route(`${rebound}/evil.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: ATTACK(rebound) }));
      await page.goto(`${rebound}/evil.html`);
      const same = (await page.evaluate(`attack(${JSON.stringify(b64(hello))})`)) as unknown[][];
      const cors = same.find((r) => r[0] === 'cors json')!;
      assert.deepEqual(cors, ['cors json', 'basic', 403], `the rebinding page's same-origin JSON POST: ${JSON.stringify(same)}`);
      const readBack = same.find((r) => r[0] === 'read')!;
      assert.equal(readBack[1], 403);
      assert.match(String(readBack[2]), /not a loopback name/);

      const list = await raw(server.port, 'GET', '/v1/runs', {});
      assert.deepEqual(list.json.runs, [], 'nothing ran');
    } finally {
      await page.close();
      next.server.close();
      await server.close();
    }
  });

  it('the console on the Node server still runs a module (its requests are same-origin JSON), and sends its token nowhere else', async () => {
    const server = await startServer({ port: 0, kernel: await boot() });
    const seen: string[] = [];
    const elsewhere = await staticServer((p) => { seen.push(p); return undefined; });
    const page = await context!.newPage();
    try {
      // a link to the console naming another API (or worker) must not take the token there
      await page.goto(`http://127.0.0.1:${server.port}/`);
      await page.evaluate(`sessionStorage.setItem('forge-token', 'secret-token-0123456789')`);
      for (const q of [`?api=http://localhost:${elsewhere.port}/`, `?api=//localhost:${elsewhere.port}`, `?sw=http://localhost:${elsewhere.port}/sw.js`]) {
        await page.goto(`http://127.0.0.1:${server.port}/${q}`);
        await page.waitForFunction(() => /cannot start/.test(document.getElementById('kernel')!.textContent!));
        assert.match((await page.textContent('#kernel'))!, /must be on this page's origin/, q);
      }
      assert.deepEqual(seen, [], 'nothing was sent to the other origin');
      await page.evaluate(`sessionStorage.removeItem('forge-token')`);

      await page.goto(`http://127.0.0.1:${server.port}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.setInputFiles('#file', { name: 'hello.wasm', mimeType: 'application/wasm', buffer: Buffer.from(hello) });
      await page.waitForFunction(() => !(document.getElementById('run') as HTMLButtonElement).disabled);
      await page.fill('#args', '<img src=x onerror=alert(1)>');
      await page.click('#run');
      await page.waitForFunction(() => document.getElementById('stdout')!.textContent!.startsWith('hello'));
      assert.equal(await page.textContent('#stdout'), 'hello <img src=x onerror=alert(1)>\nWHO=(unset)\n');
      assert.equal(await page.$$eval('#stdout img', (imgs) => imgs.length), 0, 'guest output is text, never markup');
    } finally {
      await page.close();
      elsewhere.server.close();
      await server.close();
    }
  });

  it('against the kernel in a Service Worker: a form POST from another site into its scope runs nothing', async () => {
    const dir = scratch('forge-origin-sw-');
    await buildWeb(dir);
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
    const site = await staticServer((p) => {
      const name = p === '/' ? 'index.html' : p.slice(1);
      try {
        return { body: readFileSync(join(dir, name)), type: types[extname(name)] ?? 'application/octet-stream' };
      } catch {
        return undefined;
      }
    });
    const sw = `http://127.0.0.1:${site.port}`;
    const next = await staticServer((p) => (p === '/attack.html' ? { body: ATTACK(`${sw}/forge`), type: 'text/html' } : undefined));
    const page = await context!.newPage();
    try {
      await page.goto(`${sw}/index.html`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      const attacker = await context!.newPage();
      try {
        await attacker.goto(`http://localhost:${next.port}/attack.html`);
        await attacker.evaluate(`attack(${JSON.stringify(b64(hello))})`);
        // top-level navigations into the SW's scope: the SW answers them, not the network
        for (const id of ['plain', 'urlenc', 'multipart']) {
          await attacker.goto(`http://localhost:${next.port}/attack.html`);
          const answered = attacker.waitForResponse((r) => r.url().endsWith('/forge/v1/runs') && r.request().method() === 'POST');
          await attacker.evaluate(`document.getElementById('${id}').submit()`);
          const res = await answered;
          // refused by the Origin rule where the SW sees the header, else by the body type a form sends
          const code = ((await res.json()) as Json).error.code;
          assert.ok((res.status() === 403 && code === 'FORBIDDEN') || (res.status() === 400 && code === 'BAD_REQUEST'), `form ${id} into the SW's scope is refused: ${res.status()} ${code}`);
          assert.ok(res.fromServiceWorker(), `form ${id} was answered by the Service Worker`);
        }
      } finally {
        await attacker.close();
      }
      const listed = (await page.evaluate(`fetch('forge/v1/runs').then((r) => r.json())`)) as Json;
      assert.deepEqual(listed.runs, [], 'nothing ran in the Service Worker');
    } finally {
      await page.close();
      next.server.close();
      site.server.close();
    }
  });
});
