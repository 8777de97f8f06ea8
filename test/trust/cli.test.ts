/** `forge policy check|explain` and `forge quarantine list|add|release`, run as a user would. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, keyFileJson, publicKeyJson } from '../../src/crypto/keys.ts';

const MAIN = fileURLToPath(new URL('../../platform/node/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'forge-policy-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function forge(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function file(name: string, json: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(json));
  return p;
}

const tenant = file('tenant.json', {
  version: 1, id: 'tenant:acme', layer: 'tenant',
  rules: [{ id: 'acme.no-secrets', effect: 'deny', actions: ['path_open'], resources: { paths: ['/data/secret/**'] } }],
  limits: [{ id: 'acme.opens', actions: ['path_open'], kind: 'opens', total: 100 }],
});
const platform = file('platform.json', {
  version: 1, id: 'platform', layer: 'platform',
  rules: [{ id: 'data', effect: 'allow', actions: ['path_open'], resources: { paths: ['/data/**'] }, conditions: { access: ['read'] } },
    { id: 'tool-only', effect: 'allow', actions: ['random_get'], subject: { packageName: 'tool' } }],
});

describe('forge policy', () => {
  it('check prints the compiled tables of a valid graph and exits 0', () => {
    const r = forge('policy', 'check', platform, tenant);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /policy OK: 2 layer\(s\), 3 rule\(s\), 1 limit\(s\)/);
    assert.match(r.out, /^path_open\s+fs\.read\s+allow data\s+deny acme\.no-secrets\s+limits: acme\.opens/m);
    assert.match(r.out, /^random_get\s+random\s+allow tool-only/m);
  });

  it('check --json prints the tables as JSON', () => {
    const r = forge('policy', 'check', 'baseline', '--json');
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { digest: string; tables: Array<{ syscall: string; layers: Array<{ allow: string[] }> }> };
    assert.match(doc.digest, /^[0-9a-f]{64}$/);
    assert.deepEqual(doc.tables.find((t) => t.syscall === 'clock_time_get')?.layers[0]?.allow, ['baseline.clock']);
  });

  it('check exits 126 on an invalid policy and names the field', () => {
    const bad = file('bad.json', { version: 1, id: 'p', layer: 'platform', rules: [{ id: 'a', effect: 'allow', actions: ['path_opn'] }] });
    const r = forge('policy', 'check', bad);
    assert.equal(r.code, 126);
    assert.match(r.err, /error unknown-action at layers\[0\]\.rules\[0\]\.actions\[0\]: .*did you mean "path_open"/);
    assert.match(r.err, /error POLICY_INVALID: layers\[0\]\.rules\[0\]\.actions\[0\]/);
    const typo = file('typo.json', { version: 1, id: 'p', layer: 'platform', rules: [{ id: 'a', effect: 'permit', actions: ['fd_write'] }] });
    const t = forge('policy', 'check', typo);
    assert.equal(t.code, 126);
    assert.match(t.err, /error POLICY_INVALID: .*typo\.json: policy field rules\[0\]\.effect: .*got "permit"/);
  });

  it('check exits 126 when a lower layer widens its parent', () => {
    const wide = file('wide.json', { version: 1, id: 'run', layer: 'run', rules: [{ id: 'etc', effect: 'allow', actions: ['path_open'], resources: { paths: ['/etc/**'] } }] });
    const r = forge('policy', 'check', platform, wide);
    assert.equal(r.code, 126);
    assert.match(r.err, /widens-parent/);
  });

  it('explain prints the decision, the rule ids and the reason', () => {
    const allowed = forge('policy', 'explain', platform, tenant, '--syscall', 'path_open', '--path', '/data/x', '--access', 'read', '--package', 'app');
    assert.equal(allowed.code, 0, allowed.err);
    assert.match(allowed.out, /^decision: allow$/m);
    assert.match(allowed.out, /^rules:\s+data$/m);
    assert.match(allowed.out, /^limits:\s+acme\.opens/m);
    const denied = forge('policy', 'explain', platform, tenant, '--syscall', 'path_open', '--path', '/data/secret/k', '--access', 'read', '--package', 'app');
    assert.match(denied.out, /^decision: deny$/m);
    assert.match(denied.out, /^rules:\s+acme\.no-secrets$/m);
    assert.match(denied.out, /reason:\s+path_open \/data\/secret\/k denied by rule "acme\.no-secrets" of layer "tenant:acme"; deny beats allow\./);
    const subject = forge('policy', 'explain', platform, '--syscall', 'random_get', '--package', 'tool', '--json');
    assert.equal((JSON.parse(subject.out) as { effect: string }).effect, 'allow');
    const other = forge('policy', 'explain', platform, '--syscall', 'random_get', '--package', 'app', '--json');
    assert.equal((JSON.parse(other.out) as { effect: string }).effect, 'deny');
  });

  it('explain refuses an unknown syscall with a usage error', () => {
    const r = forge('policy', 'explain', 'baseline', '--syscall', 'open');
    assert.equal(r.code, 2);
    assert.match(r.err, /error BAD_REQUEST: --syscall open/);
  });
});

describe('forge quarantine', () => {
  const data = join(dir, 'data');
  const admin = generateKeyPair();
  const adminKey = file('admin.key.json', keyFileJson(admin));
  const rogueKey = file('rogue.key.json', keyFileJson(generateKeyPair()));
  const id = 'acme/sha256:abcd';

  it('add, list, release with an admin key, and history', () => {
    assert.match(forge('quarantine', 'list', '--data-dir', data).out, /no quarantined identities/);
    const add = forge('quarantine', 'add', id, '--reason', 'probing /etc', '--data-dir', data);
    assert.equal(add.code, 0, add.err);
    assert.match(forge('quarantine', 'list', '--data-dir', data).out, /^quarantined\s+acme\/sha256:abcd\s+\S+\s+by cli: probing \/etc$/m);

    const noKeys = forge('quarantine', 'release', id, '--reason', 'ok', '--key', adminKey, '--data-dir', data);
    assert.equal(noKeys.code, 77);
    assert.match(noKeys.err, /error UNAUTHORIZED: no admin keys are configured/);

    file('data/admin-keys.json', [publicKeyJson(admin)]);
    const rogue = forge('quarantine', 'release', id, '--reason', 'ok', '--key', rogueKey, '--data-dir', data);
    assert.equal(rogue.code, 77);
    assert.match(rogue.err, /not one of this kernel's admin keys/);

    const ok = forge('quarantine', 'release', id, '--reason', 'reviewed', '--key', adminKey, '--data-dir', data);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, new RegExp(`^released\\s+${id.replace('/', '\\/')}.*by ${admin.keyId}: released: reviewed$`, 'm'));
    assert.match(forge('quarantine', 'list', '--data-dir', data).out, /no quarantined identities/);
    assert.match(forge('quarantine', 'list', '--all', '--data-dir', data).out, /^released/m);
    const h = JSON.parse(forge('quarantine', 'history', id, '--json', '--data-dir', data).out) as Array<{ quarantined: boolean }>;
    assert.deepEqual(h.map((r) => r.quarantined), [true, false]);
  });

  it('release with an offline signature over the printed statement', async () => {
    const { signRelease } = await import('../../src/trust/release.ts');
    const { toHex } = await import('../../src/lib/encoding.ts');
    forge('quarantine', 'add', 'acme/sha256:off', '--reason', 'r', '--data-dir', data);
    const st = JSON.parse(forge('quarantine', 'statement', 'acme/sha256:off', '--reason', 'offline ok', '--key-id', admin.keyId, '--at', String(Date.now()), '--data-dir', data).out);
    const sig = toHex(await signRelease(st.statement, admin.secretKey));
    const bad = forge('quarantine', 'release', 'acme/sha256:off', '--reason', 'changed', '--signature', sig, '--key-id', admin.keyId, '--at', String(st.statement.at), '--data-dir', data);
    assert.equal(bad.code, 77, bad.err);
    const ok = forge('quarantine', 'release', 'acme/sha256:off', '--reason', 'offline ok', '--signature', sig, '--key-id', admin.keyId, '--at', String(st.statement.at), '--data-dir', data);
    assert.equal(ok.code, 0, ok.err);
  });
});
