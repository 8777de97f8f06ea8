/**
 * `forge doctor` and `forge serve` as child processes: each boot failure gives a non-zero exit and
 * a message naming its cause; a good boot gives the same document from `doctor --json` and from
 * `GET /health`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { healthDocumentSchema } from '../../src/diagnostics/health.ts';
import { SELF_TEST_NAMES } from '../../src/diagnostics/self-tests.ts';
import { ERROR_CODES } from '../../src/errors.ts';
import { configKeyHex, signedConfig, trustRootDoc } from './fixtures.ts';

const MAIN = fileURLToPath(new URL('../../platform/node/main.ts', import.meta.url));
let dir: string;
// a clean environment: no FORGE_* of the caller's leaks in
const ENV = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' };

function forge(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, env: { ...ENV, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'forge-boot-cli-'));
  const now = Date.now();
  writeFileSync(join(dir, 'malformed.json'), '{ "limits": { "fuel": 10, } }');
  writeFileSync(join(dir, 'violation.json'), JSON.stringify({ limits: { memoryBytes: 'a lot' } }));
  writeFileSync(join(dir, 'plain.json'), JSON.stringify({ kernelId: 'plain', stores: { dataDir: 'data' } }));
  writeFileSync(join(dir, 'signed.json'), JSON.stringify(await signedConfig({ kernelId: 'signed', stores: { dataDir: 'data' } })));
  writeFileSync(join(dir, 'expired-root.json'), JSON.stringify(await trustRootDoc(now, -60_000)));
  writeFileSync(join(dir, 'root.json'), JSON.stringify(await trustRootDoc(now)));
  writeFileSync(join(dir, 'with-expired-root.json'), JSON.stringify({ trust: { roots: [{ ref: 'expired-root.json' }] }, stores: { dataDir: 'data' } }));
  writeFileSync(join(dir, 'good.json'), JSON.stringify({ kernelId: 'doctor-test', trust: { roots: [{ ref: 'root.json' }] }, stores: { dataDir: 'data' } }));
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf', 'root.json'), JSON.stringify(await trustRootDoc(now)));
  writeFileSync(join(dir, 'conf', 'forge.json'), JSON.stringify({ kernelId: 'from-env', trust: { roots: [{ ref: 'root.json' }] }, stores: { kind: 'memory' } }));
});

after(() => rmSync(dir, { recursive: true, force: true }));

const FAILURES: Array<{ what: string; args: string[]; env?: Record<string, string>; code: keyof typeof ERROR_CODES; cause: RegExp }> = [
  { what: 'malformed JSON', args: ['--config', 'malformed.json'], code: 'CONFIG_MALFORMED', cause: /config file "malformed\.json" is not valid JSON/ },
  { what: 'a schema violation', args: ['--config', 'violation.json'], code: 'CONFIG_INVALID', cause: /config field "limits\.memoryBytes"/ },
  { what: 'an unsigned config when one is required', args: ['--config', 'plain.json', '--require-signed-config', '--config-key', configKeyHex()], code: 'CONFIG_UNSIGNED', cause: /config file "plain\.json" is not signed/ },
  { what: 'an unsigned config, required through the environment', args: ['--config', 'plain.json'], env: { FORGE_REQUIRE_SIGNED_CONFIG: '1', FORGE_CONFIG_KEYS: configKeyHex() }, code: 'CONFIG_UNSIGNED', cause: /is not signed/ },
  { what: 'an expired trust root', args: ['--config', 'with-expired-root.json'], code: 'TRUST_ROOT_EXPIRED', cause: /config trust\.roots\[0\]: trust root v1 expired at/ },
  { what: 'a corrupted self-test vector', args: ['--config', 'plain.json', '--corrupt-self-test', 'sha256-nist'], code: 'BOOT_SELF_TEST_FAILED', cause: /self-test sha256-nist failed: SHA-256 of the NIST "empty" message/ },
];

for (const command of ['doctor', 'serve'] as const) {
  describe(`forge ${command}: a failed boot exits non-zero and names the cause`, () => {
    for (const f of FAILURES) {
      it(f.what, () => {
        const extra = command === 'serve' ? ['--port', '0'] : [];
        const r = forge([command, ...f.args, ...extra], f.env);
        assert.equal(r.status, ERROR_CODES[f.code].exit, `exit status (stderr: ${r.stderr})`);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, new RegExp(`^error ${f.code}: boot step "[a-z-]+" failed: `, 'm'));
        assert.match(r.stderr, f.cause);
        if (command === 'serve') assert.doesNotMatch(r.stdout, /listening/, 'nothing listens after a failed boot');
      });
    }
  });
}

describe('forge doctor: reports', () => {
  it('prints every boot step and self-test, and exits 0 when all pass', () => {
    const r = forge(['doctor', '--config', 'good.json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^forge doctor: ok {2}kernel doctor-test on node/);
    for (const step of ['config', 'policies', 'trust-roots', 'self-tests', 'stores', 'ready']) assert.match(r.stdout, new RegExp(`✓ ${step}`));
    for (const name of SELF_TEST_NAMES) assert.match(r.stdout, new RegExp(`✓ ${name} +[0-9.]+ ms {2}pass`));
    assert.match(r.stdout, /sqlite schema v\d+/);
  });

  it('--json prints the health document, also for a failed boot', () => {
    const ok = healthDocumentSchema.parse(JSON.parse(forge(['doctor', '--config', 'good.json', '--json']).stdout));
    assert.equal(ok.status, 'ok');
    assert.equal(ok.error, null);
    const failed = forge(['doctor', '--config', 'plain.json', '--json', '--corrupt-self-test', 'ed25519-rfc8032']);
    assert.equal(failed.status, ERROR_CODES.BOOT_SELF_TEST_FAILED.exit);
    const doc = healthDocumentSchema.parse(JSON.parse(failed.stdout));
    assert.equal(doc.status, 'failing');
    assert.equal(doc.error?.code, 'BOOT_SELF_TEST_FAILED');
    assert.deepEqual(doc.selfTests?.tests.map((t) => [t.name, t.status]), SELF_TEST_NAMES.map((n) => [n, n === 'ed25519-rfc8032' ? 'fail' : 'pass']));
  });

  it('finds the file through FORGE_CONFIG, resolves references beside it, adds --trust roots and applies FORGE_* settings', () => {
    const r = forge(['doctor', '--json', '--trust', 'root.json'], { FORGE_CONFIG: 'conf/forge.json', FORGE_LIMITS_FUEL: '12345' });
    assert.equal(r.status, 0, r.stderr);
    const doc = healthDocumentSchema.parse(JSON.parse(r.stdout));
    assert.equal(doc.kernelId, 'from-env');
    assert.equal(doc.boot?.trustRoots.length, 2, 'one from --trust, one referenced by the config');
    assert.deepEqual(doc.boot?.config?.envOverrides, ['FORGE_LIMITS_FUEL']);
    assert.equal(doc.boot?.stores?.kind, 'memory');
    const bad = forge(['doctor'], { FORGE_CONFIG: 'conf/forge.json', FORGE_LIMIT_FUEL: '1' });
    assert.equal(bad.status, ERROR_CODES.CONFIG_INVALID.exit);
    assert.match(bad.stderr, /environment variable FORGE_LIMIT_FUEL is not a ForgeOne setting/);
    const missing = forge(['doctor', '--config', 'nope.json']);
    assert.equal(missing.status, ERROR_CODES.CONFIG_INVALID.exit);
    assert.match(missing.stderr, /config file "nope\.json" cannot be read: no such file/);
  });

  it('accepts a signed config with its key', () => {
    const r = forge(['doctor', '--config', 'signed.json', '--require-signed-config', '--config-key', configKeyHex(), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = healthDocumentSchema.parse(JSON.parse(r.stdout));
    assert.equal(doc.boot?.config?.signature, 'verified');
    assert.equal(doc.kernelId, 'signed');
  });
});

describe('forge serve: boots through bootKernel and answers /health like forge doctor --json', () => {
  it('the two documents have the same structure', async () => {
    const doctor = healthDocumentSchema.parse(JSON.parse(forge(['doctor', '--config', 'good.json', '--json']).stdout));
    const child = spawn(process.execPath, [MAIN, 'serve', '--config', 'good.json', '--port', '0'], { cwd: dir, env: ENV });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /listening on (http:\/\/[^/]+\/)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const res = await fetch(`${url}health`);
      assert.equal(res.status, 200);
      const served = healthDocumentSchema.parse(await res.json());
      assert.deepEqual(shape(served), shape(doctor));
      assert.equal(served.configDigest, doctor.configDigest, 'the same config gives the same digest in both');
      assert.deepEqual(served.selfTests?.tests.map((t) => t.name), doctor.selfTests?.tests.map((t) => t.name));
      assert.deepEqual(served.boot?.steps.map((s) => s.step), doctor.boot?.steps.map((s) => s.step));
      assert.equal((await fetch(`${url}healthz`)).status, 200, 'the liveness probe stays');
    } finally {
      child.kill('SIGTERM');
    }
  });
});

/** The keys of a JSON value, recursively (arrays by their first element): its structure. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])]));
  return typeof v;
}
