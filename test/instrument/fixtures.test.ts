/**
 * The WAT fixtures (test/fixtures/wat/fuel-*.wat), instrumented with each option set the bundler
 * uses: the result validates, computes exactly what the original computes, stops endless loops
 * with the fuel global below zero, charges the same fuel on every run, and caps memory.grow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instrument, FUEL_EXPORT } from '../../src/execution/instrument/index.ts';
import { INSTRUMENT_VARIANTS } from '../conformance/instrument.ts';
import { call, callPlain, fixture, instantiate } from './helpers.ts';

/** Export → argument lists; each is called on the original and on the instrumented module. */
const CALLS: Record<string, Record<string, unknown[][]>> = {
  'fuel-loop': { count: [[0], [1], [1000]] },
  'fuel-nested': { machine: [[0], [1], [17], [5000]], nest3: [[1], [7], [20]] },
  'fuel-recursion': { fib: [[0], [1], [20]], ack: [[2, 3], [3, 3]], even: [[0], [7], [1000]] },
  'fuel-multivalue': { fib_mv: [[0], [1], [30]], divmod_sum: [[0], [9], [1000]] },
  'fuel-simd': { fill: [[64]], mix: [[1], [200]] },
  'fuel-bulk': { churn: [[1], [300]] },
  'fuel-grow': { size: [[]], grow_until: [[3]] },
};

for (const options of INSTRUMENT_VARIANTS) {
  for (const [name, calls] of Object.entries(CALLS)) {
    test(`${name} ${JSON.stringify(options)}: validates and behaves as the original`, async () => {
      const original = await fixture(name);
      const out = instrument(original, options);
      assert.equal(out.fuelExport, FUEL_EXPORT);
      assert.ok(WebAssembly.validate(out.bytes as Uint8Array<ArrayBuffer>), 'the instrumented module validates');
      assert.deepEqual(instrument(original, options).bytes, out.bytes, 'instrumentation is deterministic');
      for (const [fn, argLists] of Object.entries(calls)) {
        for (const args of argLists) {
          // Fresh instances per call: some exports consume state (data.drop, memory.grow).
          const want = callPlain((await instantiate(original)).exports, fn, args);
          const got = call(await instantiate(out.bytes), fn, args);
          assert.deepEqual({ value: got.value, trap: got.trap }, { value: want.value, trap: want.trap }, `${fn}(${args.join(', ')})`);
          assert.equal(got.trap, undefined, `${fn}(${args.join(', ')}) runs to completion`);
          assert.ok(got.used > 0n, `${fn}(${args.join(', ')}) is charged`);
          assert.equal(call(await instantiate(out.bytes), fn, args).used, got.used, `${fn}(${args.join(', ')}) costs the same on another instance`);
        }
      }
    });
  }
}

test('an endless loop ends in a trap with the fuel global below zero, after the same fuel every time', async () => {
  const m = await instantiate(instrument(await fixture('fuel-loop')).bytes);
  for (const fn of ['spin', 'spin_if']) {
    const runs = [call(m, fn, [], 1_000_000n), call(m, fn, [5], 1_000_000n), call(m, fn, [], 1_000_000n)];
    for (const r of runs) {
      assert.match(r.trap ?? '', /unreachable/);
      assert.ok(r.remaining < 0n, `${fn}: fuel global ${r.remaining} < 0`);
    }
    assert.equal(runs[0]!.used, runs[2]!.used, `${fn}: identical exhaustion point`);
  }
});

test('fuel counts instructions: 9 per iteration of count(), 18n³ + 10n² + 10n + 1 for nest3(n)', async () => {
  const loop = await instantiate(instrument(await fixture('fuel-loop')).bytes);
  assert.equal(call(loop, 'count', [2000]).used - call(loop, 'count', [1000]).used, 9000n);
  const nested = await instantiate(instrument(await fixture('fuel-nested')).bytes);
  for (const n of [1, 5, 9]) {
    assert.equal(call(nested, 'nest3', [n]).used, BigInt(18 * n ** 3 + 10 * n ** 2 + 10 * n + 1), `nest3(${n})`);
  }
});

test('a budget that runs out mid-way stops the guest; a larger one lets it finish', async () => {
  const m = await instantiate(instrument(await fixture('fuel-recursion')).bytes);
  const full = call(m, 'fib', [18]);
  assert.equal(full.value, 2584);
  const short = call(m, 'fib', [18], full.used - 1n);
  assert.ok(short.trap && short.remaining < 0n, 'one unit short traps');
  assert.equal(call(m, 'fib', [18], full.used).value, 2584, 'the exact budget suffices');
});

test('bulk memory is charged by length: an endless 64 KiB memory.fill runs out of fuel fast', async () => {
  const bytes = instrument(await fixture('fuel-bulk')).bytes;
  const r = call(await instantiate(bytes), 'fill_forever', [], 10_000_000n);
  assert.ok(r.trap && r.remaining < 0n);
  assert.ok(r.used < 10_010_000n, 'the last charge is one fill of 4096 units and the loop');
  const one = call(await instantiate(bytes), 'churn', [1]).used, two = call(await instantiate(bytes), 'churn', [2]).used;
  assert.ok(two - one >= BigInt((21 >> 4) + (256 >> 4)), `one more churn iteration costs ${two - one}`);
});

test('memory.grow past the cap returns -1; the module keeps growing without one', async () => {
  const original = await fixture('fuel-grow');
  const capped = instrument(original, { memoryMaxPages: 16 });
  assert.equal(capped.memoryMaxPages, 16);
  assert.equal(instrument(original).memoryMaxPages, undefined, 'no maximum declared, no cap given');
  const m = await instantiate(capped.bytes);
  assert.equal(call(m, 'grow_until', [100]).value, 15, 'from 1 page to the cap of 16');
  assert.equal(call(m, 'size').value, 16);
  const bomb = await instantiate(capped.bytes);
  assert.equal(call(bomb, 'bomb').value, 16, 'the bomb stops at the cap');
  const free = await instantiate(instrument(original).bytes);
  assert.equal(call(free, 'grow_until', [40]).value, 40);
});
