/**
 * The Workers stores. Ordered appends and quarantine need one strongly consistent writer, which
 * KV (eventually consistent, last write wins) cannot give: traces live in a SQLite Durable Object
 * per run, indexed by a catalog object; quarantine in one global object; packages — immutable by
 * digest — in KV. docs/stores.md explains the choices.
 */
import type { DurableObjectNamespace, KVNamespace } from '@cloudflare/workers-types';
import type { Stores } from '../../src/ports/platform.ts';
import type { TraceRunInfo, TraceStore } from '../../src/ports/trace-store.ts';
import { pruneTraces, withRetention, type PruneReport, type RetentionPolicy } from '../../src/stores/retention.ts';
import { guardStore } from '../../src/stores/store-error.ts';
import { checkAppend, checkQuarantineRecord, checkRunId, normalizeRecord } from '../../src/stores/validate.ts';
import { kvPackageStore } from './kv-packages.ts';
import { unwrap, type ForgeStateStub } from './state-protocol.ts';

export interface CloudflareStoreEnv {
  readonly FORGE_KV: KVNamespace;
  readonly FORGE_STATE: DurableObjectNamespace;
}

export interface CloudflareStoreOptions {
  /** Prefix of every object name and KV key: isolates tenants, deployments or tests. */
  prefix?: string;
  now?: () => number;
  /** Applied after every seal, and by `prune()` when called without a policy. */
  retention?: RetentionPolicy;
  /** Packages larger than this are split across KV values (default 20 MiB). */
  chunkBytes?: number;
  /** A catalog entry whose run object never received its first batch is dropped after this (default 1 h). */
  orphanAfterMs?: number;
}

export type CloudflareStores = Stores & { prune(policy?: RetentionPolicy): Promise<PruneReport> };

/** Stores over the FORGE_KV and FORGE_STATE bindings. Never throws; calls fail with KernelError. */
export function createCloudflareStores(env: CloudflareStoreEnv, opts: CloudflareStoreOptions = {}): CloudflareStores {
  const prefix = opts.prefix ?? '';
  const now = opts.now ?? Date.now;
  const orphanAfterMs = opts.orphanAfterMs ?? 60 * 60 * 1000;
  const object = (name: string) => env.FORGE_STATE.get(env.FORGE_STATE.idFromName(prefix + name)) as unknown as ForgeStateStub;
  const catalog = () => object('catalog');
  const run = (runId: string) => object(`run:${runId}`);
  const g = <T,>(op: string, fn: () => Promise<T>) => guardStore('cloudflare', op, fn);

  /** Second half of a removal: the run object's rows (one transaction), then its catalog entry. */
  const finishRemoval = async (runId: string) => {
    await unwrap(run(runId).runRemove(runId));
    await unwrap(catalog().catalogDelete(runId));
  };

  const traceStore: TraceStore = {
    append: (runId, fromSeq, lines) => g('traces.append', async () => {
      checkAppend(runId, fromSeq, lines);
      const createdAt = now();
      if (fromSeq === 0) {
        // Registered before the first batch, so a run that exists is always listed.
        const { removing } = await unwrap(catalog().catalogRegister(runId, createdAt));
        if (removing) {
          await finishRemoval(runId);
          await unwrap(catalog().catalogRegister(runId, createdAt));
        }
      }
      await unwrap(run(runId).runAppend(runId, fromSeq, [...lines], createdAt));
    }),
    read: (runId) => g('traces.read', async () => (checkRunId(runId), unwrap(run(runId).runRead(runId)))),
    seal: (runId) => g('traces.seal', async () => {
      checkRunId(runId);
      const count = await unwrap(run(runId).runSeal(runId));
      await unwrap(catalog().catalogSealed(runId, count));
    }),
    list: () => g('traces.list', async () => {
      const rows = await unwrap(catalog().catalogList());
      const infos = await Promise.all(rows.map(async (row): Promise<TraceRunInfo | undefined> => {
        if (row.removing) return void (await finishRemoval(row.runId));
        if (row.sealed) return { runId: row.runId, count: row.count, createdAt: row.createdAt, sealed: true };
        // Unsealed: the run object is the authority on its count.
        const info = await unwrap(run(row.runId).runInfo(row.runId));
        if (!info) {
          if (now() - row.createdAt > orphanAfterMs) await unwrap(catalog().catalogDelete(row.runId));
          return undefined;
        }
        if (info.sealed) await unwrap(catalog().catalogSealed(row.runId, info.count));
        return { ...info, createdAt: row.createdAt };
      }));
      return infos.filter((i): i is TraceRunInfo => i !== undefined);
    }),
    remove: (runId) => g('traces.remove', async () => {
      checkRunId(runId);
      await unwrap(catalog().catalogMarkRemoving(runId));
      await finishRemoval(runId);
    }),
  };

  const quarantine = () => object('quarantine');
  const packages = kvPackageStore(env.FORGE_KV, { prefix, ...(opts.chunkBytes ? { chunkBytes: opts.chunkBytes } : {}) });

  return {
    traces: opts.retention ? withRetention(traceStore, opts.retention, now) : traceStore,
    quarantine: {
      get: (identity) => g('quarantine.get', async () => (await unwrap(quarantine().quarantineGet(identity))) ?? undefined),
      put: (record) => g('quarantine.put', async () => {
        checkQuarantineRecord(record);
        await unwrap(quarantine().quarantinePut(normalizeRecord(record)));
      }),
      list: () => g('quarantine.list', () => unwrap(quarantine().quarantineList())),
      history: (identity) => g('quarantine.history', () => unwrap(quarantine().quarantineHistory(identity))),
    },
    packages: {
      put: (digest, bytes) => g('packages.put', () => packages.put(digest, bytes)),
      get: (digest) => g('packages.get', () => packages.get(digest)),
      list: () => g('packages.list', () => packages.list()),
      remove: (digest) => g('packages.remove', () => packages.remove(digest)),
    },
    prune: (policy) => pruneTraces(traceStore, policy ?? opts.retention ?? {}, now()),
  };
}
