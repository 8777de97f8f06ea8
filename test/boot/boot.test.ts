import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootKernel, type BootOptions } from '../../src/boot.ts';
import { BOOT_STEPS } from '../../src/boot-report.ts';
import type { HostStores } from '../../src/ports/store-opener.ts';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import { SELF_TEST_NAMES } from '../../src/diagnostics/self-tests.ts';
import { KernelError, type ErrorCode } from '../../src/errors.ts';
import { createKernel } from '../../src/kernel.ts';
import { manualClock } from '../../src/ports/clock.ts';
import type { Platform } from '../../src/ports/platform.ts';
import { memoryStores } from '../../src/stores/memory.ts';
import { createNodePlatform } from '../../platform/node/index.ts';
import { configKeyHex, signedConfig, trustRootDoc } from './fixtures.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const platform = (over: Partial<Platform> = {}): Platform => ({ ...createNodePlatform(), clock: manualClock(NOW), ...over });
const boot = (o: Partial<BootOptions> = {}) => bootKernel({ platform: platform(), config: { env: {} }, ...o });

async function failsAt(o: Partial<BootOptions>, step: string, code: ErrorCode, message: RegExp): Promise<KernelError> {
  try {
    await boot(o);
  } catch (e) {
    assert.ok(e instanceof KernelError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.details['step'], step);
    assert.match(e.message, new RegExp(`^boot step "${step}" failed: `));
    assert.match(e.message, message);
    const report = e.details['report'] as { steps: Array<{ step: string; status: string }> };
    assert.deepEqual(report.steps.at(-1), { ...report.steps.at(-1), step, status: 'failed' }, 'the last step reported is the failed one');
    assert.ok(report.steps.slice(0, -1).every((s) => s.status === 'ok'));
    return e;
  }
  assert.fail(`expected the boot to fail at ${step} with ${code}`);
}

describe('boot: the sequence', () => {
  it('runs config → policies → trust roots → self-tests → stores → ready, and reports each step', async () => {
    const kernel = await boot({ trustRoots: [await trustRootDoc(NOW)] });
    assert.deepEqual(kernel.boot.steps.map((s) => s.step), [...BOOT_STEPS]);
    assert.ok(kernel.boot.steps.every((s) => s.status === 'ok' && s.ms >= 0 && s.detail.length > 0));
    assert.equal(kernel.boot.at, new Date(NOW).toISOString());
    assert.equal(kernel.boot.configDigest, kernel.configDigest);
    assert.deepEqual(kernel.boot.selfTests!.tests.map((t) => t.name), [...SELF_TEST_NAMES]);
    assert.equal(kernel.boot.selfTests!.status, 'pass');
    assert.equal(kernel.trustRoots.length, 1);
    assert.equal(kernel.boot.trustRoots[0]!.version, 1);
    assert.ok(Object.isFrozen(kernel.boot) && Object.isFrozen(kernel.config));
    // the booted kernel is a working kernel
    assert.equal(kernel.health().status, 'ok');
  });

  it('createKernel still works on its own, with no boot report', () => {
    const k = createKernel({ platform: platform() });
    assert.equal(k.boot, null);
    assert.match(k.configDigest, /^[0-9a-f]{64}$/);
  });

  it('inlines referenced policy and trust-root documents, so the digest covers their content', async () => {
    const root = JSON.stringify(await trustRootDoc(NOW));
    const policyA = { version: 1, id: 'acme', layer: 'tenant', rules: [{ id: 'out', effect: 'allow', actions: ['stdio'] }] };
    const policyB = { ...policyA, rules: [{ id: 'out', effect: 'allow', actions: ['clock'] }] };
    const file = { policy: { tenants: { acme: { ref: 'acme.json' } } }, trust: { roots: [{ ref: 'root.json' }] } };
    const docs = (p: unknown) => async (ref: string) => (ref === 'root.json' ? root : JSON.stringify(p));
    const a = await boot({ config: { file, env: {} }, resolveRef: docs(policyA) });
    const b = await boot({ config: { file, env: {} }, resolveRef: docs(policyB) });
    assert.notEqual(a.configDigest, b.configDigest, 'a change inside a referenced document changes the digest');
    assert.deepEqual(a.config.policy.tenants['acme'], { document: policyA });
    assert.equal(a.trustRoots.length, 1);
    assert.deepEqual(a.boot.policies.map((p) => p.layer), ['platform', 'tenant:acme']);
  });

  it('opens the stores through the host\'s opener, applies retention once, and closes them on close()', async () => {
    const stores = memoryStores(() => NOW - 10_000);
    for (const id of ['r1', 'r2', 'r3']) { await stores.traces.append(id, 0, ['{}']); await stores.traces.seal(id); }
    let closed = 0;
    const kernel = await boot({
      config: { file: { stores: { retention: { maxRuns: 1 } } }, env: {} },
      openStores: async (cfg): Promise<HostStores> => {
        assert.equal(cfg.kind, 'auto');
        return { stores, kind: 'test-db', schemaVersion: 3, persistent: true, close: () => { closed++; } };
      },
    });
    assert.deepEqual(kernel.boot.stores, { kind: 'test-db', schemaVersion: 3, persistent: true, traces: 1, pruned: 2 });
    assert.equal(kernel.platform.capabilities.persistentStorage, true);
    await kernel.close();
    assert.equal(closed, 1);
  });
});

describe('boot: every failure is a precise KernelError naming its step', () => {
  it('malformed JSON', async () => {
    await failsAt({ config: { file: '{"limits": ', fileName: 'forge.json' } }, 'config', 'CONFIG_MALFORMED', /config file "forge\.json" is not valid JSON/);
  });

  it('a schema violation names the field', async () => {
    const e = await failsAt({ config: { file: { trace: { checkpointInterval: -1 } } } }, 'config', 'CONFIG_INVALID', /config field "trace\.checkpointInterval"/);
    assert.equal(e.details['path'], 'trace.checkpointInterval');
  });

  it('an unsigned config when one is required', async () => {
    await failsAt({ config: { file: '{}' }, requireSignedConfig: true, configKeys: [configKeyHex()] }, 'config', 'CONFIG_UNSIGNED', /not signed/);
  });

  it('a badly signed config', async () => {
    const env = await signedConfig({ kernelId: 'a' });
    await failsAt({ config: { file: { ...env, payload: btoa('{"kernelId":"b"}') } }, configKeys: [configKeyHex()] }, 'config', 'CONFIG_SIGNATURE_INVALID', /verifies under a trusted/);
  });

  it('an unresolvable reference', async () => {
    await failsAt({ config: { file: { trust: { roots: [{ ref: 'nope.json' }] } } } }, 'config', 'CONFIG_INVALID', /"trust\.roots\[0\]": this host cannot resolve references/);
    await failsAt({ config: { file: { trust: { roots: [{ ref: 'nope.json' }] } } }, resolveRef: async () => { throw new Error('ENOENT'); } }, 'config', 'CONFIG_INVALID', /cannot read "nope\.json": ENOENT/);
  });

  it('an invalid policy layer', async () => {
    const doc = { version: 1, id: 'p', layer: 'platform', rules: [{ id: 'r', effect: 'allow', actions: ['fd_wirte'] }] };
    await failsAt({ config: { file: { policy: { platform: { document: doc } } } } }, 'policies', 'POLICY_INVALID', /"policy\.platform": .*fd_wirte/);
    await failsAt({ config: { file: { policy: { tenants: { t: { document: { ...doc, rules: [] } } } } } } }, 'policies', 'POLICY_INVALID', /is a "platform" layer; this place takes a "tenant" layer/);
  });

  it('an expired trust root: TRUST_ROOT_EXPIRED', async () => {
    const e = await failsAt({ trustRoots: [await trustRootDoc(NOW, -60_000)] }, 'trust-roots', 'TRUST_ROOT_EXPIRED', /trustRoots\[0\] \(boot option\): trust root v1 expired at/);
    assert.equal(e.details['source'], 'trustRoots[0] (boot option)');
  });

  it('a trust root that is not valid', async () => {
    await failsAt({ trustRoots: ['{"signed": {}, "signatures": []}'] }, 'trust-roots', 'TRUST_ROOT_INVALID', /trust root field signed\._type/);
    await failsAt({ trustRoots: ['not json'] }, 'trust-roots', 'TRUST_ROOT_INVALID', /not JSON/);
  });

  for (const name of SELF_TEST_NAMES) {
    it(`a corrupted self-test vector (${name}): BOOT_SELF_TEST_FAILED`, async () => {
      const e = await failsAt({ corruptSelfTests: [name] }, 'self-tests', 'BOOT_SELF_TEST_FAILED', new RegExp(`self-test ${name} failed`));
      assert.deepEqual(e.details['failed'], [name]);
    });
  }

  it('a wrong SHA-256 in the platform\'s crypto is caught by the self-tests', async () => {
    const sha256 = (d: Uint8Array) => { const h = nobleCrypto.sha256(d); h[31]! ^= 1; return h; };
    await assert.rejects(bootKernel({ platform: platform({ crypto: { sha256 } }), config: { env: {} } }), (e: unknown) => e instanceof KernelError && e.code === 'BOOT_SELF_TEST_FAILED' && /sha256-nist/.test(e.message));
  });

  it('a verifier that accepts anything is caught by the self-tests', async () => {
    await assert.rejects(bootKernel({ platform: platform({ crypto: { verifyEd25519: async () => true } }), config: { env: {} } }),
      (e: unknown) => e instanceof KernelError && e.code === 'BOOT_SELF_TEST_FAILED' && /ed25519-rfc8032 failed: .*changed message/.test(e.message));
  });

  it('an unknown self-test name to corrupt is refused', async () => {
    await failsAt({ corruptSelfTests: ['md5'] }, 'self-tests', 'BAD_REQUEST', /no self-test named "md5"/);
  });

  it('stores from a newer schema: STORE_SCHEMA, and nothing is left open', async () => {
    await failsAt({ openStores: async () => { throw new KernelError('STORE_SCHEMA', 'the database has schema version 9 but this build knows only up to 1'); } },
      'stores', 'STORE_SCHEMA', /schema version 9/);
  });

  it('stores that do not answer: STORE_UNAVAILABLE, and the opened stores are closed', async () => {
    let closed = 0;
    const broken = memoryStores();
    const stores = { ...broken, traces: { ...broken.traces, list: async () => { throw new Error('disk I/O error'); } } };
    await failsAt({ openStores: async () => ({ stores, kind: 'broken', schemaVersion: 1, persistent: true, close: () => { closed++; } }) },
      'stores', 'STORE_UNAVAILABLE', /the broken stores do not answer: disk I\/O error/);
    assert.equal(closed, 1);
  });

  it('a store kind the host does not have', async () => {
    await failsAt({ config: { file: { stores: { kind: 'indexeddb' } } } }, 'stores', 'CONFIG_INVALID', /"stores\.kind": "indexeddb" is not available in this host/);
  });
});

describe('the kernel key is a typed boot option', () => {
  const seed = (b: number) => new Uint8Array(32).fill(b);
  it('BootOptions.signingKey is the key the kernel signs with', async () => {
    const k = await boot({ signingKey: seed(7) });
    assert.deepEqual(k.signingKey, seed(7));
    await k.close();
  });
  it('FORGE_KERNEL_KEY in the environment wins over the option', async () => {
    const k = await boot({ signingKey: seed(7), config: { env: { FORGE_KERNEL_KEY: '09'.repeat(32) } } });
    assert.deepEqual(k.signingKey, seed(9));
    await k.close();
  });
  it('without either, each kernel signs with a fresh key of its own', async () => {
    const [a, b] = [await boot(), await boot()];
    assert.equal(a.signingKey.length, 32);
    assert.notDeepEqual(a.signingKey, b.signingKey);
    await Promise.all([a.close(), b.close()]);
  });
  it('a key that is not a 32-byte seed fails the boot KEY_INVALID at the step that first needs it', async () => {
    await failsAt({ signingKey: new Uint8Array(31) }, 'stored-traces', 'KEY_INVALID', /32 bytes, got 31/);
  });
});
