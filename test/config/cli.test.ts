/** `forge config sign|show` as child processes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONFIG_PAYLOAD_TYPE } from '../../src/config/index.ts';
import { keyFileJson } from '../../src/crypto/keys.ts';
import { ERROR_CODES } from '../../src/errors.ts';
import { CONFIG_KEY, configKeyHex } from '../boot/fixtures.ts';

const MAIN = fileURLToPath(new URL('../../platform/node/main.ts', import.meta.url));
let dir: string;
const forge = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'forge-config-cli-'));
  writeFileSync(join(dir, 'key.json'), JSON.stringify(keyFileJson(CONFIG_KEY)));
  writeFileSync(join(dir, 'forge.json'), JSON.stringify({ kernelId: 'cli', limits: { fuel: 77 } }));
  writeFileSync(join(dir, 'secret.json'), JSON.stringify({ api: { tokens: [{ id: 'a', scopes: ['admin'], token: 'x' }] } }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('forge config', () => {
  it('sign writes a DSSE envelope that show verifies, with the same digest as the plain file', () => {
    const signed = forge(['config', 'sign', 'forge.json', '--key', 'key.json', '--out', 'forge.signed.json']);
    assert.equal(signed.status, 0, signed.stderr);
    assert.match(signed.stdout, new RegExp(`signed by ${CONFIG_KEY.keyId}`));
    assert.equal((JSON.parse(readFileSync(join(dir, 'forge.signed.json'), 'utf8')) as { payloadType: string }).payloadType, CONFIG_PAYLOAD_TYPE);
    const show = forge(['config', 'show', '--config', 'forge.signed.json', '--config-key', configKeyHex(), '--require-signed-config', '--json']);
    assert.equal(show.status, 0, show.stderr);
    const doc = JSON.parse(show.stdout) as { digest: string; provenance: { signature: string; signerKeyId: string }; config: { limits: { fuel: number } } };
    assert.equal(doc.provenance.signature, 'verified');
    assert.equal(doc.provenance.signerKeyId, CONFIG_KEY.keyId);
    assert.equal(doc.config.limits.fuel, 77);
    const plain = JSON.parse(forge(['config', 'show', '--config', 'forge.json', '--json']).stdout) as { digest: string };
    assert.equal(plain.digest, doc.digest);
  });

  it('show reports the environment\'s overrides; an unsigned file fails when a signature is required', () => {
    const show = forge(['config', 'show', '--config', 'forge.json'], { FORGE_TRACE_CHECKPOINT_INTERVAL: '64' });
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /environment overrides FORGE_TRACE_CHECKPOINT_INTERVAL/);
    assert.match(show.stdout, /"checkpointInterval": 64/);
    const refused = forge(['config', 'show', '--config', 'forge.json', '--require-signed-config']);
    assert.equal(refused.status, ERROR_CODES.CONFIG_UNSIGNED.exit);
    assert.match(refused.stderr, /error CONFIG_UNSIGNED: config file "forge\.json" is not signed/);
  });

  it('sign refuses a file that would not boot, and an already signed one', () => {
    const secret = forge(['config', 'sign', 'secret.json', '--key', 'key.json', '--out', 'x.json']);
    assert.equal(secret.status, ERROR_CODES.CONFIG_INVALID.exit);
    assert.match(secret.stderr, /"api\.tokens\[0\]\.token" looks like a secret/);
    forge(['config', 'sign', 'forge.json', '--key', 'key.json', '--out', 'again.json']);
    const twice = forge(['config', 'sign', 'again.json', '--key', 'key.json', '--out', 'y.json']);
    assert.notEqual(twice.status, 0);
    assert.match(twice.stderr, /already a signed envelope/);
  });
});
