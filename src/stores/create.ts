/**
 * The store core: every host's stores — memory, SQLite, IndexedDB, KV + Durable Objects — are small
 * drivers (src/ports: `TraceDriver`, `QuarantineDriver`, `PackageDriver`) turned into the ports
 * here, so the rules are applied once rather than per adapter: arguments are checked (validate.ts)
 * and copied before a driver sees them, refusals are decided from what a driver reports, its output
 * is checked and copied before a caller sees it, platform failures become STORE_UNAVAILABLE
 * (store-error.ts), and retention runs after every seal (retention.ts).
 */
import { KernelError } from '../errors.ts';
import type { PackageDriver, PackageStore } from '../ports/package-store.ts';
import type { Stores } from '../ports/platform.ts';
import type { QuarantineDriver, QuarantineStore } from '../ports/quarantine-store.ts';
import type { TraceAppendResult, TraceDriver, TraceRunInfo, TraceStore } from '../ports/trace-store.ts';
import { pruneTraces, withRetention, type PruneReport, type RetentionPolicy } from './retention.ts';
import { guardStore, storeError } from './store-error.ts';
import { checkAppend, checkDigest, checkIdentity, checkPackage, checkQuarantineRecord, checkRunId, normalizeRecord } from './validate.ts';

export interface StoreDrivers {
  readonly traces: TraceDriver;
  readonly quarantine: QuarantineDriver;
  readonly packages: PackageDriver;
}

export interface StoreCoreOptions {
  /** Clock for a run's `createdAt` and for retention; `Date.now` by default. */
  readonly now?: () => number;
  /** Applied after every seal, and by `prune()` when called without a policy. */
  readonly retention?: RetentionPolicy;
}

export type CoreStores = Stores & {
  /** Applies a retention policy (the configured one by default) now. @throws KernelError STORE_UNAVAILABLE, CONFIG_INVALID */
  prune(policy?: RetentionPolicy): Promise<PruneReport>;
};

function notFound(runId: string): KernelError {
  return new KernelError('NOT_FOUND', `no trace stored for run ${runId}`, { runId });
}

/** The refusal a driver's answer means; a refusal with nothing to refuse is the driver failing. */
function refused(store: string, runId: string, fromSeq: number, result: TraceAppendResult): KernelError | undefined {
  if (result.stored) return undefined;
  const { count, sealed } = result.found;
  if (count !== fromSeq) {
    return new KernelError('TRACE_INVALID', `run ${runId}: append at entry ${fromSeq} but ${count} are stored`, { runId, fromSeq, have: count });
  }
  if (sealed) return new KernelError('TRACE_INVALID', `run ${runId} is sealed; nothing more can be appended`, { runId });
  return new KernelError('STORE_UNAVAILABLE', `${store} store refused an append to run ${runId} at entry ${fromSeq} with no reason`, { runId, fromSeq, store });
}

const runInfo = (r: TraceRunInfo): TraceRunInfo => ({ runId: r.runId, count: r.count, createdAt: r.createdAt, sealed: r.sealed });

/** A `TraceStore` over `driver`; `store` names the host in errors (`sqlite`, `memory` …). Never throws itself. */
export function createTraceStore(store: string, driver: TraceDriver, now: () => number = Date.now): TraceStore {
  const g = <T>(op: string, fn: () => Promise<T>) => guardStore(store, op, fn);
  // Checked and copied in one synchronous step: what was checked is what the driver stores.
  const batch = (runId: string, fromSeq: number, lines: readonly string[]): string[] => {
    checkAppend(runId, fromSeq, lines);
    return [...lines];
  };
  const traces: TraceStore = {
    append: (runId, fromSeq, lines) => g('traces.append', async () => {
      const checked = batch(runId, fromSeq, lines);
      const e = refused(store, runId, fromSeq, await driver.append(runId, fromSeq, checked, now()));
      if (e) throw e;
    }),
    read: (runId) => g('traces.read', async () => {
      checkRunId(runId);
      const lines = await driver.read(runId);
      if (!lines) throw notFound(runId);
      return [...lines];
    }),
    seal: (runId) => g('traces.seal', async () => {
      checkRunId(runId);
      if (!(await driver.seal(runId))) throw notFound(runId);
    }),
    list: () => g('traces.list', async () => (await driver.list()).map(runInfo)),
    remove: (runId) => g('traces.remove', async () => {
      checkRunId(runId);
      await driver.remove(runId);
    }),
  };
  const { appendSync } = driver;
  if (!appendSync) return traces;
  return {
    ...traces,
    appendSync(runId, fromSeq, lines) {
      let e: KernelError | undefined;
      try {
        const checked = batch(runId, fromSeq, lines);
        e = refused(store, runId, fromSeq, appendSync.call(driver, runId, fromSeq, checked, now()));
      } catch (x) {
        throw storeError(x, 'traces.append', store);
      }
      if (e) throw e;
    },
  };
}

/** A `QuarantineStore` over `driver`. Never throws itself. */
export function createQuarantineStore(store: string, driver: QuarantineDriver): QuarantineStore {
  const g = <T>(op: string, fn: () => Promise<T>) => guardStore(store, op, fn);
  return {
    get: (identity) => g('quarantine.get', async () => {
      checkIdentity(identity);
      const r = await driver.get(identity);
      return r && normalizeRecord(r);
    }),
    put: (record) => g('quarantine.put', async () => {
      checkQuarantineRecord(record);
      await driver.put(normalizeRecord(record));
    }),
    list: () => g('quarantine.list', async () => (await driver.list()).map(normalizeRecord)),
    history: (identity) => g('quarantine.history', async () => {
      checkIdentity(identity);
      return (await driver.history(identity)).map(normalizeRecord);
    }),
  };
}

/** A `PackageStore` over `driver`. Never throws itself. */
export function createPackageStore(store: string, driver: PackageDriver): PackageStore {
  const g = <T>(op: string, fn: () => Promise<T>) => guardStore(store, op, fn);
  return {
    put: (digest, bytes) => g('packages.put', async () => {
      checkPackage(digest, bytes);
      // `new Uint8Array(view)` copies exactly the view's bytes (a Node Buffer's `slice` would share them).
      await driver.put(digest, new Uint8Array(bytes));
    }),
    get: (digest) => g('packages.get', async () => {
      checkDigest(digest);
      const p = await driver.get(digest);
      if (!p) return undefined;
      if (!(p.bytes instanceof Uint8Array) || p.bytes.length !== p.size) {
        const got = p.bytes instanceof Uint8Array ? `${p.bytes.length} bytes` : 'no bytes';
        throw new KernelError('STORE_UNAVAILABLE', `${store} store: package ${digest} is damaged (${got} where ${p.size} were stored)`, { digest, store });
      }
      return new Uint8Array(p.bytes);
    }),
    list: () => g('packages.list', async () => [...(await driver.list())]),
    remove: (digest) => g('packages.remove', async () => {
      checkDigest(digest);
      await driver.remove(digest);
    }),
  };
}

/**
 * The three stores over one host's drivers, with retention after every seal when configured.
 * @throws KernelError CONFIG_INVALID when `retention` does not validate
 */
export function createStores(store: string, drivers: StoreDrivers, opts: StoreCoreOptions = {}): CoreStores {
  const now = opts.now ?? Date.now;
  const traces = createTraceStore(store, drivers.traces, now);
  return {
    traces: opts.retention ? withRetention(traces, opts.retention, now) : traces,
    quarantine: createQuarantineStore(store, drivers.quarantine),
    packages: createPackageStore(store, drivers.packages),
    prune: (policy) => pruneTraces(traces, policy ?? opts.retention ?? {}, now()),
  };
}
