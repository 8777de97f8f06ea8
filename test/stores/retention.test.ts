/**
 * The retention algorithm (src/stores/retention.ts) on its own: the decisions every adapter
 * applies. Properties over random run lists (fast-check) plus the cases that matter by name.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { KernelError } from '../../src/errors.ts';
import type { TraceRunInfo } from '../../src/ports/trace-store.ts';
import { memoryTraceStore } from '../../src/stores/memory.ts';
import { planPrune, pruneTraces, withRetention } from '../../src/stores/retention.ts';

const NOW = 1_000_000;
const run = (runId: string, createdAt: number, sealed = true, count = 1): TraceRunInfo => ({ runId, createdAt, sealed, count });

const runsArb = fc.uniqueArray(fc.record({ runId: fc.string({ minLength: 1, maxLength: 6 }), createdAt: fc.integer({ min: 0, max: NOW }), sealed: fc.boolean(), count: fc.nat(50) }), { selector: (r) => r.runId, maxLength: 30 });
const policyArb = fc.record({ maxRuns: fc.option(fc.nat(20), { nil: undefined }), maxAgeMs: fc.option(fc.nat(NOW), { nil: undefined }), unsealedGraceMs: fc.nat(NOW) });

it('never removes a live trace; removes oldest first; meets maxRuns unless live traces prevent it', () => {
  fc.assert(fc.property(runsArb, policyArb, (runs, p) => {
    const policy = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
    const { remove, overLimit } = planPrune(runs, policy, NOW);
    const removed = new Set(remove);
    const deletable = (r: TraceRunInfo) => r.sealed || NOW - r.createdAt >= p.unsealedGraceMs;
    for (const r of runs) if (removed.has(r.runId)) assert.ok(deletable(r), `removed live run ${r.runId}`);
    const order = new Map(runs.map((r, i) => [r.runId, i]));
    const byAge = (a: TraceRunInfo, b: TraceRunInfo) => a.createdAt - b.createdAt || order.get(a.runId)! - order.get(b.runId)!;
    const removedRuns = runs.filter((r) => removed.has(r.runId)).sort(byAge);
    assert.deepEqual(remove, removedRuns.map((r) => r.runId), 'reported oldest first');
    const left = runs.length - remove.length;
    if (p.maxAgeMs !== undefined) {
      for (const r of runs) if (deletable(r) && NOW - r.createdAt > p.maxAgeMs) assert.ok(removed.has(r.runId), `expired ${r.runId} kept`);
    }
    if (p.maxRuns !== undefined) {
      assert.equal(overLimit, Math.max(0, left - p.maxRuns));
      if (overLimit > 0) for (const r of runs) if (!removed.has(r.runId)) assert.ok(!deletable(r), `could have removed ${r.runId}`);
      if (p.maxAgeMs === undefined) {
        // Count-only: every removed trace is older than every deletable trace kept.
        const keptDeletable = runs.filter((r) => !removed.has(r.runId) && deletable(r));
        for (const a of removedRuns) for (const b of keptDeletable) assert.ok(byAge(a, b) < 0, `${a.runId} removed before older ${b.runId}`);
      }
    } else if (p.maxAgeMs === undefined) {
      assert.equal(remove.length, 0, 'no limit, nothing removed');
    }
  }));
});

it('ties on createdAt are broken by creation (list) order', () => {
  const runs = [run('c', 5), run('a', 5), run('b', 5)];
  assert.deepEqual(planPrune(runs, { maxRuns: 1 }, NOW).remove, ['c', 'a']);
});

it('an invalid policy is CONFIG_INVALID naming the field', () => {
  assert.throws(() => planPrune([], { maxRuns: -1 }, NOW), (e: unknown) => e instanceof KernelError && e.code === 'CONFIG_INVALID' && /maxRuns/.test(e.message));
  assert.throws(() => planPrune([], { maxRuns: 1, keep: 3 } as never, NOW), (e: unknown) => e instanceof KernelError && e.code === 'CONFIG_INVALID');
});

it('withRetention prunes after each seal; pruneTraces reports what it removed', async () => {
  let t = 0;
  const inner = memoryTraceStore(() => t);
  const store = withRetention(inner, { maxRuns: 2 }, () => t);
  for (const id of ['a', 'b', 'c']) { t += 10; await store.append(id, 0, ['{}']); }
  assert.equal((await store.list()).length, 3, 'appends alone never prune');
  await store.seal('b');
  assert.deepEqual((await store.list()).map((r) => r.runId), ['a', 'c'], 'the sealed b was the only deletable trace');
  t += 25 * 60 * 60 * 1000;
  assert.deepEqual(await pruneTraces(inner, { maxRuns: 1 }, t), { removed: ['a'], kept: 1, overLimit: 0 }, 'an abandoned unsealed trace goes after its grace');
});
