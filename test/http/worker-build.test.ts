/**
 * workers/build.ts: verified, instrumented packages bundled into a Worker directory that
 * `wrangler deploy --dry-run` accepts, and that — started by wrangler itself from its own
 * wrangler.toml — runs those packages (and only those: workerd cannot compile anything else).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { isKernelError } from '../../src/errors.ts';
import { packPackage, nobleCrypto } from '../../src/packages/index.ts';
import { buildWorker, type WorkerBuildReport } from '../../workers/build.ts';
import { ROOT } from '../fixtures/build.ts';
import { b64, fixture, scratch, signer, unb64, type Signed } from './helpers.ts';

type Json = Record<string, any>;
const TOKEN = 'deploy-token-0123456789abcdef';

const dir = scratch('forge-worker-build-');
let s: Signed;
let report: WorkerBuildReport;
const pkgs: Record<string, Uint8Array> = {};

before(async () => {
  process.env['WRANGLER_SEND_METRICS'] = 'false';
  process.env['CLOUDFLARE_CF_FETCH_ENABLED'] = 'false';
  // wrangler's logs go to the temp dir, not the home directory
  process.env['WRANGLER_LOG_PATH'] = join(dir, 'wrangler-logs');
  s = await signer();
  mkdirSync(join(dir, 'pkgs'));
  const hello = await fixture('http-hello');
  pkgs['hello'] = await s.sign(hello, 'test/hello');
  // a package asking for less memory than the kernel's default is instrumented with its own cap
  pkgs['small'] = await packPackage({ module: hello, manifest: { name: 'test/small', version: '2.0.0', limits: { memory: 8 * 1024 * 1024 } } }, { crypto: nobleCrypto, keys: [s.key] });
  for (const [name, bytes] of Object.entries(pkgs)) writeFileSync(join(dir, 'pkgs', `${name}.forgepkg`), bytes);
  writeFileSync(join(dir, 'root.json'), JSON.stringify(s.root));
  writeFileSync(join(dir, 'forge.json'), JSON.stringify({
    kernelId: 'built-worker', trust: { roots: [{ document: s.root }] }, api: { tokens: [{ id: 'deploy', scopes: ['runs:execute', 'traces:read'] }] },
  }));
  report = await buildWorker({ packagesDir: join(dir, 'pkgs'), trustFiles: [join(dir, 'root.json')], configFile: join(dir, 'forge.json'), outDir: join(dir, 'out') });
  // a local secret, the way `wrangler dev` reads them (a deploy uses `wrangler secret put`)
  writeFileSync(join(dir, 'out', '.dev.vars'), `FORGE_API_TOKEN_DEPLOY=${TOKEN}\n`);
});

describe('npm run build:worker', () => {
  it('bundles each package instrumented with the memory cap the kernel will use, and the self-test guest', () => {
    const byName = Object.fromEntries(report.packages.map((p) => [p.name, p]));
    assert.equal(byName['test/hello']!.memoryMaxPages, 4096, 'the default 256 MiB');
    assert.equal(byName['test/small']!.memoryMaxPages, 128, 'the manifest\'s 8 MiB');
    assert.equal(report.modules.length, 3);
    assert.deepEqual(readdirSync(join(dir, 'out', 'wasm')).sort(), report.modules.map((d) => `${d}.wasm`).sort());
    const listed = JSON.parse(readFileSync(join(dir, 'out', 'packages.json'), 'utf8')) as Json;
    assert.deepEqual(listed.packages.map((p: Json) => p.file).sort(), ['hello.forgepkg', 'small.forgepkg']);
    assert.match(readFileSync(join(dir, 'out', 'wrangler.toml'), 'utf8'), /^FORGE_CONFIG = "\{\\"kernelId\\":\\"built-worker\\"/m);
  });

  it('wrangler deploy --dry-run accepts the directory', () => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', join(dir, 'dry')], {
      cwd: join(dir, 'out'), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /--dry-run: exiting now/);
    for (const d of report.modules) assert.ok(r.stdout.includes(`wasm/${d}.wasm`), `${d} is attached`);
    assert.match(r.stdout, /env\.FORGE_STATE \(ForgeState\)\s+Durable Object/);
    assert.doesNotMatch(r.stdout + r.stderr, /WARNING/);
  });

  it('wrangler runs the built Worker: the bundled packages run, a package not bundled is refused', async () => {
    // imported here, after WRANGLER_LOG_PATH is set: wrangler fixes its log path when it loads
    const { unstable_startWorker } = await import('wrangler');
    const worker = await unstable_startWorker({ config: join(dir, 'out', 'wrangler.toml'), dev: { server: { port: 0 }, inspector: false, persist: false, logLevel: 'error' } as never });
    try {
      const run = async (pkg: Uint8Array, token = TOKEN) => {
        const res = await worker.fetch('http://forge.test/v1/runs', {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ package: b64(pkg), args: ['built'] }),
        });
        return { status: res.status, json: (await res.json()) as Json };
      };
      const health = (await (await worker.fetch('http://forge.test/health')).json()) as Json;
      assert.deepEqual([health.kernelId, health.status], ['built-worker', 'ok']);
      for (const key of ['hello', 'small']) {
        const r = await run(pkgs[key]!);
        assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 400));
        assert.equal(unb64(r.json.stdout), 'hello built\nWHO=(unset)\n');
      }
      assert.equal((await run(pkgs['hello']!, 'wrong-token-0123456789')).status, 401);
      const other = await run(await s.sign(await fixture('wasi-stdio'), 'test/not-bundled'));
      assert.deepEqual([other.status, other.json.error.code], [422, 'WASM_NOT_BUNDLED']);
    } finally {
      await worker.dispose();
    }
  });

  it('refuses to build a package that does not verify, naming the file', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'stranger.forgepkg'), await (await signer()).sign(await fixture('http-hello'), 'test/stranger'));
    await assert.rejects(
      buildWorker({ packagesDir: bad, trustFiles: [join(dir, 'root.json')], outDir: join(dir, 'bad-out') }),
      (e) => isKernelError(e, 'PKG_UNKNOWN_KEY') && /stranger\.forgepkg/.test(e.message),
    );
    await assert.rejects(buildWorker({ packagesDir: join(dir, 'pkgs'), trustFiles: [], outDir: join(dir, 'bad-out') }), (e) => isKernelError(e, 'BAD_REQUEST'));
  });
});
