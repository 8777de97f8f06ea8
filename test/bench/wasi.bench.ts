/**
 * Syscall-heavy guests (10^6 clock_time_get, 10^5 16-byte fd_write) three ways, in one run:
 * through ForgeOne's gate with the policy graph and the DNA trace on (what `forge run --trace`
 * does), through the same WASI shim with a no-op gate (decide: allow, record: nothing), and under
 * Node's own node:wasi. Writes go to /dev/null, one host write per call, in all three. Per call:
 * the whole run divided by the number of calls (compile and start-up included: under 1%).
 * With the trace on, the clock guest makes 10^5 calls, not 10^6: the recorder keeps every line
 * of a run that never yields in memory (see the report), and 10^6 of them do not fit the heap.
 * Fuel on vs off for compute-heavy guests is fuel.bench.ts.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { launchContainer } from '../../src/execution/container.ts';
import type { Decision, GateHooks } from '../../src/ports/gate-hooks.ts';
import { createInstrumenter } from '../../src/execution/instrument/index.ts';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import { createDnaRecorder } from '../../src/dna/index.ts';
import { builtinPolicy, createTrustGate, policyDigest } from '../../src/trust/index.ts';
import { createNodePlatform } from '../../platform/node/index.ts';
import { buildFixtures, readFixtures } from '../fixtures/build.ts';
import type { BenchRow } from './harness.ts';

const ALLOW: Decision = Object.freeze({ effect: 'allow', rules: Object.freeze(['bench']), reason: 'bench' });
const noop: GateHooks = { decide: () => ALLOW, record: () => {} };

/** The trust gate over the permissive policy; with `trace`, the DNA recorder too (as `forge run --trace`). */
function gated(trace: boolean): GateHooks {
  const platform = createNodePlatform();
  const layers = [builtinPolicy('permissive')];
  const gate = createTrustGate({ layers, subject: { signed: false, tenant: 'bench' }, identity: 'bench/x', clock: platform.clock });
  const dna = createDnaRecorder({
    crypto: nobleCrypto, signingKey: new Uint8Array(32).fill(7), checkpointInterval: 1024, retainLines: false,
    genesis: { kernelId: 'bench', configDigest: '0'.repeat(64), package: { digest: '1'.repeat(64) }, policyDigest: policyDigest(layers), identity: 'bench/x', limits: {} },
  });
  return {
    decide: (req) => gate.decide(req),
    record(req, d, o, ctx) {
      gate.observe(req, d, o);
      if (trace) dna.record(req, d, o, { fuelUsed: ctx.fuelUsed, trust: gate.score });
    },
  };
}

/** The bench guests loop argc × 10^5 times. */
const argsFor = (calls: number) => ['bench', ...Array.from({ length: calls / 100_000 - 1 }, () => 'x')];

async function forgeNs(bytes: Uint8Array, hooks: () => GateHooks, calls: number, devNull: number): Promise<number> {
  const platform = createNodePlatform();
  const instrumenter = createInstrumenter({ sha256: nobleCrypto.sha256 });
  const once = async () => {
    const t0 = performance.now();
    const r = await launchContainer({
      platform, module: bytes, hooks: hooks(), instrumenter, keepOutput: false, args: argsFor(calls),
      stdout: { write: (b) => { writeSync(devNull, b); } }, limits: { timeoutMs: 600_000 },
    });
    if (r.status !== 'exited') throw new Error(`bench guest ended ${r.status}: ${r.reason}`);
    return ((performance.now() - t0) * 1e6) / calls;
  };
  await once();
  const t = [await once(), await once(), await once()];
  return t.sort((a, b) => a - b)[1]!;
}

async function nodeWasiNs(bytes: Uint8Array, calls: number, devNull: number): Promise<number> {
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const once = async () => {
    const wasi = new WASI({ version: 'preview1', args: argsFor(calls), env: {}, stdout: devNull, returnOnExit: true });
    const t0 = performance.now();
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as unknown as WebAssembly.Imports);
    wasi.start(instance);
    return ((performance.now() - t0) * 1e6) / calls;
  };
  await once();
  const t = [await once(), await once(), await once()];
  return t.sort((a, b) => a - b)[1]!;
}

export default async function (): Promise<BenchRow[]> {
  await buildFixtures();
  const fx = readFixtures();
  const devNull = openSync('/dev/null', 'w');
  const rows: BenchRow[] = [];
  try {
    for (const [name, label, calls] of [['wasi-bench-clock', 'clock_time_get', 1_000_000], ['wasi-bench-write', '16-byte fd_write', 100_000]] as const) {
      const bytes = fx.get(name)!;
      const node = await nodeWasiNs(bytes, calls, devNull);
      const shim = await forgeNs(bytes, () => noop, calls, devNull);
      const policy = await forgeNs(bytes, () => gated(false), calls, devNull);
      const traced = await forgeNs(bytes, () => gated(true), Math.min(calls, 100_000), devNull);
      rows.push(
        { name: `${label}: ForgeOne shim, no-op gate`, value: shim, unit: 'ns/call', baseline: { name: 'node:wasi', value: node } },
        { name: `${label}: ForgeOne gate + policy graph`, value: policy, unit: 'ns/call', baseline: { name: 'node:wasi', value: node } },
        { name: `${label}: ForgeOne gate + policy + DNA trace`, value: traced, unit: 'ns/call', baseline: { name: 'node:wasi', value: node } },
        { name: `${label}: policy graph over the no-op gate`, value: policy, unit: 'ns/call', baseline: { name: 'ForgeOne shim, no-op gate', value: shim } },
      );
    }
  } finally {
    closeSync(devNull);
  }
  return rows;
}
