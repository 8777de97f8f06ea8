/**
 * The store contract, written once: every case takes fresh, empty stores from `env.makeStores()`
 * and checks the port semantics every adapter must share (memory, SQLite, IndexedDB, KV + Durable
 * Objects). Run by each runtime's runner and, in Node, by test/stores/contract.test.ts against
 * every adapter. Web standards only: bundled into the Service Worker and the Worker.
 */
import type { QuarantineRecord, Stores } from '../../src/ports/index.ts';
import { faultyStores } from '../../src/stores/faulty.ts';
import { pruneTraces } from '../../src/stores/retention.ts';
import { assertLaunchAllowed } from '../../src/trust/quarantine.ts';
import { assert, assertEqual, assertRejects, type ConformanceCase, type ConformanceEnv } from './harness.ts';

const noStores = (env: ConformanceEnv) =>
  env.makeStores ? undefined : `${env.runtime}: no persistent stores in this environment (env.makeStores is absent)`;

function storeCase(name: string, run: (s: Stores, env: ConformanceEnv) => Promise<void>): ConformanceCase {
  return { name: `stores: ${name}`, skip: noStores, run: async (env) => run(await env.makeStores!(), env) };
}

/** Entries that name their run and position, so any interleaving or loss is visible on read. */
const entries = (runId: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ run: runId, seq: from + i, pad: 'x'.repeat((from + i) % 7) }));

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)));
  return b;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array, what: string): void {
  assert(a instanceof Uint8Array, `${what}: expected a Uint8Array, got ${String(a)}`);
  assertEqual(a.length, b.length, `${what}: length`);
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) throw new Error(`${what}: byte ${i} is ${a[i]}, expected ${b[i]}`);
}

const record = (identity: string, quarantined: boolean, at: number, reason = `reason ${at}`): QuarantineRecord =>
  ({ identity, quarantined, reason, at, by: at % 2 ? 'kernel' : 'admin-key-1' });

const byIdentity = (rs: QuarantineRecord[]) => [...rs].sort((a, b) => (a.identity < b.identity ? -1 : 1));

export const storeContractCases: ConformanceCase[] = [
  storeCase('traces keep appended batches in order and read them back exactly', async ({ traces }) => {
    const odd = ['{"s":"é 中 😀 \\u0000"}', '', '\t{"tab":1}', `{"big":"${'y'.repeat(65536)}"}`];
    await traces.append('run-a', 0, entries('run-a', 0, 3));
    await traces.append('run-a', 3, odd);
    await traces.append('run-a', 7, []);
    await traces.append('run-a', 7, entries('run-a', 7, 2));
    assertEqual(await traces.read('run-a'), [...entries('run-a', 0, 3), ...odd, ...entries('run-a', 7, 2)], 'read run-a');
  }),

  storeCase('list reports each run with its count, creation time and seal, in creation order', async ({ traces }) => {
    const t0 = Date.now();
    for (const id of ['run-c', 'run-a', 'run-b']) await traces.append(id, 0, entries(id, 0, id.length - 3));
    await traces.seal('run-a');
    const t1 = Date.now();
    const list = await traces.list();
    assertEqual(list.map((r) => [r.runId, r.count, r.sealed]), [['run-c', 2, false], ['run-a', 2, true], ['run-b', 2, false]], 'list');
    for (const r of list) assert(r.createdAt >= t0 - 1000 && r.createdAt <= t1 + 1000, `${r.runId}: createdAt ${r.createdAt} outside [${t0}, ${t1}]`);
  }),

  storeCase('a gap or an overlap is refused with TRACE_INVALID and leaves the trace unchanged', async ({ traces }) => {
    await traces.append('run', 0, entries('run', 0, 3));
    await assertRejects(() => traces.append('run', 4, entries('run', 4, 1)), 'TRACE_INVALID', 'gap (4 after 3)');
    await assertRejects(() => traces.append('run', 2, entries('run', 2, 2)), 'TRACE_INVALID', 'overlap (2 after 3)');
    await assertRejects(() => traces.append('run', 0, entries('run', 0, 1)), 'TRACE_INVALID', 'overlap (0 after 3)');
    assertEqual(await traces.read('run'), entries('run', 0, 3), 'trace after refusals');
    await traces.append('run', 3, entries('run', 3, 1));
    assertEqual((await traces.list())[0]?.count, 4, 'count after the next good append');
  }),

  storeCase('a run starts at entry 0; a refused first append creates no run', async ({ traces }) => {
    await assertRejects(() => traces.append('late', 2, entries('late', 2, 1)), 'TRACE_INVALID', 'first append at 2');
    await assertRejects(() => traces.read('late'), 'NOT_FOUND', 'read of a run never created');
    assertEqual(await traces.list(), [], 'list after the refusal');
  }),

  storeCase('malformed positions and lines are refused and store nothing', async ({ traces }) => {
    await traces.append('run', 0, entries('run', 0, 1));
    await assertRejects(() => traces.append('run', -1, []), 'TRACE_INVALID', 'fromSeq -1');
    await assertRejects(() => traces.append('run', 1.5, []), 'TRACE_INVALID', 'fromSeq 1.5');
    await assertRejects(() => traces.append('run', 1, ['{"ok":1}', 'two\nlines']), 'TRACE_INVALID', 'a line with a newline');
    await assertRejects(() => traces.append('run', 1, ['{"s":"\uD800"}']), 'TRACE_INVALID', 'a lone surrogate');
    await assertRejects(() => traces.append('', 0, []), 'BAD_REQUEST', 'an empty run id');
    assertEqual(await traces.read('run'), entries('run', 0, 1), 'trace after refusals');
  }),

  storeCase('every malformed position or batch is refused with TRACE_INVALID and stores nothing', async ({ traces }) => {
    await traces.append('run', 0, entries('run', 0, 1));
    const positions: [string, unknown][] = [['NaN', NaN], ['Infinity', Infinity], ['2^53', 2 ** 53], ['the string "1"', '1'], ['null', null]];
    for (const [what, at] of positions) await assertRejects(() => traces.append('run', at as number, []), 'TRACE_INVALID', `fromSeq ${what}`);
    const batches: [string, unknown][] = [
      ['not an array', '{"a":1}'], ['a number among the lines', ['{"a":1}', 1]], ['a carriage return', ['a\rb']], ['a NUL', ['a\0b']],
      ['a lone low surrogate', ['\uDC00']], ['a line break at the end', ['{"a":1}\n']],
    ];
    for (const [what, lines] of batches) await assertRejects(() => traces.append('run', 1, lines as string[]), 'TRACE_INVALID', `lines: ${what}`);
    await assertRejects(() => traces.append('fresh', 0, ['\uD800']), 'TRACE_INVALID', 'a refused first batch');
    assertEqual(await traces.read('run'), entries('run', 0, 1), 'trace after refusals');
    assertEqual((await traces.list()).map((r) => [r.runId, r.count]), [['run', 1]], 'no run created by a refused first batch');
  }),

  storeCase('a bad run id is BAD_REQUEST for append, read, seal and remove alike; the longest good one works', async ({ traces }) => {
    await traces.append('run', 0, entries('run', 0, 2));
    const bad: [string, unknown][] = [['empty', ''], ['513 characters', 'r'.repeat(513)], ['a lone surrogate', 'run\uD800'], ['a number', 7], ['undefined', undefined]];
    for (const [what, id] of bad) {
      const runId = id as string;
      await assertRejects(() => traces.append(runId, 0, entries('x', 0, 1)), 'BAD_REQUEST', `append, ${what}`);
      await assertRejects(() => traces.read(runId), 'BAD_REQUEST', `read, ${what}`);
      await assertRejects(() => traces.seal(runId), 'BAD_REQUEST', `seal, ${what}`);
      await assertRejects(() => traces.remove(runId), 'BAD_REQUEST', `remove, ${what}`);
    }
    // A lone surrogate would become U+FFFD in SQLite and KV, and then name another run.
    await traces.append('run\uFFFD', 0, entries('other', 0, 1));
    await assertRejects(() => traces.read('run\uD800'), 'BAD_REQUEST', 'read of the id that would be mangled into a stored one');
    const longest = `${'r'.repeat(511)}é`;
    await traces.append(longest, 0, entries(longest, 0, 1));
    assertEqual(await traces.read(longest), entries(longest, 0, 1), 'a 512-character run id');
    assertEqual((await traces.list()).map((r) => [r.runId, r.count, r.sealed]), [['run', 2, false], ['run\uFFFD', 1, false], [longest, 1, false]], 'list after refusals');
    assertEqual(await traces.read('run'), entries('run', 0, 2), 'trace after refusals');
  }),

  storeCase('a sealed run takes no more entries; sealing twice is harmless; unknown runs are NOT_FOUND', async ({ traces }) => {
    await traces.append('run', 0, entries('run', 0, 2));
    await traces.seal('run');
    await traces.seal('run');
    await assertRejects(() => traces.append('run', 2, entries('run', 2, 1)), 'TRACE_INVALID', 'append after seal');
    assertEqual(await traces.read('run'), entries('run', 0, 2), 'sealed trace');
    assertEqual((await traces.list()).map((r) => [r.count, r.sealed]), [[2, true]], 'list after seal');
    await assertRejects(() => traces.seal('nope'), 'NOT_FOUND', 'seal of an unknown run');
    await assertRejects(() => traces.read('nope'), 'NOT_FOUND', 'read of an unknown run');
  }),

  storeCase('remove deletes a whole trace; the id can start again; removing an unknown run is harmless', async ({ traces }) => {
    await traces.append('keep', 0, entries('keep', 0, 2));
    await traces.append('drop', 0, entries('drop', 0, 5));
    await traces.seal('drop');
    await traces.remove('drop');
    await traces.remove('never-was');
    await assertRejects(() => traces.read('drop'), 'NOT_FOUND', 'read after remove');
    assertEqual((await traces.list()).map((r) => r.runId), ['keep'], 'list after remove');
    await traces.append('drop', 0, entries('drop', 0, 1));
    assertEqual(await traces.read('drop'), entries('drop', 0, 1), 'a new trace under the removed id');
    assertEqual(await traces.read('keep'), entries('keep', 0, 2), 'the other trace');
  }),

  storeCase('concurrent appends to different runs never interleave', async ({ traces }) => {
    const ids = Array.from({ length: 6 }, (_, i) => `concurrent-${i}`);
    await Promise.all(ids.map(async (id, k) => {
      let seq = 0;
      for (let b = 0; b < 12; b++) {
        const n = 1 + ((b + k) % 5);
        await traces.append(id, seq, entries(id, seq, n));
        seq += n;
      }
    }));
    for (const [k, id] of ids.entries()) {
      const total = Array.from({ length: 12 }, (_, b) => 1 + ((b + k) % 5)).reduce((a, b) => a + b, 0);
      assertEqual(await traces.read(id), entries(id, 0, total), `trace ${id}`);
    }
  }),

  storeCase('two appends racing for one position: exactly one is stored, the other is TRACE_INVALID', async ({ traces }) => {
    for (const at of [0, 1]) {
      if (at === 1) await traces.append('race1', 0, ['{"first":true}']);
      const id = `race${at}`;
      const outcomes = await Promise.allSettled([traces.append(id, at, ['{"w":"A"}', '{"w":"A2"}']), traces.append(id, at, ['{"w":"B"}'])]);
      const won = outcomes.filter((o) => o.status === 'fulfilled').length;
      assertEqual(won, 1, `appends at ${at} that succeeded`);
      const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      assertEqual((lost.reason as { code?: string }).code, 'TRACE_INVALID', 'the loser');
      const tail = (await traces.read(id)).slice(at);
      assert(JSON.stringify(tail) === JSON.stringify(['{"w":"A"}', '{"w":"A2"}']) || JSON.stringify(tail) === JSON.stringify(['{"w":"B"}']),
        `stored tail is one whole batch, got ${JSON.stringify(tail)}`);
    }
  }),

  storeCase('retention by count deletes the oldest whole traces, never a live one', async ({ traces }) => {
    const ids = ['r0', 'r1-live', 'r2', 'r3', 'r4'];
    for (const [i, id] of ids.entries()) {
      await traces.append(id, 0, entries(id, 0, 3 + i));
      if (id !== 'r1-live') await traces.seal(id);
    }
    const now = Math.max(...(await traces.list()).map((r) => r.createdAt));
    const report = await pruneTraces(traces, { maxRuns: 2 }, now);
    assertEqual(report, { removed: ['r0', 'r2', 'r3'], kept: 2, overLimit: 0 }, 'prune report');
    assertEqual((await traces.list()).map((r) => [r.runId, r.count]), [['r1-live', 4], ['r4', 7]], 'list after prune');
    assertEqual(await traces.read('r1-live'), entries('r1-live', 0, 4), 'the live trace is whole');
    assertEqual(await traces.read('r4'), entries('r4', 0, 7), 'the newest trace is whole');
    for (const id of ['r0', 'r2', 'r3']) await assertRejects(() => traces.read(id), 'NOT_FOUND', `read ${id} after prune`);
    await traces.append('r1-live', 4, entries('r1-live', 4, 1));
  }),

  storeCase('retention by age deletes expired traces; an unsealed one only after its grace', async ({ traces }) => {
    for (const id of ['old-a', 'old-b', 'open']) await traces.append(id, 0, entries(id, 0, 2));
    await traces.seal('old-a');
    await traces.seal('old-b');
    const newest = Math.max(...(await traces.list()).map((r) => r.createdAt));
    assertEqual((await pruneTraces(traces, { maxAgeMs: 60_000 }, newest + 1000)).removed, [], 'nothing is older than a minute');
    assertEqual((await pruneTraces(traces, { maxAgeMs: 500 }, newest + 1000)).removed, ['old-a', 'old-b'], 'expired sealed traces');
    assertEqual((await traces.list()).map((r) => r.runId), ['open'], 'the unsealed trace is kept within its grace');
    assertEqual((await pruneTraces(traces, { maxAgeMs: 500, unsealedGraceMs: 900 }, newest + 1000)).removed, ['open'], 'an abandoned unsealed trace');
    assertEqual(await traces.list(), [], 'list at the end');
  }),

  storeCase('quarantine keeps the current state and every change, oldest first', async ({ quarantine }) => {
    assertEqual(await quarantine.get('t/abc'), undefined, 'unknown identity');
    assertEqual(await quarantine.history('t/abc'), [], 'history of an unknown identity');
    const changes = [record('t/abc', true, 1001, 'escalated: 5 denials'), record('t/abc', false, 2002, 'released by admin'), record('t/abc', true, 3003, 'é 中 😀')];
    for (const c of changes) await quarantine.put(c);
    assertEqual(await quarantine.get('t/abc'), changes[2], 'current state');
    assertEqual(await quarantine.history('t/abc'), changes, 'history');
  }),

  storeCase('quarantine list returns the current state of every identity', async ({ quarantine }) => {
    await quarantine.put(record('t/one', true, 1));
    await quarantine.put(record('t/two', true, 2));
    await quarantine.put(record('t/one', false, 3));
    assertEqual(byIdentity(await quarantine.list()), [record('t/one', false, 3), record('t/two', true, 2)], 'list');
    assertEqual((await quarantine.history('t/two')).length, 1, 'history of t/two');
  }),

  storeCase('a malformed quarantine record or identity is BAD_REQUEST and changes nothing', async ({ quarantine }) => {
    const good = record('t/q', true, 1);
    await quarantine.put(good);
    const bad: [string, unknown][] = [
      ['not an object', null], ['an empty identity', { ...good, identity: '' }], ['a 513-character identity', { ...good, identity: 'q'.repeat(513) }],
      ['an identity with a lone surrogate', { ...good, identity: 't/\uD800' }], ['quarantined as a string', { ...good, quarantined: 'false' }],
      ['no reason', { ...good, reason: undefined }], ['a reason with a lone surrogate', { ...good, reason: 'x\uDFFF' }],
      ['at NaN', { ...good, at: NaN }], ['at Infinity', { ...good, at: Infinity }], ['at as a string', { ...good, at: '2' }], ['by as a number', { ...good, by: 1 }],
    ];
    for (const [what, r] of bad) await assertRejects(() => quarantine.put(r as QuarantineRecord), 'BAD_REQUEST', `put, ${what}`);
    for (const [what, id] of [['empty', ''], ['513 characters', 'q'.repeat(513)], ['a lone surrogate', 't/\uD800'], ['a number', 3]] as [string, unknown][]) {
      await assertRejects(() => quarantine.get(id as string), 'BAD_REQUEST', `get, ${what}`);
      await assertRejects(() => quarantine.history(id as string), 'BAD_REQUEST', `history, ${what}`);
    }
    assertEqual(await quarantine.list(), [good], 'list after refusals');
    assertEqual(await quarantine.history('t/q'), [good], 'history after refusals');
  }),

  storeCase('quarantine keeps exactly the record fields, and what it hands out is a copy', async ({ quarantine }) => {
    const r = record('t/c', true, 1);
    await quarantine.put({ ...r, note: 'not a field of the port' } as QuarantineRecord);
    assertEqual(await quarantine.get('t/c'), r, 'extra fields are not stored');
    const got = (await quarantine.get('t/c')) as { reason: string };
    got.reason = 'forged';
    const history = await quarantine.history('t/c');
    history.push(record('t/c', false, 2));
    (history[0] as { quarantined: boolean }).quarantined = false;
    const list = await quarantine.list();
    list.length = 0;
    assertEqual(await quarantine.history('t/c'), [r], 'history after changing what was handed out');
    assertEqual(await quarantine.list(), [r], 'list after changing what was handed out');
  }),

  storeCase('packages come back byte-exact: empty, one byte, every byte value, 1 MiB', async ({ packages }) => {
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['one', new Uint8Array([0])],
      ['all-values', Uint8Array.from({ length: 512 }, (_, i) => i % 256)],
      ['one-mib', randomBytes(1024 * 1024)],
    ];
    for (const [digest, bytes] of cases) await packages.put(digest, bytes);
    for (const [digest, bytes] of cases) sameBytes(await packages.get(digest), bytes, `package ${digest}`);
  }),

  storeCase('packages are copied in and out; a view stores only its own bytes', async ({ packages }) => {
    const backing = Uint8Array.from({ length: 64 }, (_, i) => i);
    const view = backing.subarray(10, 20);
    await packages.put('view', view);
    backing.fill(0xff);
    const got = await packages.get('view');
    sameBytes(got, Uint8Array.from({ length: 10 }, (_, i) => 10 + i), 'package stored from a view');
    got![0] = 0xee;
    sameBytes(await packages.get('view'), Uint8Array.from({ length: 10 }, (_, i) => 10 + i), 'package after mutating a read copy');
  }),

  storeCase('packages list and remove; an absent package is undefined', async ({ packages }) => {
    assertEqual(await packages.get('absent'), undefined, 'absent package');
    await packages.put('p1', new Uint8Array([1]));
    await packages.put('p2', new Uint8Array([2]));
    await packages.put('p1', new Uint8Array([1]));
    assertEqual((await packages.list()).sort(), ['p1', 'p2'], 'list');
    await packages.remove('p1');
    await packages.remove('absent');
    assertEqual(await packages.list(), ['p2'], 'list after remove');
    assertEqual(await packages.get('p1'), undefined, 'removed package');
  }),

  storeCase('a bad package digest or bytes that are not a Uint8Array are BAD_REQUEST and store nothing', async ({ packages }) => {
    await packages.put('pkg', new Uint8Array([1, 2]));
    for (const [what, d] of [['empty', ''], ['513 characters', 'd'.repeat(513)], ['a lone surrogate', 'd\uDC00'], ['a number', 5]] as [string, unknown][]) {
      const digest = d as string;
      await assertRejects(() => packages.put(digest, new Uint8Array([9])), 'BAD_REQUEST', `put, ${what}`);
      await assertRejects(() => packages.get(digest), 'BAD_REQUEST', `get, ${what}`);
      await assertRejects(() => packages.remove(digest), 'BAD_REQUEST', `remove, ${what}`);
    }
    const notBytes: [string, unknown][] = [['an ArrayBuffer', new ArrayBuffer(2)], ['an array', [1, 2]], ['a string', 'bytes'], ['a DataView', new DataView(new ArrayBuffer(2))], ['undefined', undefined]];
    for (const [what, b] of notBytes) {
      await assertRejects(() => packages.put('pkg', b as Uint8Array), 'BAD_REQUEST', `bytes: ${what}`);
      await assertRejects(() => packages.put('other', b as Uint8Array), 'BAD_REQUEST', `bytes: ${what}, new digest`);
    }
    assertEqual(await packages.list(), ['pkg'], 'list after refusals');
    sameBytes(await packages.get('pkg'), new Uint8Array([1, 2]), 'package after refusals');
  }),

  storeCase('a store keeps what it checked and hands out copies: changing either side changes nothing stored', async ({ traces, packages }) => {
    const lines = entries('run', 0, 3);
    const appended = traces.append('run', 0, lines);
    lines[0] = 'two\nlines';
    await appended;
    const read = await traces.read('run');
    read[1] = 'forged';
    read.push('{"extra":true}');
    const list = await traces.list();
    (list[0] as { count: number }).count = 99;
    await packages.put('p', new Uint8Array([1]));
    (await packages.list()).push('ghost');
    assertEqual(await traces.read('run'), entries('run', 0, 3), 'trace after changing the batch in flight and the read copy');
    assertEqual((await traces.list()).map((r) => [r.runId, r.count]), [['run', 3]], 'list after changing a listed run');
    assertEqual(await packages.list(), ['p'], 'package list after changing a listed copy');
    await traces.append('run', 3, entries('run', 3, 1));
  }),

  storeCase('a failing store reports STORE_UNAVAILABLE with its cause and loses nothing stored', async (inner) => {
    await inner.traces.append('run', 0, entries('run', 0, 3));
    await inner.quarantine.put(record('t/x', true, 1));
    await inner.packages.put('pkg', new Uint8Array([7, 8, 9]));
    const s = faultyStores(inner, [{ op: 'traces.append' }, { op: 'quarantine.put' }, { op: 'packages.*' }]);
    const e = await assertRejects(() => s.traces.append('run', 3, entries('run', 3, 2)), 'STORE_UNAVAILABLE', 'append on a full store');
    assert(e.cause instanceof DOMException && e.cause.name === 'QuotaExceededError', `cause is the platform error, got ${String(e.cause)}`);
    assert(e.message.includes('QuotaExceededError'), `message names the cause: ${e.message}`);
    await assertRejects(() => s.quarantine.put(record('t/x', false, 2)), 'STORE_UNAVAILABLE', 'quarantine put');
    await assertRejects(() => s.packages.get('pkg'), 'STORE_UNAVAILABLE', 'package get');
    s.heal();
    assertEqual(await s.traces.read('run'), entries('run', 0, 3), 'trace after the failures');
    assertEqual(await s.quarantine.history('t/x'), [record('t/x', true, 1)], 'quarantine history after the failures');
    sameBytes(await s.packages.get('pkg'), new Uint8Array([7, 8, 9]), 'package after the failures');
    await s.traces.append('run', 3, entries('run', 3, 2));
  }),

  storeCase('a quarantine store that cannot answer makes the launch check refuse (fail closed); healed, it decides again', async (inner) => {
    await inner.quarantine.put(record('t/held', true, 1));
    const s = faultyStores(inner, [{ op: 'quarantine.get', error: () => new Error('Network connection lost.') }]);
    for (const id of ['t/held', 't/never-seen']) await assertRejects(() => assertLaunchAllowed(s.quarantine, id), 'STORE_UNAVAILABLE', `launch of ${id} while the store fails`);
    s.heal();
    await assertRejects(() => assertLaunchAllowed(s.quarantine, 't/held'), 'QUARANTINED', 'launch of the quarantined identity');
    await assertLaunchAllowed(s.quarantine, 't/never-seen');
    assertEqual(await s.quarantine.history('t/held'), [record('t/held', true, 1)], 'history after the failures');
  }),

  storeCase('a lost acknowledgement: the batch is stored, and its retry is refused as an overlap', async (inner) => {
    await inner.traces.append('run', 0, entries('run', 0, 2));
    const s = faultyStores(inner, [{ op: 'traces.append', when: 'after', times: 1, error: () => new Error('Network connection lost.') }]);
    await assertRejects(() => s.traces.append('run', 2, entries('run', 2, 2)), 'STORE_UNAVAILABLE', 'append whose reply was lost');
    await assertRejects(() => s.traces.append('run', 2, entries('run', 2, 2)), 'TRACE_INVALID', 'the retry');
    assertEqual((await s.traces.list())[0]?.count, 4, 'count tells the caller the batch is in');
    assertEqual(await s.traces.read('run'), entries('run', 0, 4), 'trace');
  }),
];
