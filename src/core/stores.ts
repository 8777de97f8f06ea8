import type { KernelConfig } from '../config/index.ts';
import { KernelError } from '../errors.ts';
import type { Platform, Stores } from '../ports/platform.ts';
import type { HostStores, StoreOpener } from '../ports/store-opener.ts';
import { memoryStores } from '../stores/memory.ts';
import { pruneTraces, withRetention } from '../stores/retention.ts';

export interface StoresReport {
  readonly kind: string;
  readonly schemaVersion: number | null;
  readonly persistent: boolean;
  /** Traces stored when the boot finished. */
  readonly traces: number;
  /** Traces the retention policy deleted at boot. */
  readonly pruned: number;
}

export interface OpenedStores {
  readonly stores: Stores;
  readonly report: StoresReport;
  close(): Promise<void>;
}

/**
 * The boot's store step: open (or take the platform's), prove the stores answer, apply retention
 * once and wrap the trace store so it applies after every seal.
 * @throws KernelError as StoreOpener, plus STORE_UNAVAILABLE when the opened stores do not answer
 */
export async function openKernelStores(config: Readonly<KernelConfig>, platform: Platform, opener?: StoreOpener): Promise<OpenedStores> {
  const cfg = config.stores;
  let host: HostStores;
  if (cfg.kind === 'memory') host = { stores: memoryStores(platform.clock.now), kind: 'memory', schemaVersion: null, persistent: false };
  else if (opener) host = await opener(cfg);
  else if (cfg.kind === 'auto') host = { stores: platform.stores, kind: 'platform', schemaVersion: null, persistent: platform.capabilities.persistentStorage };
  else throw new KernelError('CONFIG_INVALID', `config field "stores.kind": "${cfg.kind}" is not available in this host; use "auto" or "memory"`, { path: 'stores.kind' });

  try {
    const retention = cfg.retention;
    const limited = retention.maxRuns !== undefined || retention.maxAgeMs !== undefined;
    const pruned = limited ? (await pruneTraces(host.stores.traces, retention, platform.clock.now())).removed.length : 0;
    // list() doubles as the liveness probe: a store that cannot answer fails the boot here, not the first run
    const traces = (await host.stores.traces.list()).length;
    const stores: Stores = limited ? { ...host.stores, traces: withRetention(host.stores.traces, retention, platform.clock.now) } : host.stores;
    return {
      stores,
      report: { kind: host.kind, schemaVersion: host.schemaVersion, persistent: host.persistent, traces, pruned },
      close: async () => { await host.close?.(); },
    };
  } catch (e) {
    await host.close?.();
    if (e instanceof KernelError) throw e;
    throw new KernelError('STORE_UNAVAILABLE', `the ${host.kind} stores do not answer: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
  }
}
