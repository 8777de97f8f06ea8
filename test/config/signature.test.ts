import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_PAYLOAD_TYPE, loadConfig, type ConfigSources, type ConfigTrust } from '../../src/config/index.ts';
import { fromBase64, toBase64, utf8 } from '../../src/lib/encoding.ts';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import { KernelError, type ErrorCode } from '../../src/errors.ts';
import { CONFIG_KEY, OTHER_KEY, configKeyHex, signedConfig } from '../boot/fixtures.ts';

const CONFIG = { kernelId: 'signed-kernel', limits: { fuel: 1234 } };

async function rejects(sources: ConfigSources, trust: ConfigTrust, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(loadConfig(sources, trust, nobleCrypto), (e: unknown) => {
    assert.ok(e instanceof KernelError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

describe('config: signed configs (DSSE envelopes)', () => {
  it('a config signed by a trusted key loads, and says who signed it', async () => {
    const envelope = await signedConfig(CONFIG);
    assert.equal(envelope.payloadType, CONFIG_PAYLOAD_TYPE);
    const loaded = await loadConfig({ file: JSON.stringify(envelope) }, { requireSigned: true, keys: [configKeyHex()] }, nobleCrypto);
    assert.equal(loaded.config.kernelId, 'signed-kernel');
    assert.equal(loaded.config.limits.fuel, 1234);
    assert.equal(loaded.provenance.signature, 'verified');
    assert.equal(loaded.provenance.signerKeyId, CONFIG_KEY.keyId);
  });

  it('the signed config has the digest of the same config unsigned', async () => {
    const signed = await loadConfig({ file: await signedConfig(CONFIG) }, { keys: [configKeyHex()] }, nobleCrypto);
    const plain = await loadConfig({ file: CONFIG }, {}, nobleCrypto);
    assert.equal(signed.digest, plain.digest);
  });

  it('keys also come from FORGE_CONFIG_KEYS, and requireSigned from FORGE_REQUIRE_SIGNED_CONFIG', async () => {
    const env = { FORGE_CONFIG_KEYS: `${configKeyHex(OTHER_KEY)}, ${configKeyHex()}`, FORGE_REQUIRE_SIGNED_CONFIG: '1' };
    const loaded = await loadConfig({ file: await signedConfig(CONFIG), env }, {}, nobleCrypto);
    assert.equal(loaded.provenance.signature, 'verified');
    assert.equal(loaded.provenance.requireSigned, true);
  });

  it('an unsigned config is refused when a signature is required: CONFIG_UNSIGNED', async () => {
    await rejects({ file: JSON.stringify(CONFIG), fileName: 'forge.json' }, { requireSigned: true, keys: [configKeyHex()] }, 'CONFIG_UNSIGNED', /config file "forge\.json" is not signed, and requireSignedConfig is set/);
    await rejects({ file: CONFIG, env: { FORGE_REQUIRE_SIGNED_CONFIG: 'true' } }, {}, 'CONFIG_UNSIGNED', /not signed/);
    await rejects({}, { requireSigned: true }, 'CONFIG_UNSIGNED', /no config file was given/);
  });

  it('the file cannot turn the requirement off, nor can the boot option when the environment sets it', async () => {
    await rejects({ file: { ...CONFIG, requireSignedConfig: false }, env: { FORGE_REQUIRE_SIGNED_CONFIG: '1' } }, { requireSigned: false }, 'CONFIG_UNSIGNED', /not signed/);
  });

  it('a changed payload is CONFIG_SIGNATURE_INVALID, required or not', async () => {
    const envelope = await signedConfig(CONFIG);
    const payload = JSON.parse(utf8.decode(fromBase64(envelope.payload)!)) as typeof CONFIG;
    payload.limits.fuel = 99_999_999;
    const tampered = { ...envelope, payload: toBase64(utf8.encode(JSON.stringify(payload))) };
    await rejects({ file: tampered }, { keys: [configKeyHex()] }, 'CONFIG_SIGNATURE_INVALID', /none of the config's 1 signature\(s\) verifies/);
    await rejects({ file: tampered }, { requireSigned: true, keys: [configKeyHex()] }, 'CONFIG_SIGNATURE_INVALID', /altered, or signed by another key/);
  });

  it('a signature by an untrusted key is CONFIG_SIGNATURE_INVALID', async () => {
    await rejects({ file: await signedConfig(CONFIG, OTHER_KEY) }, { requireSigned: true, keys: [configKeyHex()] }, 'CONFIG_SIGNATURE_INVALID', /verifies under a trusted config-signing key/);
  });

  it('a required signature with no trusted key is refused', async () => {
    await rejects({ file: await signedConfig(CONFIG) }, { requireSigned: true }, 'CONFIG_SIGNATURE_INVALID', /no config-signing key is trusted/);
  });

  it('a malformed envelope or a bad key is refused with its cause', async () => {
    await rejects({ file: { payloadType: CONFIG_PAYLOAD_TYPE, payload: 'x', signatures: [] } }, { keys: [configKeyHex()] }, 'CONFIG_SIGNATURE_INVALID', /malformed at "signatures"/);
    await rejects({ file: { payloadType: 'text/plain', payload: 'e30=', signatures: [{ sig: 'AA==' }] } }, { keys: [configKeyHex()] }, 'CONFIG_SIGNATURE_INVALID', /malformed at "payloadType"/);
    await rejects({ file: await signedConfig(CONFIG) }, { keys: ['not-a-key'] }, 'CONFIG_SIGNATURE_INVALID', /configKeys: not a config-signing key/);
  });

  it('with a signature required, FORGE_* settings may not override the signed file; secrets still may', async () => {
    const file = await signedConfig({ api: { tokens: [{ id: 'ci', scopes: ['admin'] }] } });
    await rejects({ file, env: { FORGE_LIMITS_FUEL: '1' } }, { requireSigned: true, keys: [configKeyHex()] }, 'CONFIG_INVALID', /FORGE_LIMITS_FUEL would override the signed config/);
    const loaded = await loadConfig({ file, env: { FORGE_API_TOKEN_CI: 'a-long-enough-token-value' } }, { requireSigned: true, keys: [configKeyHex()] }, nobleCrypto);
    assert.match(loaded.config.api.tokens[0]!.sha256!, /^[0-9a-f]{64}$/);
  });

  it('a signed config with no key to check it (and none required) loads as "unchecked"', async () => {
    const loaded = await loadConfig({ file: await signedConfig(CONFIG) }, {}, nobleCrypto);
    assert.equal(loaded.provenance.signature, 'unchecked');
    assert.equal(loaded.config.limits.fuel, 1234);
  });

  it('a secret inside a signed payload is still refused', async () => {
    await rejects({ file: await signedConfig({ password: 'x' }) }, { keys: [configKeyHex()] }, 'CONFIG_INVALID', /"password" looks like a secret/);
  });
});
