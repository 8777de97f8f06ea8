/**
 * The store core (src/stores/create.ts) over drivers that misbehave the ways a host can: a raw
 * platform error from any method, a refusal with no reason, damaged package bytes, a Node Buffer
 * handed in. The contract (test/conformance/stores.ts) holds every real store to the same rules;
 * these cases reach the paths a well-behaved driver never takes.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { KernelError } from '../../src/errors.ts';
import type { PackageDriver } from '../../src/ports/package-store.ts';
import type { TraceDriver } from '../../src/ports/trace-store.ts';
import { createPackageStore, createStores, createTraceStore } from '../../src/stores/create.ts';
import { memoryPackageDriver, memoryQuarantineDriver, memoryTraceDriver } from '../../src/stores/memory.ts';

const isCode = (code: string, test?: (e: KernelError) => boolean) => (e: unknown) =>
  e instanceof KernelError && e.code === code && (test?.(e) ?? true);

/** Every method of `driver` throws `error()`, synchronously or as a rejection. */
function failing<T extends object>(error: () => unknown): T {
  return new Proxy({} as T, { get: (_t, key) => (key === 'then' ? undefined : () => { throw error(); }) });
}

it('a raw error from any driver method is STORE_UNAVAILABLE naming the store and operation, with the error as cause', async () => {
  const cause = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  const s = createStores('test', { traces: failing(() => cause), quarantine: failing(() => cause), packages: failing(() => cause) });
  const calls: [string, () => Promise<unknown>][] = [
    ['traces.append', () => s.traces.append('r', 0, ['{}'])], ['traces.read', () => s.traces.read('r')], ['traces.seal', () => s.traces.seal('r')],
    ['traces.list', () => s.traces.list()], ['traces.remove', () => s.traces.remove('r')],
    ['quarantine.get', () => s.quarantine.get('t/x')], ['quarantine.put', () => s.quarantine.put({ identity: 't/x', quarantined: true, reason: 'r', at: 1, by: 'kernel' })],
    ['quarantine.list', () => s.quarantine.list()], ['quarantine.history', () => s.quarantine.history('t/x')],
    ['packages.put', () => s.packages.put('p', new Uint8Array(1))], ['packages.get', () => s.packages.get('p')],
    ['packages.list', () => s.packages.list()], ['packages.remove', () => s.packages.remove('p')],
  ];
  for (const [op, call] of calls) {
    await assert.rejects(call(), isCode('STORE_UNAVAILABLE', (e) => e.cause === cause && e.details['op'] === op && e.details['store'] === 'test'
      && e.message.includes('QuotaExceededError')), op);
  }
  await assert.rejects(s.prune({ maxRuns: 0 }), isCode('STORE_UNAVAILABLE'), 'prune');
});

it('a KernelError a driver decided on passes through unchanged', async () => {
  const decided = new KernelError('STORE_UNAVAILABLE', 'kv store: package p chunk 1 of 2 is not visible yet; retry', { digest: 'p' });
  const packages = createPackageStore('test', failing<PackageDriver>(() => decided));
  await assert.rejects(packages.get('p'), (e: unknown) => e === decided);
});

it('appendSync checks, decides and translates synchronously, like append', () => {
  const counts = new Map<string, number>();
  const driver: TraceDriver = { ...memoryTraceDriver(), appendSync: (runId, fromSeq, lines) => {
    if (runId === 'boom') throw Object.assign(new Error('database is locked'), { errcode: 5, errstr: 'database is locked' });
    const count = counts.get(runId) ?? 0;
    if (count !== fromSeq) return { stored: false, found: { count, sealed: false } };
    counts.set(runId, count + lines.length);
    return { stored: true };
  } };
  const traces = createTraceStore('test', driver);
  assert.ok(traces.appendSync);
  traces.appendSync('r', 0, ['{}', '{}']);
  assert.throws(() => traces.appendSync!('r', 1, ['{}']), isCode('TRACE_INVALID', (e) => /append at entry 1 but 2 are stored/.test(e.message)));
  assert.throws(() => traces.appendSync!('', 0, []), isCode('BAD_REQUEST'));
  assert.throws(() => traces.appendSync!('r', 2, ['a\nb']), isCode('TRACE_INVALID'));
  assert.throws(() => traces.appendSync!('boom', 0, ['{}']), isCode('STORE_UNAVAILABLE', (e) => (e.details['platformError'] as { code?: number }).code === 5));
  assert.equal(counts.get('r'), 2, 'nothing refused reached the driver');
  assert.equal(createTraceStore('test', memoryTraceDriver()).appendSync, undefined, 'no appendSync where the driver has none');
});

it('a refusal that gives no reason is the store failing (STORE_UNAVAILABLE), never a silent success', async () => {
  const driver: TraceDriver = { ...memoryTraceDriver(), append: async () => ({ stored: false, found: { count: 0, sealed: false } }) };
  await assert.rejects(createTraceStore('test', driver).append('r', 0, ['{}']), isCode('STORE_UNAVAILABLE', (e) => /no reason/.test(e.message)));
  const sealed: TraceDriver = { ...memoryTraceDriver(), append: async () => ({ stored: false, found: { count: 0, sealed: true } }) };
  await assert.rejects(createTraceStore('test', sealed).append('r', 0, ['{}']), isCode('TRACE_INVALID', (e) => /sealed/.test(e.message)));
});

it('damaged package bytes are STORE_UNAVAILABLE, never short or foreign bytes', async () => {
  const answers: [string, unknown][] = [['short', { bytes: new Uint8Array(2), size: 3 }], ['an ArrayBuffer', { bytes: new ArrayBuffer(3), size: 3 }], ['nothing', { size: 3 }]];
  for (const [what, answer] of answers) {
    const driver: PackageDriver = { ...memoryPackageDriver(), get: async () => answer as never };
    await assert.rejects(createPackageStore('test', driver).get('p'), isCode('STORE_UNAVAILABLE', (e) => /damaged/.test(e.message)), what);
  }
});

it('a Node Buffer is copied in and out (its slice would share memory)', async () => {
  const packages = createPackageStore('test', memoryPackageDriver());
  const pool = Buffer.from([1, 2, 3, 4, 5, 6]);
  await packages.put('p', pool.subarray(1, 4));
  pool.fill(0);
  const got = await packages.get('p');
  assert.deepEqual(got, new Uint8Array([2, 3, 4]));
  assert.equal(Object.getPrototypeOf(got), Uint8Array.prototype, 'a plain Uint8Array comes back');
});

it('configured retention runs after every seal and keeps appendSync; prune() defaults to it', async () => {
  let t = 0;
  const inner = memoryTraceDriver();
  const traces: TraceDriver = { ...inner, appendSync: () => ({ stored: true }) };
  const s = createStores('test', { traces, quarantine: memoryQuarantineDriver(), packages: memoryPackageDriver() }, { now: () => t, retention: { maxRuns: 1 } });
  assert.ok(s.traces.appendSync, 'retention keeps the synchronous path');
  for (const id of ['a', 'b']) { t += 10; await s.traces.append(id, 0, ['{}']); }
  await s.traces.seal('a');
  assert.deepEqual((await s.traces.list()).map((r) => r.runId), ['b'], 'the sealed a went at its seal');
  t += 25 * 60 * 60 * 1000;
  await s.traces.append('c', 0, ['{}']);
  assert.deepEqual(await s.prune(), { removed: ['b'], kept: 1, overLimit: 0 }, 'prune() applies the configured policy');
  assert.throws(() => createStores('test', { traces, quarantine: memoryQuarantineDriver(), packages: memoryPackageDriver() }, { retention: { maxRuns: -1 } }), isCode('CONFIG_INVALID'));
});
