/**
 * Boot in every host: the same sequence, the same health document through the hono app, the same
 * config digest, and the same refusals.
 */
import { bootKernel, type BootOptions } from '../../src/boot.ts';
import { BOOT_STEPS } from '../../src/boot-report.ts';
import { configDigest } from '../../src/config/index.ts';
import { healthDocumentSchema, type HealthDocument } from '../../src/diagnostics/health.ts';
import { SELF_TEST_NAMES } from '../../src/diagnostics/self-tests.ts';
import { createApp } from '../../src/http/app.ts';
import { createKernel } from '../../src/kernel.ts';
import { configKeyHex, signedConfig, trustRootDoc } from '../boot/fixtures.ts';
import { assert, assertEqual, assertRejects, type ConformanceCase, type ConformanceEnv } from './harness.ts';

/** A config whose digest every host must compute identically. */
const FIXED_CONFIG = { kernelId: 'conformance', limits: { fuel: 1000000 }, stores: { kind: 'memory' } };
/** SHA-256 of the canonical JSON of FIXED_CONFIG with every default filled (computed once in Node). */
const FIXED_DIGEST = '772fe475f3306b053fb1a077468672ab37c4764c8b339b4182df5f9e212debb8';

function options(env: ConformanceEnv, over: Partial<BootOptions> = {}): BootOptions {
  const makeStores = env.makeStores;
  return {
    platform: env.platform,
    config: { file: { kernelId: 'conformance' }, env: {} },
    ...(makeStores && { openStores: async () => ({ stores: await makeStores(), kind: `${env.runtime}-store`, schemaVersion: null, persistent: true }) }),
    ...over,
  };
}

async function health(app: ReturnType<typeof createApp>): Promise<{ status: number; doc: HealthDocument }> {
  const res = await app.request('/health');
  const parsed = healthDocumentSchema.safeParse(await res.json());
  if (!parsed.success) throw new Error(`GET /health does not match the health document schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { status: res.status, doc: parsed.data };
}

export const bootCases: ConformanceCase[] = [
  {
    name: 'boot: the kernel boots through every step and GET /health answers the health document',
    async run(env) {
      const kernel = await bootKernel(options(env, { trustRoots: [await trustRootDoc(env.platform.clock.now())] }));
      try {
        const { status, doc } = await health(createApp(kernel));
        assertEqual(status, 200, 'GET /health status');
        assertEqual(doc.status, 'ok', 'health status');
        assertEqual(doc.platform, env.platform.name, 'platform');
        assertEqual(doc.kernelId, 'conformance', 'kernelId');
        assertEqual(doc.configDigest, kernel.configDigest, 'configDigest');
        assertEqual(doc.selfTests?.tests.map((t) => t.name), [...SELF_TEST_NAMES], 'self-tests run now');
        // the runners bundle the self-test guest (a fixture), so even workerd runs every test
        assert(doc.selfTests?.tests.every((t) => t.status === 'pass'), `every self-test passes: ${JSON.stringify(doc.selfTests)}`);
        assertEqual(doc.boot?.steps.map((s) => [s.step, s.status]), BOOT_STEPS.map((s) => [s, 'ok']), 'boot steps');
        assertEqual(doc.boot?.trustRoots.length, 1, 'trust roots loaded');
      } finally {
        await kernel.close();
      }
    },
  },
  {
    name: 'boot: the config digest is the same in every host',
    async run(env) {
      const kernel = await bootKernel(options(env, { config: { file: JSON.stringify(FIXED_CONFIG), env: {} } }));
      assertEqual(kernel.configDigest, FIXED_DIGEST, 'digest of the fixed config');
      assertEqual(configDigest(kernel.config), FIXED_DIGEST, 'configDigest(config)');
      await kernel.close();
    },
  },
  {
    name: 'boot: a corrupted self-test vector refuses the boot (BOOT_SELF_TEST_FAILED)',
    async run(env) {
      for (const name of SELF_TEST_NAMES) {
        const e = await assertRejects(() => bootKernel(options(env, { corruptSelfTests: [name] })), 'BOOT_SELF_TEST_FAILED', `corrupt ${name}`);
        assert(e.message.includes(`self-test ${name} failed`), `the message names ${name}: ${e.message}`);
      }
    },
  },
  {
    name: 'boot: an expired trust root refuses the boot (TRUST_ROOT_EXPIRED)',
    async run(env) {
      const root = await trustRootDoc(env.platform.clock.now(), -60_000);
      const e = await assertRejects(() => bootKernel(options(env, { trustRoots: [root] })), 'TRUST_ROOT_EXPIRED', 'expired root');
      assertEqual(e.details['step'], 'trust-roots', 'failed step');
    },
  },
  {
    name: 'boot: a signed config verifies; an unsigned or altered one is refused when required',
    async run(env) {
      const envelope = await signedConfig({ kernelId: 'signed' });
      const trust = { requireSignedConfig: true, configKeys: [configKeyHex()] };
      const kernel = await bootKernel(options(env, { ...trust, config: { file: JSON.stringify(envelope), env: {} } }));
      assertEqual(kernel.boot.config?.signature, 'verified', 'signature');
      await kernel.close();
      await assertRejects(() => bootKernel(options(env, { ...trust, config: { file: '{"kernelId":"signed"}', env: {} } })), 'CONFIG_UNSIGNED', 'unsigned');
      const altered = { ...envelope, payload: btoa('{"kernelId":"evil"}') };
      await assertRejects(() => bootKernel(options(env, { ...trust, config: { file: altered, env: {} } })), 'CONFIG_SIGNATURE_INVALID', 'altered');
    },
  },
  {
    name: 'boot: malformed JSON and a schema violation are refused, naming the cause',
    async run(env) {
      const bad = await assertRejects(() => bootKernel(options(env, { config: { file: '{"limits":', env: {} } })), 'CONFIG_MALFORMED', 'malformed');
      assert(bad.message.includes('not valid JSON'), bad.message);
      const e = await assertRejects(() => bootKernel(options(env, { config: { file: { limits: { fuel: -1 } }, env: {} } })), 'CONFIG_INVALID', 'violation');
      assertEqual(e.details['path'], 'limits.fuel', 'path of the bad field');
    },
  },
  {
    name: 'boot: a kernel made by createKernel answers /health too, with no boot report',
    async run(env) {
      const { status, doc } = await health(createApp(createKernel({ platform: env.platform })));
      assertEqual(status, 200, 'status');
      assertEqual(doc.boot, null, 'boot');
      assertEqual(doc.selfTests?.tests.map((t) => t.name), [...SELF_TEST_NAMES], 'self-tests');
    },
  },
];
