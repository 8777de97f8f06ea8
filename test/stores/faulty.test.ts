/** The fault injector (src/stores/faulty.ts): which calls fail, how, and that healing restores them. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { KernelError } from '../../src/errors.ts';
import { faultyStores } from '../../src/stores/faulty.ts';
import { memoryStores } from '../../src/stores/memory.ts';

const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof KernelError ? e.code : `not a KernelError: ${String(e)}`));

it('after/times pick which matching calls fail; other operations are untouched', async () => {
  const s = faultyStores(memoryStores(), [{ op: 'packages.get', after: 1, times: 2 }]);
  await s.packages.put('p', new Uint8Array([1]));
  const got = [];
  for (let i = 0; i < 4; i++) got.push(await code(s.packages.get('p')));
  assert.deepEqual(got, ['ok', 'STORE_UNAVAILABLE', 'STORE_UNAVAILABLE', 'ok']);
  assert.deepEqual(s.injected.map((f) => f.op), ['packages.get', 'packages.get']);
});

it('wildcards match a whole store or everything; heal stops injecting', async () => {
  const s = faultyStores(memoryStores(), [{ op: 'quarantine.*', error: () => new Error('Network connection lost.') }]);
  assert.equal(await code(s.quarantine.list()), 'STORE_UNAVAILABLE');
  assert.equal(await code(s.traces.list()), 'ok');
  const e = await s.quarantine.get('x').catch((x: unknown) => x as KernelError);
  assert.ok(e instanceof KernelError && e.message.includes('Network connection lost.') && e.details['op'] === 'quarantine.get');
  s.heal();
  assert.equal(await code(s.quarantine.list()), 'ok');
  const all = faultyStores(memoryStores(), [{ op: '*' }]);
  assert.equal(await code(all.traces.append('r', 0, [])), 'STORE_UNAVAILABLE');
});

it("a fault 'before' never reaches the store; 'after' performs the call and loses the reply", async () => {
  const inner = memoryStores();
  const before = faultyStores(inner, [{ op: 'traces.append', times: 1 }]);
  assert.equal(await code(before.traces.append('r', 0, ['{}'])), 'STORE_UNAVAILABLE');
  assert.equal((await inner.traces.list()).length, 0);
  const afterwards = faultyStores(inner, [{ op: 'traces.append', when: 'after', times: 1 }]);
  assert.equal(await code(afterwards.traces.append('r', 0, ['{}'])), 'STORE_UNAVAILABLE');
  assert.deepEqual(await inner.traces.read('r'), ['{}']);
});
