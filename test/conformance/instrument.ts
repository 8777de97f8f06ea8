/**
 * Fuel and memory caps in every host: fixtures are instrumented here (pure JS, so in the host
 * itself) and compiled through the host's platform loader — in workerd that finds the module the
 * lead's bundler instrumented at deploy time, by the digest of the same deterministic bytes.
 */
import { nobleCrypto } from '../../src/crypto/noble.ts';
import { toHex } from '../../src/lib/encoding.ts';
import { FUEL_EXPORT, instrument, type InstrumentOptions } from '../../src/execution/instrument/index.ts';
import { assert, assertEqual, type ConformanceCase, type ConformanceEnv } from './harness.ts';

/**
 * The only option sets conformance cases instrument with. The bundler for hosts that cannot
 * compile at run time imports this list and bundles every fixture instrumented with each.
 */
export const INSTRUMENT_VARIANTS: readonly InstrumentOptions[] = [{}, { memoryMaxPages: 16 }];

// Fuel figures pinned from the model in docs/limits.md; every host must charge exactly these.
const SPIN_FUEL: Record<string, bigint> = { spin: 1_000_001n, spin_if: 1_000_008n };
const MACHINE_5000 = { value: 298115832n, used: 168748n };
const FIB_20_FUEL = 207960n;
const FILL_FOREVER_FUEL = 10_002_339n;

interface Guest {
  readonly exports: WebAssembly.Exports;
  readonly fuel: WebAssembly.Global;
}

async function load(env: ConformanceEnv, name: string, options: InstrumentOptions): Promise<Guest> {
  const out = instrument(env.fixture(name), options);
  const module = await env.platform.wasm.load(out.bytes, toHex(nobleCrypto.sha256(out.bytes)));
  const instance = await WebAssembly.instantiate(module, {});
  return { exports: instance.exports, fuel: instance.exports[FUEL_EXPORT] as WebAssembly.Global };
}

/** Runs an export with `budget` fuel; returns its value (or the trap) and the fuel charged. */
function run(g: Guest, name: string, args: readonly number[], budget: bigint): { value?: unknown; trapped: boolean; used: bigint; remaining: bigint } {
  g.fuel.value = budget;
  try {
    const value = (g.exports[name] as (...a: number[]) => unknown)(...args);
    const remaining = g.fuel.value as bigint;
    return { value, trapped: false, used: budget - remaining, remaining };
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError)) throw e;
    const remaining = g.fuel.value as bigint;
    return { trapped: true, used: budget - remaining, remaining };
  }
}

export const instrumentCases: ConformanceCase[] = [
  {
    name: 'instrument: an infinite loop is stopped by fuel, at the same point in every host',
    async run(env) {
      const g = await load(env, 'fuel-loop', {});
      for (const fn of ['spin', 'spin_if']) {
        const r = run(g, fn, [3], 1_000_000n);
        assert(r.trapped, `${fn} traps when its fuel is spent`);
        assert(r.remaining < 0n, `${fn}: the fuel global is below zero (${r.remaining})`);
        assertEqual(r.used, SPIN_FUEL[fn], `${fn}: fuel charged when exhausted`);
      }
    },
  },
  {
    name: 'instrument: fuel used is identical in every host (loops, br_table dispatch, recursion)',
    async run(env) {
      const loop = await load(env, 'fuel-loop', {});
      assertEqual(run(loop, 'count', [1000], 10n ** 12n), { value: 1000, trapped: false, used: 9010n, remaining: 10n ** 12n - 9010n }, 'count(1000)');
      const nested = await load(env, 'fuel-nested', { memoryMaxPages: 16 });
      assertEqual(run(nested, 'nest3', [5], 10n ** 12n).used, 2551n, 'nest3(5)');
      const machine = run(nested, 'machine', [5000], 10n ** 12n);
      assertEqual(machine.value, MACHINE_5000.value, 'machine(5000)');
      assertEqual(machine.used, MACHINE_5000.used, 'machine(5000) fuel');
      const rec = await load(env, 'fuel-recursion', {});
      const fib = run(rec, 'fib', [20], 10n ** 12n);
      assertEqual(fib.value, 6765, 'fib(20)');
      assertEqual(fib.used, FIB_20_FUEL, 'fib(20) fuel');
    },
  },
  {
    name: 'instrument: memory.grow past the cap returns -1 in every host',
    async run(env) {
      const g = await load(env, 'fuel-grow', { memoryMaxPages: 16 });
      assertEqual(run(g, 'bomb', [], 10n ** 12n).value, 16, 'the grow bomb ends at the 16-page cap');
      assertEqual(run(g, 'grow_until', [5], 10n ** 12n).value, 0, 'nothing is left to grow');
    },
  },
  {
    name: 'instrument: bulk memory is charged by length in every host',
    async run(env) {
      const g = await load(env, 'fuel-bulk', {});
      const r = run(g, 'fill_forever', [], 10_000_000n);
      assert(r.trapped && r.remaining < 0n, 'an endless 64 KiB memory.fill loop runs out of fuel');
      assertEqual(r.used, FILL_FOREVER_FUEL, 'fuel charged when exhausted');
    },
  },
];
