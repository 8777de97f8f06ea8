/**
 * The real Node server: the console and the API over TCP, the loopback rule, and quarantine that
 * survives a restart — a second server process over the same data directory refuses the identity.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../platform/node/server.ts';
import { b64, fixture, proberPackage, scratch, signer, unb64 } from './helpers.ts';

type Json = Record<string, any>;
const MAIN = fileURLToPath(new URL('../../platform/node/main.ts', import.meta.url));

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the server in this process', () => {
  it('serves the console at / and the API under /v1 on loopback, open without tokens', async () => {
    const dir = scratch();
    const server = await startServer({ port: 0, keyDir: join(dir, 'key'), boot: { cwd: dir, env: { FORGE_STORES_DATA_DIR: join(dir, 'data') } } });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const page = await fetch(`${base}/`);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const html = await page.text();
      assert.match(html, /<title>ForgeOne console<\/title>/);
      assert.match(html, /<script type="module" src="console.js">/);
      const js = await fetch(`${base}/console.js`);
      assert.match(js.headers.get('content-type') ?? '', /javascript/);
      assert.match(await js.text(), /v1\/runs/);
      const info = (await (await fetch(`${base}/v1`)).json()) as Json;
      assert.deepEqual([info.api, info.platform, info.auth], ['forgeone/v1', 'node', 'open']);
      const r = await post(`${base}/v1/runs`, { module: b64(await fixture('http-hello')), allowUnsigned: true, args: ['over', 'tcp'] });
      const run = (await r.json()) as Json;
      assert.equal(r.status, 200, JSON.stringify(run));
      assert.equal(unb64(run.stdout), 'hello over tcp\nWHO=(unset)\n');
      const trace = await fetch(`${base}/v1/runs/${run.runId}/trace`);
      assert.equal(trace.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
      assert.equal((await trace.text()).trim().split('\n').length, run.summary.count + 2, 'entries, the final checkpoint and the summary');
    } finally {
      await server.close();
    }
  });

  it('listening beyond loopback without tokens, the API is closed (health stays open)', async () => {
    const dir = scratch();
    const server = await startServer({ port: 0, hostname: '0.0.0.0', keyDir: join(dir, 'key'), boot: { cwd: dir, env: { FORGE_STORES_KIND: 'memory' } } });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const r = await fetch(`${base}/v1/runs`);
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as Json).error.code, 'UNAUTHORIZED');
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    } finally {
      await server.close();
    }
  });
});

/** `forge serve` in a child process; resolves to its base URL once it listens. */
async function serve(cwd: string, args: string[]): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', ...args], {
    cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORGE_STORES_DATA_DIR: join(cwd, 'data'), FORGE_KERNEL_KEY: '' },
  });
  let seen = '';
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      const m = /listening on (http:\/\/\S+?)\/? /.exec(seen);
      if (m) ok(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => { seen += d.toString(); });
    child.once('exit', (code) => fail(new Error(`forge serve exited early (${code}): ${seen}`)));
  });
  return {
    url, child,
    stop: () => new Promise<void>((ok) => {
      if (child.exitCode !== null) return ok();
      child.once('exit', () => ok());
      child.kill('SIGTERM');
    }),
  };
}

describe('quarantine across a restart', () => {
  it('a second server process over the same data directory refuses the quarantined identity', async () => {
    const dir = scratch();
    const s = await signer();
    writeFileSync(join(dir, 'root.json'), JSON.stringify(s.root));
    const pkg = b64(await proberPackage(s, 'test/restart-prober'));

    const first = await serve(dir, ['--trust', 'root.json']);
    let runId: string;
    let identity: string;
    try {
      const r = (await (await post(`${first.url}/v1/runs`, { package: pkg })).json()) as Json;
      assert.deepEqual([r.status, r.exitCode, r.trust.quarantined], ['quarantined', 125, true], JSON.stringify(r).slice(0, 400));
      runId = r.runId;
      identity = r.identity;
    } finally {
      await first.stop();
    }

    const second = await serve(dir, ['--trust', 'root.json']);
    try {
      const refused = await post(`${second.url}/v1/runs`, { package: pkg });
      const body = (await refused.json()) as Json;
      assert.deepEqual([refused.status, body.error.code], [423, 'QUARANTINED']);
      assert.match(body.error.message, new RegExp(identity.replace('/', '\\/')));
      const q = (await (await fetch(`${second.url}/v1/quarantine`)).json()) as Json;
      assert.ok(q.records.some((rec: Json) => rec.identity === identity && rec.quarantined && rec.by === 'kernel'));
      // the kernel key lives beside the stores: the first process's trace verifies under the second's pinned key
      const v = await fetch(`${second.url}/v1/runs/${runId}/verify`);
      const report = (await v.json()) as Json;
      assert.deepEqual([v.status, report.ok, report.keyPinned, report.summary.outcome.status], [200, true, true, 'quarantined']);
    } finally {
      await second.stop();
    }
  });
});
