import type { BootReport, BootStep, BootStepReport } from './boot-report.ts';
import { configDigest, loadConfig, type ConfigSources, type KernelSecrets } from './config/index.ts';
import { inlineReferences, type ResolveRef } from './config/references.ts';
import { loadPolicies, type LoadedPolicy } from './core/policies.ts';
import { openKernelStores, type OpenedStores } from './core/stores.ts';
import { loadTrustRoots } from './core/trust-roots.ts';
import { keyPairFromSecret } from './crypto/keys.ts';
import { resolveCrypto } from './crypto/noble.ts';
import type { TrustRoot } from './packages/trust-root.ts';
import { runSelfTests } from './diagnostics/self-tests.ts';
import { KernelError } from './errors.ts';
import { createKernel, type Kernel } from './kernel.ts';
import { verifyStoredTraces, type StoredTraceStatus } from './dna/verify/stored.ts';
import type { Platform } from './ports/platform.ts';
import type { StoreOpener } from './ports/store-opener.ts';

export interface BootOptions {
  readonly platform: Platform;
  /** The config file (text, bytes or a parsed value) and the environment; see src/config/load.ts. */
  readonly config?: ConfigSources;
  /** Refuse an unsigned or badly signed config (FORGE_REQUIRE_SIGNED_CONFIG also turns it on). */
  readonly requireSignedConfig?: boolean;
  /** Public keys (hex or key documents) allowed to sign the config. */
  readonly configKeys?: readonly unknown[];
  /** Trust-root documents the host supplies (parsed JSON or text), checked with those the config names. */
  readonly trustRoots?: readonly unknown[];
  /** Resolves `ref` entries of the config (policy and trust-root documents). */
  readonly resolveRef?: ResolveRef;
  /** Opens the stores the config asks for; without it the platform's own stores are used. */
  readonly openStores?: StoreOpener;
  /** Self-tests to run against corrupted vectors — only to test the failure path. */
  readonly corruptSelfTests?: readonly string[];
  /**
   * Which stored traces the boot verifies: `unsealed` (default: the runs a crash may have cut),
   * `all` (sealed ones too: tampering at rest, at a cost of about a second per 10^5 entries here),
   * or `off`.
   */
  readonly storedTraces?: 'unsealed' | 'all' | 'off';
  /**
   * The kernel key's 32-byte Ed25519 seed, which signs every trace checkpoint and summary. A
   * kernel key from the environment (FORGE_KERNEL_KEY, or the host's secret binding) wins; with
   * neither, the kernel signs with a fresh key of its own, and its traces verify only while it runs.
   */
  readonly signingKey?: Uint8Array;
}

export interface BootedKernel extends Kernel {
  readonly boot: BootReport;
  readonly trustRoots: readonly TrustRoot[];
  readonly policies: readonly LoadedPolicy[];
  readonly secrets: KernelSecrets;
  /** Closes the stores the boot opened. */
  close(): Promise<void>;
}

/**
 * Boots a kernel.
 * @throws KernelError naming the failed step in `details.step` and in the message, with the
 *   partial report in `details.report`: CONFIG_MALFORMED, CONFIG_INVALID, CONFIG_UNSIGNED,
 *   CONFIG_SIGNATURE_INVALID, POLICY_INVALID, TRUST_ROOT_INVALID, TRUST_ROOT_EXPIRED,
 *   BOOT_SELF_TEST_FAILED, STORE_SCHEMA, STORE_UNAVAILABLE, BOOT_FAILED
 */
export async function bootKernel(options: BootOptions): Promise<BootedKernel> {
  const { platform } = options;
  const crypto = resolveCrypto(platform.crypto);
  const started = performance.now();
  const steps: BootStepReport[] = [];
  const report: { -readonly [K in keyof BootReport]: BootReport[K] } = {
    at: new Date(platform.clock.now()).toISOString(), kernelId: null, ms: 0, configDigest: null, config: null,
    policies: [], trustRoots: [], selfTests: null, stores: null, storedTraces: null, steps,
  };
  let opened: OpenedStores | undefined;

  async function step<T>(name: BootStep, run: () => Promise<{ value: T; detail: string }>): Promise<T> {
    const t0 = performance.now();
    try {
      const { value, detail } = await run();
      steps.push({ step: name, status: 'ok', ms: ms(t0), detail });
      return value;
    } catch (e) {
      const error = e instanceof KernelError ? e : new KernelError('BOOT_FAILED', `unexpected failure: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
      steps.push({ step: name, status: 'failed', ms: ms(t0), detail: `${error.code}: ${error.message}` });
      report.ms = ms(started);
      await opened?.close?.();
      throw new KernelError(error.code, `boot step "${name}" failed: ${error.message}`, { ...error.details, step: name, report: { ...report } }, { cause: error });
    }
  }

  const { config, loaded } = await step('config', async () => {
    const loaded = await loadConfig(options.config ?? {}, {
      ...(options.requireSignedConfig !== undefined && { requireSigned: options.requireSignedConfig }),
      ...(options.configKeys !== undefined && { keys: options.configKeys }),
    }, crypto);
    const { config, references } = await inlineReferences(loaded.config, options.resolveRef);
    report.configDigest = configDigest(config);
    report.kernelId = config.kernelId;
    const { file: _file, ...provenance } = loaded.provenance;
    report.config = provenance;
    const signed = provenance.signature === 'verified' ? `signed by ${provenance.signerKeyId!.slice(0, 16)}…` : provenance.signature;
    return { value: { config, loaded }, detail: `digest ${report.configDigest.slice(0, 16)}…, ${signed}, ${references.length} reference(s) inlined, ${provenance.envOverrides.length} env override(s)` };
  });

  const policies = await step('policies', async () => {
    const policies = loadPolicies(config);
    report.policies = policies.map(({ layer, id, source, digest }) => ({ layer, id, source, digest }));
    return { value: policies, detail: policies.map((p) => `${p.layer}=${p.id}`).join(', ') };
  });

  const trustRoots = await step('trust-roots', async () => {
    const roots = await loadTrustRoots([
      ...(options.trustRoots ?? []).map((document, i) => ({ document, source: `trustRoots[${i}] (boot option)` })),
      ...config.trust.roots.map((r, i) => ({ document: r.document, source: `config trust.roots[${i}]` })),
    ], crypto, platform.clock.now());
    report.trustRoots = roots.map((r) => ({ version: r.version, expires: new Date(r.expires).toISOString(), keys: r.keys.size, threshold: r.threshold }));
    const detail = roots.length
      ? roots.map((r) => `v${r.version} (${r.keys.size} key(s), expires ${new Date(r.expires).toISOString()})`).join(', ')
      : 'none configured: only runs that allow unsigned packages can start';
    return { value: roots, detail };
  });

  await step('self-tests', async () => {
    const selfTests = await runSelfTests({ platform, crypto }, { corrupt: options.corruptSelfTests ?? [] });
    report.selfTests = selfTests;
    const failed = selfTests.tests.filter((t) => t.status === 'fail');
    if (failed.length) {
      throw new KernelError('BOOT_SELF_TEST_FAILED', failed.map((t) => `self-test ${t.name} failed: ${t.message}`).join('; '), { failed: failed.map((t) => t.name) });
    }
    const skipped = selfTests.tests.filter((t) => t.status === 'skip').length;
    return { value: undefined, detail: `${selfTests.tests.length - skipped} passed${skipped ? `, ${skipped} skipped` : ''} in ${selfTests.ms} ms` };
  });

  const hostStores = await step('stores', async () => {
    opened = await openKernelStores(config, platform, options.openStores);
    report.stores = opened.report;
    const r = opened.report;
    return { value: opened, detail: `${r.kind}${r.schemaVersion !== null ? ` schema v${r.schemaVersion}` : ''}, ${r.traces} trace(s), ${r.pruned} pruned by retention` };
  });

  const signingKey = loaded.secrets.kernelKey ?? options.signingKey;
  await step('stored-traces', async () => {
    const scope = options.storedTraces ?? 'unsealed';
    const publicKey = signingKey ? keyPairFromSecret(signingKey).publicKey : undefined;
    const runs = scope === 'off' ? [] : await verifyStoredTraces(hostStores.stores.traces, { crypto, scope, ...(publicKey && { publicKey }) });
    const counts = { ok: 0, cut: 0, tampered: 0, 'foreign-key': 0, invalid: 0, unreadable: 0 };
    for (const r of runs) counts[r.status]++;
    const problems = runs.filter((r) => r.status !== 'ok').slice(0, 50)
      .map(({ runId, status, sealed, entries, verified, unproven, message }) => ({ runId, status, sealed, entries, verified, unproven, message }));
    report.storedTraces = { scope, checked: runs.length, counts, problems };
    return { value: undefined, detail: storedTracesDetail(scope, runs.length, counts, publicKey !== undefined) };
  });

  const booted = await step('ready', async () => {
    const capabilities = { ...platform.capabilities, persistentStorage: hostStores.report.persistent };
    const kernel = createKernel({
      platform: { ...platform, capabilities, stores: hostStores.stores }, config, boot: report,
      ...(signingKey && { signingKey }),
    });
    const booted: BootedKernel = Object.freeze({
      ...kernel,
      boot: report,
      trustRoots: Object.freeze(trustRoots),
      policies: Object.freeze(policies),
      secrets: loaded.secrets,
      close: async () => { await opened?.close?.(); },
    });
    return { value: booted, detail: `kernel ${config.kernelId} ready` };
  });
  report.ms = ms(started);
  Object.freeze(steps);
  Object.freeze(report);
  return booted;
}

/** One line for the step: counts, with tampering first and loud — it is reported, and the boot goes on. */
function storedTracesDetail(scope: string, checked: number, c: Record<StoredTraceStatus, number>, pinned: boolean): string {
  if (scope === 'off') return 'not checked (storedTraces: off)';
  const bad = c.tampered + c['foreign-key'] + c.invalid + c.unreadable;
  const parts = [
    ...(bad > 0 ? [`WARNING: ${c.tampered} tampered, ${c['foreign-key']} signed by another kernel key, ${c.invalid} not a trace, ${c.unreadable} unreadable`] : []),
    `${checked} ${scope === 'all' ? '' : 'unsealed '}trace(s) verified${pinned ? ' under the kernel key' : ''}: ${c.ok} complete, ${c.cut} cut at a crash`,
  ];
  return parts.join('; ');
}

function ms(t0: number): number {
  return Math.round((performance.now() - t0) * 1000) / 1000;
}
