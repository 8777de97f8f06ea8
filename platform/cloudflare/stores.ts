/**
 * The Workers stores. Ordered appends and quarantine need one strongly consistent writer, which
 * KV (eventually consistent, last write wins) cannot give: traces live in a SQLite Durable Object
 * per run, indexed by a catalog object; quarantine in one global object; packages — immutable by
 * digest — in KV. docs/stores.md explains the choices. These are drivers; the store core
 * (src/stores/create.ts) checks arguments, decides refusals and translates platform errors.
 */
import type { DurableObjectNamespace, KVNamespace } from '@cloudflare/workers-types';
import type { QuarantineDriver } from '../../src/ports/quarantine-store.ts';
import type { TraceDriver, TraceRunInfo } from '../../src/ports/trace-store.ts';
import { createStores, type CoreStores } from '../../src/stores/create.ts';
import type { RetentionPolicy } from '../../src/stores/retention.ts';
import { kvPackageDriver } from './kv-packages.ts';
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

export type CloudflareStores = CoreStores;

/**
 * Stores over the FORGE_KV and FORGE_STATE bindings; calls fail with KernelError.
 * @throws KernelError CONFIG_INVALID for a bad `retention` (nothing else: no binding is called here)
 */
export function createCloudflareStores(env: CloudflareStoreEnv, opts: CloudflareStoreOptions = {}): CloudflareStores {
  const prefix = opts.prefix ?? '';
  const object = (name: string) => env.FORGE_STATE.get(env.FORGE_STATE.idFromName(prefix + name)) as unknown as ForgeStateStub;
  const packages = kvPackageDriver(env.FORGE_KV, { prefix, ...(opts.chunkBytes ? { chunkBytes: opts.chunkBytes } : {}) });
  return createStores('cloudflare', { traces: doTraces(object, opts), quarantine: doQuarantine(() => object('quarantine')), packages }, opts);
}

/** Traces: one object per run (`run:<id>`), listed by the `catalog` object (docs/stores.md, the catalog protocol). */
function doTraces(object: (name: string) => ForgeStateStub, opts: CloudflareStoreOptions): TraceDriver {
  const now = opts.now ?? Date.now;
  const orphanAfterMs = opts.orphanAfterMs ?? 60 * 60 * 1000;
  const catalog = () => object('catalog');
  const run = (runId: string) => object(`run:${runId}`);

  /** Second half of a removal: the run object's rows (one transaction), then its catalog entry. */
  const finishRemoval = async (runId: string) => {
    await unwrap(run(runId).runRemove(runId));
    await unwrap(catalog().catalogDelete(runId));
  };

  return {
    async append(runId, fromSeq, lines, createdAt) {
      if (fromSeq === 0) {
        // Registered before the first batch, so a run that exists is always listed.
        const { removing } = await unwrap(catalog().catalogRegister(runId, createdAt));
        if (removing) {
          await finishRemoval(runId);
          await unwrap(catalog().catalogRegister(runId, createdAt));
        }
      }
      return unwrap(run(runId).runAppend(runId, fromSeq, [...lines], createdAt));
    },
    read: async (runId) => (await unwrap(run(runId).runRead(runId))) ?? undefined,
    async seal(runId) {
      const count = await unwrap(run(runId).runSeal(runId));
      if (count === null) return false;
      await unwrap(catalog().catalogSealed(runId, count));
      return true;
    },
    async list() {
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
    },
    async remove(runId) {
      await unwrap(catalog().catalogMarkRemoving(runId));
      await finishRemoval(runId);
    },
  };
}

/** Quarantine: the one `quarantine` object, the global authority. */
function doQuarantine(object: () => ForgeStateStub): QuarantineDriver {
  return {
    get: async (identity) => (await unwrap(object().quarantineGet(identity))) ?? undefined,
    put: async (record) => { await unwrap(object().quarantinePut(record)); },
    list: () => unwrap(object().quarantineList()),
    history: (identity) => unwrap(object().quarantineHistory(identity)),
  };
}
