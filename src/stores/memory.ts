/**
 * In-memory stores: the core's fallback, and the reference every adapter's contract suite matches.
 * Drivers like every host's, so the memory store goes through the same core (create.ts) and refuses,
 * copies and translates exactly as the persistent stores do.
 */
import type { PackageDriver, PackageStore } from '../ports/package-store.ts';
import type { QuarantineDriver, QuarantineRecord, QuarantineStore } from '../ports/quarantine-store.ts';
import type { TraceDriver, TraceStore } from '../ports/trace-store.ts';
import { createPackageStore, createQuarantineStore, createStores, createTraceStore, type CoreStores, type StoreCoreOptions } from './create.ts';

/** Fresh, empty in-memory stores. @throws KernelError CONFIG_INVALID for a bad `opts.retention` */
export function memoryStores(now: () => number = Date.now, opts: Omit<StoreCoreOptions, 'now'> = {}): CoreStores {
  return createStores('memory', { traces: memoryTraceDriver(), quarantine: memoryQuarantineDriver(), packages: memoryPackageDriver() }, { ...opts, now });
}

export function memoryTraceStore(now: () => number = Date.now): TraceStore {
  return createTraceStore('memory', memoryTraceDriver(), now);
}

export function memoryQuarantineStore(): QuarantineStore {
  return createQuarantineStore('memory', memoryQuarantineDriver());
}

export function memoryPackageStore(): PackageStore {
  return createPackageStore('memory', memoryPackageDriver());
}

/** Traces in a Map (insertion order is creation order); the core copies what goes in and out. */
export function memoryTraceDriver(): TraceDriver {
  const runs = new Map<string, { lines: string[]; createdAt: number; sealed: boolean }>();
  return {
    async append(runId, fromSeq, lines, createdAt) {
      let r = runs.get(runId);
      const found = { count: r?.lines.length ?? 0, sealed: r?.sealed ?? false };
      if (found.count !== fromSeq || found.sealed) return { stored: false, found };
      if (!r) runs.set(runId, (r = { lines: [], createdAt, sealed: false }));
      r.lines.push(...lines);
      return { stored: true };
    },
    async read(runId) { return runs.get(runId)?.lines; },
    async seal(runId) {
      const r = runs.get(runId);
      if (r) r.sealed = true;
      return r !== undefined;
    },
    async list() {
      return [...runs].map(([runId, r]) => ({ runId, count: r.lines.length, createdAt: r.createdAt, sealed: r.sealed }));
    },
    async remove(runId) { runs.delete(runId); },
  };
}

export function memoryQuarantineDriver(): QuarantineDriver {
  const log = new Map<string, QuarantineRecord[]>();
  return {
    async get(identity) { return log.get(identity)?.at(-1); },
    async put(record) {
      const h = log.get(record.identity) ?? [];
      h.push(record);
      log.set(record.identity, h);
    },
    async list() { return [...log.values()].map((h) => h.at(-1)!); },
    async history(identity) { return log.get(identity) ?? []; },
  };
}

export function memoryPackageDriver(): PackageDriver {
  const m = new Map<string, Uint8Array>();
  return {
    async put(digest, bytes) { m.set(digest, bytes); },
    async get(digest) {
      const bytes = m.get(digest);
      return bytes && { bytes, size: bytes.length };
    },
    async list() { return [...m.keys()]; },
    async remove(digest) { m.delete(digest); },
  };
}
