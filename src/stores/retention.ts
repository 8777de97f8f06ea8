/**
 * Trace retention, written once for every host: which traces to delete is decided here from
 * `TraceStore.list()`, and each is deleted whole through `TraceStore.remove()` (one transaction in
 * every adapter). Oldest first; a trace is never shortened.
 */
import { z } from 'zod';
import { KernelError } from '../errors.ts';
import type { TraceRunInfo, TraceStore } from '../ports/trace-store.ts';
import { issueText } from '../lib/zod-issues.ts';

/** A trace not yet sealed and younger than this is assumed to be still recording. */
export const DEFAULT_UNSEALED_GRACE_MS = 24 * 60 * 60 * 1000;

export const retentionPolicySchema = z.object({
  /** Keep at most this many traces; the oldest beyond it are deleted. */
  maxRuns: z.number().int().nonnegative().optional(),
  /** Delete traces created longer ago than this many milliseconds. */
  maxAgeMs: z.number().int().nonnegative().optional(),
  /** An unsealed trace younger than this is still being written, and is never deleted. */
  unsealedGraceMs: z.number().int().nonnegative().default(DEFAULT_UNSEALED_GRACE_MS),
}).strict();

export type RetentionPolicy = z.input<typeof retentionPolicySchema>;

export interface PruneReport {
  /** Run ids deleted, oldest first. */
  readonly removed: string[];
  /** Traces left. */
  readonly kept: number;
  /** How many traces beyond `maxRuns` had to be kept because they are still recording. */
  readonly overLimit: number;
}

/** Parses a policy (e.g. from configuration). @throws KernelError CONFIG_INVALID */
export function parseRetentionPolicy(input: unknown): z.output<typeof retentionPolicySchema> {
  const r = retentionPolicySchema.safeParse(input);
  if (!r.success) {
    throw new KernelError('CONFIG_INVALID', `retention policy: ${issueText(r.error.issues[0], { dotted: true })}`);
  }
  return r.data;
}

/**
 * Decides which traces to delete, oldest first: every deletable trace older than `maxAgeMs`, then
 * the oldest deletable ones while more than `maxRuns` remain. `runs` is in creation order (the
 * port's `list()` order), which breaks ties between equal `createdAt`.
 * @throws KernelError CONFIG_INVALID
 */
export function planPrune(runs: readonly TraceRunInfo[], policy: RetentionPolicy, now: number): { remove: string[]; overLimit: number } {
  const p = parseRetentionPolicy(policy);
  const ordered = runs.map((r, i) => ({ r, i })).sort((a, b) => a.r.createdAt - b.r.createdAt || a.i - b.i).map((x) => x.r);
  const deletable = (r: TraceRunInfo) => r.sealed || now - r.createdAt >= p.unsealedGraceMs;
  const remove = new Set<string>();
  if (p.maxAgeMs !== undefined) {
    for (const r of ordered) if (now - r.createdAt > p.maxAgeMs && deletable(r)) remove.add(r.runId);
  }
  let overLimit = 0;
  if (p.maxRuns !== undefined) {
    let left = ordered.length - remove.size;
    for (const r of ordered) {
      if (left <= p.maxRuns) break;
      if (remove.has(r.runId)) continue;
      if (deletable(r)) { remove.add(r.runId); left--; }
    }
    overLimit = Math.max(0, left - p.maxRuns);
  }
  return { remove: ordered.filter((r) => remove.has(r.runId)).map((r) => r.runId), overLimit };
}

/** Applies `policy` to a trace store now. @throws KernelError STORE_UNAVAILABLE, CONFIG_INVALID */
export async function pruneTraces(traces: TraceStore, policy: RetentionPolicy, now: number): Promise<PruneReport> {
  const runs = await traces.list();
  const plan = planPrune(runs, policy, now);
  for (const runId of plan.remove) await traces.remove(runId);
  return { removed: plan.remove, kept: runs.length - plan.remove.length, overLimit: plan.overLimit };
}

/**
 * A trace store that applies `policy` after every seal (the moment a trace becomes deletable).
 * A failed prune fails the seal call loudly; sealing again is harmless.
 * @throws KernelError CONFIG_INVALID when the policy does not validate
 */
export function withRetention(traces: TraceStore, policy: RetentionPolicy, now: () => number): TraceStore {
  parseRetentionPolicy(policy);
  const { appendSync } = traces;
  return {
    append: (runId, fromSeq, lines) => traces.append(runId, fromSeq, lines),
    // Kept: retention acts only on seal, and without it the recorder would lose its synchronous path.
    ...(appendSync && { appendSync: (runId: string, fromSeq: number, lines: readonly string[]) => appendSync.call(traces, runId, fromSeq, lines) }),
    read: (runId) => traces.read(runId),
    list: () => traces.list(),
    remove: (runId) => traces.remove(runId),
    async seal(runId) {
      await traces.seal(runId);
      await pruneTraces(traces, policy, now());
    },
  };
}
