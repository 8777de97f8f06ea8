import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiTokenEnvName, configDigest, loadConfig, resolveConfig, type ConfigSources } from '../../src/config/index.ts';
import { toHex, utf8 } from '../../src/lib/encoding.ts';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import { KernelError, type ErrorCode } from '../../src/errors.ts';

const load = (sources: ConfigSources) => loadConfig(sources, {}, nobleCrypto);

async function rejects(sources: ConfigSources, code: ErrorCode, message: RegExp): Promise<KernelError> {
  try {
    await load(sources);
  } catch (e) {
    assert.ok(e instanceof KernelError, `expected a KernelError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${code}, but the config loaded`);
}

describe('config: sources and merge order', () => {
  it('defaults alone make a complete, frozen config', async () => {
    const { config, provenance } = await load({});
    assert.equal(config.limits.fuel, 10_000_000_000);
    assert.equal(config.trace.checkpointInterval, 1024);
    assert.equal(config.stores.kind, 'auto');
    assert.deepEqual(config.policy.platform, { builtin: 'baseline' });
    assert.equal(config.api.requireAuth, true);
    assert.equal(provenance.signature, 'unsigned');
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.limits) && Object.isFrozen(config.api.tokens));
    assert.throws(() => { (config.limits as { fuel: number }).fuel = 1; }, TypeError);
  });

  it('the file overrides defaults, the environment overrides the file', async () => {
    const file = JSON.stringify({ limits: { fuel: 1000, timeoutMs: 50 }, stores: { dataDir: '/var/forge' } });
    const { config, provenance } = await load({ file, env: { FORGE_LIMITS_FUEL: '2_000', FORGE_STORES_KIND: 'memory', HOME: '/root' } });
    assert.equal(config.limits.fuel, 2000, 'env beats file');
    assert.equal(config.limits.timeoutMs, 50, 'file beats default');
    assert.equal(config.limits.memoryBytes, 256 * 1024 * 1024, 'default where neither sets it');
    assert.equal(config.stores.dataDir, '/var/forge');
    assert.equal(config.stores.kind, 'memory');
    assert.deepEqual(provenance.envOverrides, ['FORGE_LIMITS_FUEL', 'FORGE_STORES_KIND']);
  });

  it('a list from the environment replaces the file\'s list; a policy name becomes a built-in, anything else a reference', async () => {
    const file = { trust: { roots: [{ ref: 'a.json' }, { ref: 'b.json' }] } };
    const { config } = await load({ file, env: { FORGE_TRUST_ROOTS: 'c.json, d.json', FORGE_POLICY_PLATFORM: 'strict' } });
    assert.deepEqual(config.trust.roots, [{ ref: 'c.json' }, { ref: 'd.json' }]);
    assert.deepEqual(config.policy.platform, { builtin: 'strict' });
    const other = await load({ env: { FORGE_POLICY_PLATFORM: 'policies/platform.json' } });
    assert.deepEqual(other.config.policy.platform, { ref: 'policies/platform.json' });
  });

  it('ignores a Worker\'s bindings in the environment (objects, not settings)', async () => {
    const env = { FORGE_KV: {} as unknown as string, FORGE_STATE: { get() {} } as unknown as string, FORGE_LIMITS_FUEL: '5' };
    const { config, provenance } = await load({ env });
    assert.equal(config.limits.fuel, 5);
    assert.deepEqual(provenance.envOverrides, ['FORGE_LIMITS_FUEL']);
  });

  it('takes the file as text, bytes or a parsed value alike', async () => {
    const value = { kernelId: 'k1', limits: { fuel: 5 } };
    const digests = await Promise.all([JSON.stringify(value), utf8.encode(JSON.stringify(value)), value].map(async (file) => (await load({ file })).digest));
    assert.equal(new Set(digests).size, 1);
  });
});

describe('config: digest', () => {
  it('does not depend on key order or formatting, and changes with any value', async () => {
    const a = await load({ file: '{"kernelId":"k","limits":{"fuel":5,"timeoutMs":9}}' });
    const b = await load({ file: '{\n  "limits": { "timeoutMs": 9, "fuel": 5 },\n  "kernelId": "k"\n}' });
    const c = await load({ file: '{"kernelId":"k","limits":{"fuel":6,"timeoutMs":9}}' });
    assert.equal(a.digest, b.digest);
    assert.notEqual(a.digest, c.digest);
    assert.match(a.digest, /^[0-9a-f]{64}$/);
    assert.equal(configDigest(a.config), a.digest);
  });

  it('is the SHA-256 of the canonical JSON (sorted keys, no whitespace)', () => {
    const value = { b: [1, { d: 0.5, c: 'x' }], a: true };
    const expected = toHex(nobleCrypto.sha256(utf8.encode('{"a":true,"b":[1,{"c":"x","d":0.5}]}')));
    assert.equal(configDigest(value), expected);
  });
});

describe('config: refusals name the cause', () => {
  it('malformed JSON is CONFIG_MALFORMED naming the file', async () => {
    await rejects({ file: '{"limits": {"fuel": 1,}', fileName: 'forge.json' }, 'CONFIG_MALFORMED', /config file "forge\.json" is not valid JSON/);
  });

  it('a schema violation names the bad field\'s path', async () => {
    const e = await rejects({ file: { limits: { fuel: 'lots' } } }, 'CONFIG_INVALID', /config field "limits\.fuel": .*expected number/);
    assert.equal(e.details['path'], 'limits.fuel');
    await rejects({ file: { api: { tokens: [{ id: 'ci', scopes: ['runs:fly'], sha256: 'a'.repeat(64) }] } } }, 'CONFIG_INVALID', /config field "api\.tokens\[0\]\.scopes\[0\]"/);
    await rejects({ file: { stores: { retention: { maxRuns: -1 } } } }, 'CONFIG_INVALID', /config field "stores\.retention\.maxRuns"/);
  });

  it('an unknown field (a typo) is refused at its own path', async () => {
    await rejects({ file: { limits: { fule: 1 } } }, 'CONFIG_INVALID', /config field "limits\.fule": is not a configuration field/);
    await rejects({ file: { requireSignedConfig: false } }, 'CONFIG_INVALID', /config field "requireSignedConfig": is not a configuration field/);
  });

  it('a file that is not an object is refused', async () => {
    await rejects({ file: '[1, 2]' }, 'CONFIG_INVALID', /must hold a JSON object/);
  });

  it('a policy source must name exactly one of builtin, ref, document', async () => {
    await rejects({ file: { policy: { platform: { builtin: 'baseline', ref: 'x.json' } } } }, 'CONFIG_INVALID', /config field "policy\.platform": give exactly one/);
    await rejects({ file: { policy: { platform: {} } } }, 'CONFIG_INVALID', /give exactly one/);
  });

  it('an environment value of the wrong type names the variable', async () => {
    await rejects({ env: { FORGE_LIMITS_FUEL: 'lots' } }, 'CONFIG_INVALID', /environment variable FORGE_LIMITS_FUEL: expected an integer/);
    await rejects({ env: { FORGE_API_REQUIRE_AUTH: 'maybe' } }, 'CONFIG_INVALID', /FORGE_API_REQUIRE_AUTH: expected true or false/);
    await rejects({ env: { FORGE_LIMITS_FUEL: '0' } }, 'CONFIG_INVALID', /config field "limits\.fuel" \(set by FORGE_LIMITS_FUEL\)/);
  });

  it('a misspelt FORGE_ variable is an error, not a no-op', async () => {
    await rejects({ env: { FORGE_LIMIT_FUEL: '5' } }, 'CONFIG_INVALID', /FORGE_LIMIT_FUEL is not a ForgeOne setting/);
  });
});

describe('config: secrets never come from a file', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['a raw API token', { api: { tokens: [{ id: 'ci', scopes: ['admin'], token: 'hunter2hunter2hunter2' }] } }, /"api\.tokens\[0\]\.token" looks like a secret/],
    ['an apiKey anywhere', { policy: { platform: { document: { apiKey: 'x' } } } }, /"policy\.platform\.document\.apiKey" looks like a secret/],
    ['a private key field', { trust: { roots: [{ document: { signed: { private_key: 'x' } } }] } }, /"trust\.roots\[0\]\.document\.signed\.private_key"/],
    ['a password', { password: 'x' }, /"password" looks like a secret/],
    ['a PEM private key as a value', { kernelId: '-----BEGIN PRIVATE KEY-----\nMC4C\n-----END PRIVATE KEY-----' }, /"kernelId" holds a PEM private key/],
  ];
  for (const [what, file, message] of cases) {
    it(`refuses ${what}, saying where secrets belong`, async () => {
      const e = await rejects({ file }, 'CONFIG_INVALID', message);
      assert.match(e.message, /FORGE_API_TOKEN_<ID>/);
    });
  }

  it('token hashes and public keys are not secrets', async () => {
    const { config } = await load({ file: { api: { tokens: [{ id: 'ci', scopes: ['admin'], sha256: 'ab'.repeat(32) }] } } });
    assert.equal(config.api.tokens[0]!.sha256, 'ab'.repeat(32));
  });

  it('a raw token from FORGE_API_TOKEN_<ID> is stored only as its SHA-256', async () => {
    const token = 'correct-horse-battery-staple';
    const { config } = await load({ file: { api: { tokens: [{ id: 'ci-bot', scopes: ['runs:execute'] }] } }, env: { [apiTokenEnvName('ci-bot')]: token } });
    assert.equal(apiTokenEnvName('ci-bot'), 'FORGE_API_TOKEN_CI_BOT');
    assert.equal(config.api.tokens[0]!.sha256, toHex(nobleCrypto.sha256(utf8.encode(token))));
    assert.ok(!JSON.stringify(config).includes(token));
  });

  it('refuses a token without a hash, a token env for an undeclared id, and a short token', async () => {
    await rejects({ file: { api: { tokens: [{ id: 'ci', scopes: ['admin'] }] } } }, 'CONFIG_INVALID', /"api\.tokens\[0\]\.sha256": token "ci" has no hash — set FORGE_API_TOKEN_CI/);
    await rejects({ env: { FORGE_API_TOKEN_GHOST: 'x'.repeat(20) } }, 'CONFIG_INVALID', /FORGE_API_TOKEN_GHOST names no token declared/);
    await rejects({ file: { api: { tokens: [{ id: 'ci', scopes: ['admin'] }] } }, env: { FORGE_API_TOKEN_CI: 'short' } }, 'CONFIG_INVALID', /at least 16 characters/);
  });

  it('the kernel key comes from FORGE_KERNEL_KEY, outside the config and its digest', async () => {
    const plain = await load({});
    const keyed = await load({ env: { FORGE_KERNEL_KEY: '11'.repeat(32) } });
    assert.deepEqual(keyed.secrets.kernelKey, new Uint8Array(32).fill(0x11));
    assert.equal(keyed.digest, plain.digest);
    await rejects({ env: { FORGE_KERNEL_KEY: 'xyz' } }, 'CONFIG_INVALID', /FORGE_KERNEL_KEY: expected 64 hex digits/);
    // set but empty (FORGE_KERNEL_KEY= in a shell or a compose file) is unset: the key file's key is used
    for (const empty of ['', '  ']) assert.equal((await load({ env: { FORGE_KERNEL_KEY: empty } })).secrets.kernelKey, undefined);
  });
});

describe('config: resolveConfig (the programmatic path createKernel takes)', () => {
  it('validates and freezes a plain value', () => {
    const c = resolveConfig({ limits: { fuel: 7 } });
    assert.equal(c.limits.fuel, 7);
    assert.ok(Object.isFrozen(c.limits));
    assert.throws(() => resolveConfig({ trace: { checkpointInterval: 0 } }), (e: unknown) => e instanceof KernelError && e.code === 'CONFIG_INVALID' && /trace\.checkpointInterval/.test(e.message));
  });
});
