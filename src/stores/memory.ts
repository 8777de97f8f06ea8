import { KernelError } from '../errors.ts';
import type { PackageStore } from '../ports/package-store.ts';
import type { QuarantineRecord, QuarantineStore } from '../ports/quarantine-store.ts';
import type { TraceRunInfo, TraceStore } from '../ports/trace-store.ts';
import type { Stores } from '../ports/platform.ts';
import { checkAppend } from './validate.ts';

/** In-memory stores: the core's fallback, and the reference every adapter's contract suite matches. */
export function memoryStores(now: () => number = Date.now): Stores {
  return { traces: memoryTraceStore(now), quarantine: memoryQuarantineStore(), packages: memoryPackageStore() };
}

export function memoryTraceStore(now: () => number = Date.now): TraceStore {
  const runs = new Map<string, { lines: string[]; createdAt: number; sealed: boolean }>();
  const must = (runId: string) => {
    const r = runs.get(runId);
    if (!r) throw new KernelError('NOT_FOUND', `no trace stored for run ${runId}`, { runId });
    return r;
  };
  return {
    async append(runId, fromSeq, lines) {
      checkAppend(runId, fromSeq, lines);
      let r = runs.get(runId);
      const have = r?.lines.length ?? 0;
      if (fromSeq !== have) {
        throw new KernelError('TRACE_INVALID', `run ${runId}: append at entry ${fromSeq} but ${have} are stored`, { runId, fromSeq, have });
      }
      if (r?.sealed) throw new KernelError('TRACE_INVALID', `run ${runId} is sealed; nothing more can be appended`, { runId });
      if (!r) runs.set(runId, (r = { lines: [], createdAt: now(), sealed: false }));
      r.lines.push(...lines);
    },
    async read(runId) { return [...must(runId).lines]; },
    async seal(runId) { must(runId).sealed = true; },
    async list(): Promise<TraceRunInfo[]> {
      return [...runs].map(([runId, r]) => ({ runId, count: r.lines.length, createdAt: r.createdAt, sealed: r.sealed }));
    },
    async remove(runId) { runs.delete(runId); },
  };
}

export function memoryQuarantineStore(): QuarantineStore {
  const log = new Map<string, QuarantineRecord[]>();
  return {
    async get(identity) { return log.get(identity)?.at(-1); },
    async put(record) {
      const h = log.get(record.identity) ?? [];
      h.push({ ...record });
      log.set(record.identity, h);
    },
    async list() { return [...log.values()].map((h) => h.at(-1)!); },
    async history(identity) { return [...(log.get(identity) ?? [])]; },
  };
}

export function memoryPackageStore(): PackageStore {
  const m = new Map<string, Uint8Array>();
  return {
    async put(digest, bytes) { m.set(digest, bytes.slice()); },
    async get(digest) { return m.get(digest)?.slice(); },
    async list() { return [...m.keys()]; },
    async remove(digest) { m.delete(digest); },
  };
}
