import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('the main command starts the server and GET /healthz answers 200 with JSON', async () => {
  const child = spawn(process.execPath, ['platform/node/main.ts', 'serve', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        const m = /listening on (http:\/\/\S+?)\/? /.exec(seen);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${seen}`)));
    });
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as { status: string; platform: string };
    assert.equal(body.status, 'ok');
    assert.equal(body.platform, 'node');
    const missing = await fetch(`${url}/no-such-route`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  } finally {
    child.kill('SIGTERM');
  }
});

test('forge started by an older Node re-runs itself on the project Node', () => {
  // /usr/bin/node or whatever `node` the system has; on this machine kind it is Node 20.
  const systemNode = spawnSync('bash', ['-lc', 'PATH=/usr/local/bin:/usr/bin:/bin command -v node'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(systemNode, 'a system node exists');
  const r = spawnSync(systemNode, ['bin/forge.mjs', '--version'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '0.1.0');
});

test('an unknown command is a usage error with exit 2', () => {
  const r = spawnSync(process.execPath, ['platform/node/main.ts', 'no-such-command'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command/);
});
