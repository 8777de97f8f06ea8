/**
 * The HTTP API refuses, in every host, what a web page of another origin can make a browser send:
 * writes with a body type any page may send without a preflight, a foreign Origin, a cross-site
 * Sec-Fetch-Site, and — behind a loopback listener — a Host that is not this machine's name
 * (DNS rebinding). Requests are built as the network delivers them, with the headers a page's own
 * fetch may not set (Origin, Sec-Fetch-*, Host): a Service Worker's Request would drop those.
 */
import { bootKernel, type BootedKernel } from '../../src/boot.ts';
import { toBase64 } from '../../src/lib/encoding.ts';
import { createApp, type AppOptions } from '../../src/http/app.ts';
import { assert, assertEqual, type ConformanceCase, type ConformanceEnv } from './harness.ts';

type App = ReturnType<typeof createApp>;
type Json = Record<string, any>;

const EVIL = 'http://attacker.example';
const BASE = 'http://127.0.0.1:8787';

async function appOf(env: ConformanceEnv, options: AppOptions, file: object = {}): Promise<{ app: App; kernel: BootedKernel }> {
  const kernel = await bootKernel({ platform: env.platform, config: { file: { kernelId: 'http-origin-conformance', ...file }, env: {} } });
  return { app: createApp(kernel, options), kernel };
}

/** A Request whose headers are exactly `headers`, forbidden names included, as a server receives it. */
function delivered(url: string, method: string, headers: Record<string, string>, body?: string | Uint8Array): Request {
  const req = new Request(url, { method, ...(body !== undefined && { body: body as BodyInit }) });
  // a standalone Headers object takes any name; only a Request's own drops Origin, Host, Sec-*
  const all = new Headers();
  for (const [k, v] of Object.entries(headers)) all.set(k, v);
  return new Proxy(req, {
    get(target, prop) {
      if (prop === 'headers') return all;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function send(app: App, url: string, method: string, headers: Record<string, string>, body?: string | Uint8Array): Promise<{ status: number; code: string | undefined; res: Response }> {
  const res = await app.fetch(delivered(url, method, headers, body));
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json') ? ((await res.clone().json()) as Json) : {};
  const cors = [...res.headers.keys()].filter((k) => k.startsWith('access-control-'));
  assertEqual(cors, [], `${method} ${url}: no CORS header`);
  return { status: res.status, code: json.error?.code, res };
}

export const httpOriginCases: ConformanceCase[] = [
  {
    name: 'http-origin: a write whose body type any page may send without asking (none, text, form, multipart) is refused 400',
    async run(env) {
      const { app, kernel } = await appOf(env, { localOnly: true });
      try {
        const body = JSON.stringify({ module: toBase64(env.fixture('http-hello')), allowUnsigned: true, args: ['typed'] });
        for (const type of [undefined, 'text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b', 'application/x-www-form-urlencoded; x=+json']) {
          const r = await send(app, `${BASE}/v1/runs`, 'POST', type === undefined ? {} : { 'content-type': type }, body);
          assertEqual([r.status, r.code], [400, 'BAD_REQUEST'], `POST /v1/runs as ${type ?? '(no type)'}`);
        }
        const upload = await send(app, `${BASE}/v1/packages`, 'POST', {}, new Uint8Array([1, 2, 3]));
        assertEqual([upload.status, upload.code], [400, 'BAD_REQUEST'], 'POST /v1/packages without a type');
        const put = await send(app, `${BASE}/v1/anything`, 'PUT', { 'content-type': 'text/plain' }, 'x');
        assertEqual([put.status, put.code], [400, 'BAD_REQUEST'], 'any write method on any route');
        const ok = await send(app, `${BASE}/v1/runs`, 'POST', { 'content-type': 'application/json' }, body);
        assertEqual(ok.status, 200, 'application/json runs');
      } finally {
        await kernel.close();
      }
    },
  },
  {
    name: 'http-origin: a foreign Origin or a cross-site Sec-Fetch-Site is refused 403; its own origin and no Origin pass',
    async run(env) {
      const { app, kernel } = await appOf(env, { localOnly: true });
      try {
        const json = { 'content-type': 'application/json' };
        const body = JSON.stringify({ module: toBase64(env.fixture('http-hello')), allowUnsigned: true });
        const refusals: Array<[string, string, Record<string, string>]> = [
          ['POST', '/v1/runs', { ...json, origin: EVIL, 'sec-fetch-site': 'cross-site' }],
          ['POST', '/v1/runs', { 'content-type': 'text/plain', origin: EVIL }],
          ['POST', '/v1/runs', { ...json, origin: 'null' }],
          ['OPTIONS', '/v1/runs', { origin: EVIL, 'access-control-request-method': 'POST' }],
          ['GET', '/v1/runs', { origin: EVIL }],
          ['GET', '/v1/runs', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }],
          ['GET', '/v1/runs', { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' }],
        ];
        for (const [method, path, headers] of refusals) {
          const r = await send(app, `${BASE}${path}`, method, headers, method === 'POST' ? body : undefined);
          assertEqual([r.status, r.code], [403, 'FORBIDDEN'], `${method} ${path} ${JSON.stringify(headers)}`);
        }
        const own = await send(app, `${BASE}/v1/runs`, 'POST', { ...json, origin: BASE, 'sec-fetch-site': 'same-origin' }, body);
        assertEqual(own.status, 200, 'its own origin (the console)');
        assertEqual(own.res.headers.get('cross-origin-resource-policy'), 'same-origin', 'answers are for this origin only');
        assertEqual((await send(app, `${BASE}/v1/runs`, 'GET', {})).status, 200, 'no Origin (a program)');
        assertEqual((await send(app, `${BASE}/healthz`, 'GET', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })).status, 200, 'a link to a health page');
      } finally {
        await kernel.close();
      }
    },
  },
  {
    name: 'http-origin: api.allowedOrigins names the kernel behind a proxy; a token does not lift the Origin rule',
    async run(env) {
      const token = 'origin-conformance-token-0123';
      const kernel = await bootKernel({
        platform: env.platform,
        config: { file: { kernelId: 'http-origin-conformance', api: { allowedOrigins: ['https://forge.example.com'], tokens: [{ id: 'ci', scopes: ['admin'] }] } }, env: { FORGE_API_TOKEN_CI: token } },
      });
      try {
        const app = createApp(kernel, { localOnly: false });
        const auth = { authorization: `Bearer ${token}` };
        assertEqual((await send(app, `${BASE}/v1`, 'GET', { ...auth, origin: 'https://forge.example.com' })).status, 200, 'the proxy\'s origin');
        const foreign = await send(app, `${BASE}/v1`, 'GET', { ...auth, origin: EVIL });
        assertEqual([foreign.status, foreign.code], [403, 'FORBIDDEN'], 'another origin with a valid token');
        assertEqual((await send(app, `${BASE}/v1`, 'GET', auth)).status, 200, 'the token without an Origin');
      } finally {
        await kernel.close();
      }
    },
  },
  {
    name: 'http-origin: a loopback listener answers only loopback names and api.allowedHosts (DNS rebinding is refused 403)',
    async run(env) {
      const { app, kernel } = await appOf(env, { localOnly: true, loopbackListener: true }, { api: { allowedHosts: ['forge.internal'] } });
      try {
        const rebound = await send(app, 'http://attacker.example:8787/v1/runs', 'GET', { host: 'attacker.example:8787', origin: 'http://attacker.example:8787', 'sec-fetch-site': 'same-origin' });
        assertEqual([rebound.status, rebound.code], [403, 'FORBIDDEN'], 'a rebound name');
        const body = (await rebound.res.json()) as Json;
        assert(/not a loopback name; add it to api\.allowedHosts/.test(body.error.message), `the refusal says what to do: ${body.error.message}`);
        assertEqual((await send(app, `${BASE}/v1`, 'GET', { host: 'attacker.example' })).status, 403, 'a Host header naming another machine');
        for (const host of ['localhost:8787', '127.0.0.1:8787', '[::1]:8787', 'forge.localhost', 'forge.internal:443']) {
          assertEqual((await send(app, `http://${host}/v1`, 'GET', { host })).status, 200, host);
        }
      } finally {
        await kernel.close();
      }
    },
  },
];
