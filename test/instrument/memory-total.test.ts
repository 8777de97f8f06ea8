/**
 * The memory cap is on the module's linear memory in total, and tables count too (docs/limits.md,
 * "The memory cap" and "The table cap"): the security review's attacks — 600 memories of 1 MiB
 * each under `--memory 1MiB` (760 MB resident, reported as 1 MiB), and four tables of 10^7
 * elements in 77 bytes (1.4 GB, reported `exited` after 5.4 s of a 1 s limit) — are refused before
 * anything is compiled. What is admitted is checked on the instrumented module's own declared
 * limits: the maxima sum to at most the cap, so no `memory.grow`/`table.grow` can pass it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchContainer } from '../../src/execution/container.ts';
import { KernelError } from '../../src/errors.ts';
import { FUEL_EXPORT, MODULE_LIMITS, instrument } from '../../src/execution/instrument/index.ts';
import { MEMORY_EXPORT_PREFIX } from '../../src/execution/instrument/encode.ts';
import { split } from '../../src/execution/instrument/memory-cap.ts';
import type { GateHooks } from '../../src/ports/gate-hooks.ts';
import { createNodePlatform } from '../../platform/node/index.ts';
import { wat } from './helpers.ts';

const platform = createNodePlatform();
const hooks: GateHooks = { decide: () => ({ effect: 'allow', rules: ['t'], reason: 'test' }), record: () => {} };
const MiB = 1024 * 1024;
const PAGE = 65536;
/** The review's limits: `--memory 1MiB --timeout 1s --fuel 1000`. */
const REVIEW = { memoryBytes: MiB, timeoutMs: 1000, fuel: 1000 };

/** The declared limits of a module's memories and tables, imported ones first (read here: readModule refuses instrumented output). */
function declared(bytes: Uint8Array): { memories: (number | undefined)[]; tables: (number | undefined)[]; mins: number[] } {
  let p = 8;
  const u = () => { let v = 0, shift = 0, b; do { b = bytes[p++]!; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80); return v; };
  const memories: (number | undefined)[] = [], tables: (number | undefined)[] = [], mins: number[] = [];
  const limits = (into: (number | undefined)[], isMemory: boolean) => {
    const flags = u();
    const min = u();
    if (isMemory) mins.push(min);
    into.push(flags & 1 ? u() : undefined);
  };
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = u();
    const end = p + size;
    if (id === 2) {
      for (let n = u(); n > 0; n--) {
        p += u(); p += u(); // module and field names
        const kind = bytes[p++]!;
        if (kind === 0) u();
        else if (kind === 1) { p++; limits(tables, false); }
        else if (kind === 2) limits(memories, true);
        else if (kind === 3) p += 2;
        else { p++; u(); }
      }
    }
    if (id === 4) for (let n = u(); n > 0; n--) { p++; limits(tables, false); }
    if (id === 5) for (let n = u(); n > 0; n--) limits(memories, true);
    p = end;
  }
  return { memories, tables, mins };
}
const sum = (xs: readonly (number | undefined)[]) => xs.reduce<number>((a, b) => a + b!, 0);

/** The review's module: an exported memory and `n` more of 16 pages each, every one filled. */
function manyMemories(n: number, pages = 16): string {
  const mems = Array.from({ length: n }, (_, i) => `(memory $m${i} ${pages})`).join(' ');
  const fills = Array.from({ length: n }, (_, i) => `(memory.fill $m${i} (i32.const 0) (i32.const 7) (i32.const ${pages * PAGE}))`).join(' ');
  return `(module (memory (export "memory") ${pages}) ${mems} (func (export "_start") ${fills}))`;
}

async function refused(run: Promise<unknown>, code: string, check?: (e: KernelError) => void): Promise<void> {
  await assert.rejects(run, (e) => {
    assert.ok(e instanceof KernelError, String(e));
    assert.equal(e.code, code, e.message);
    check?.(e);
    return true;
  });
}

// ---- the attacks ----

test('the review\'s multi-memory attack: 600 memories under --memory 1MiB are refused before start, without the 760 MB', async () => {
  const attack = await wat(manyMemories(600));
  const peak0 = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  await refused(launchContainer({ platform, module: attack, hooks, limits: { ...REVIEW, timeoutMs: 5000, fuel: 100_000_000 } }), 'WASM_LIMIT_EXCEEDED', (e) => {
    assert.equal(e.details['limit'], 'memories');
    assert.equal(e.details['value'], MODULE_LIMITS.memories.max + 1);
    assert.match(e.message, /101 memories \(imported and defined\), above the memories limit of 100/);
  });
  const ms = performance.now() - t0;
  const grew = process.resourceUsage().maxRSS * 1024 - peak0;
  assert.ok(ms < 1000, `refused in ${ms.toFixed(0)} ms`);
  assert.ok(grew < 100 * MiB, `peak resident memory grew ${(grew / MiB).toFixed(1)} MiB`);
});

test('memories within the count but over the cap together: MEMORY_LIMIT names the sum and the cap', async () => {
  // 100 memories of 1 MiB each: every one fits a 1 MiB cap alone, not together
  const m = await wat(manyMemories(99));
  assert.throws(() => instrument(m, { memoryMaxPages: 16 }), (e: unknown) => {
    assert.ok(e instanceof KernelError && e.code === 'MEMORY_LIMIT', String(e));
    assert.match(e.message, /the module's 100 memories need 1600 pages \(100 MiB\) at start together, above the memory cap of 16 pages \(1 MiB\)/);
    assert.deepEqual([e.details['initialPages'], e.details['capPages']], [1600, 16]);
    return true;
  });
  await refused(launchContainer({ platform, module: m, hooks, limits: REVIEW }), 'MEMORY_LIMIT');
  // the same module under a cap that holds them all: admitted, maxima summing to the cap
  const out = instrument(m, { memoryMaxPages: 4096 });
  const d = declared(out.bytes);
  assert.equal(sum(d.memories), 4096);
  assert.equal(out.memoryTotalPages, 4096);
  assert.ok(d.memories.every((max, i) => max! >= d.mins[i]!), 'every memory can hold its initial size');
});

test('the review\'s table attack: 4 tables of 10^7 elements in 77 bytes are refused in milliseconds', async () => {
  const attack = await wat(`(module (memory (export "memory") 1) ${'(table 10000000 funcref) '.repeat(4)} (func (export "_start")))`);
  assert.ok(attack.length < 100, `${attack.length} bytes`);
  const peak0 = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  await refused(launchContainer({ platform, module: attack, hooks, limits: REVIEW }), 'WASM_LIMIT_EXCEEDED', (e) => {
    assert.deepEqual([e.details['limit'], e.details['value'], e.details['max']], ['tableElements', 10_000_000, 1_000_000]);
    assert.match(e.message, /module limit exceeded at byte \d+: 10000000 table elements at start \(all tables\) in table 0, above the tableElements limit of 1000000/);
  });
  const ms = performance.now() - t0;
  const grew = process.resourceUsage().maxRSS * 1024 - peak0;
  assert.ok(ms < 500, `refused in ${ms.toFixed(0)} ms`);
  assert.ok(grew < 50 * MiB, `peak resident memory grew ${(grew / MiB).toFixed(1)} MiB`);
});

test('tables: the initial sizes are summed over every table, imported ones included', async () => {
  const over = await wat('(module (import "env" "t" (table 400000 funcref)) (table 300000 funcref) (table 300001 externref))');
  assert.throws(() => instrument(over), (e: unknown) =>
    e instanceof KernelError && e.code === 'WASM_LIMIT_EXCEEDED' && e.details['value'] === 1_000_001 && /in tables 0 to 2/.test(e.message));
  const at = await wat('(module (table 400000 funcref) (table 600000 funcref))');
  const out = instrument(at);
  assert.deepEqual(declared(out.bytes).tables, [400_000, 600_000], 'at the limit: no room to grow');
  assert.equal(out.tableElements, 1_000_000);
});

// ---- what is admitted: declared maxima within the caps ----

test('table.grow cannot pass the table limit: every table gets a maximum, the maxima sum to at most 1,000,000', async () => {
  const src = `(module
    (table $a 10 funcref) (table $b 5 20 funcref) (table $c 0 externref)
    (func (export "grow_a") (param i32) (result i32) (table.grow $a (ref.null func) (local.get 0)))
    (func (export "grow_c") (param i32) (result i32) (table.grow $c (ref.null extern) (local.get 0))))`;
  const out = instrument(await wat(src));
  const d = declared(out.bytes).tables;
  // $b keeps its 20; the rest is shared evenly between $a and $c above their initial sizes
  assert.deepEqual(d, [10 + 499_985, 20, 499_985]);
  assert.equal(sum(d), 1_000_000);
  assert.equal(out.tableElements, 1_000_000);
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(out.bytes as Uint8Array<ArrayBuffer>));
  (instance.exports[FUEL_EXPORT] as WebAssembly.Global).value = 1000n;
  const growA = instance.exports['grow_a'] as (n: number) => number;
  assert.equal(growA(10_000_000), -1, 'the engine\'s own limit is no longer the bound');
  assert.equal(growA(499_986), -1, 'one past its maximum fails');
  assert.equal(growA(499_985), 10, 'up to it succeeds');
  assert.equal((instance.exports['grow_c'] as (n: number) => number)(499_986), -1);
});

test('one table alone: its maximum becomes min(declared, 1,000,000); a C program\'s fixed table is unchanged', async () => {
  assert.deepEqual(declared(instrument(await wat('(module (table 3 funcref))')).bytes).tables, [1_000_000]);
  assert.deepEqual(declared(instrument(await wat('(module (table 3 3 funcref))')).bytes).tables, [3]);
  assert.deepEqual(declared(instrument(await wat('(module (table 3 2000000 funcref))')).bytes).tables, [1_000_000]);
  // a module without tables, or whose tables are within their share, keeps its bytes outside the code
  const plain = await wat('(module (table 3 3 funcref) (memory 1 2))');
  const out = instrument(plain);
  assert.deepEqual(declared(out.bytes), declared(plain), 'table and memory limits untouched');
});

test('memories share the cap: the maxima sum to at most it, a memory with its own lower maximum keeps it', async () => {
  const src = `(module
    (memory $a 1) (memory $b 2 3) (memory $c i64 0)
    (func (export "grow_a") (param i32) (result i32) (memory.grow $a (local.get 0)))
    (func (export "grow_c") (param i64) (result i64) (memory.grow $c (local.get 0))))`;
  const out = instrument(await wat(src), { memoryMaxPages: 16 });
  const d = declared(out.bytes).memories;
  // 16 − (1 + 2 + 0) = 13 pages of room: $b takes its 1, $a and $c share the other 12
  assert.deepEqual(d, [1 + 6, 3, 6]);
  assert.ok(sum(d) <= 16);
  assert.deepEqual([out.memoryMaxPages, out.memoryTotalPages], [7, 16]);
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(out.bytes as Uint8Array<ArrayBuffer>));
  (instance.exports[FUEL_EXPORT] as WebAssembly.Global).value = 1000n;
  assert.equal((instance.exports['grow_a'] as (n: number) => number)(7), -1);
  assert.equal((instance.exports['grow_a'] as (n: number) => number)(6), 1);
  assert.equal((instance.exports['grow_c'] as (n: bigint) => bigint)(7n), -1n);
  assert.equal((instance.exports['grow_c'] as (n: bigint) => bigint)(6n), 0n);
  // what an instance can hold in all its memories together, grown as far as they go: the cap
  let total = 0;
  for (const [name, x] of Object.entries(instance.exports)) {
    if (x instanceof WebAssembly.Memory) { assert.ok(name.startsWith(MEMORY_EXPORT_PREFIX), name); total += x.buffer.byteLength; }
  }
  assert.equal(total, (7 + 2 + 6) * PAGE);
});

test('one memory alone keeps the whole cap, as before; no cap, no rewrite', async () => {
  for (const [src, cap, max] of [['(memory 1)', 16, 16], ['(memory 1 8)', 16, 8], ['(memory 1 100)', 16, 16], ['(memory i64 1)', 2 ** 20, 2 ** 20], ['(memory 1)', 2 ** 20, 65536]] as const) {
    const out = instrument(await wat(`(module ${src})`), { memoryMaxPages: cap });
    assert.deepEqual(declared(out.bytes).memories, [max], `${src} under ${cap}`);
    assert.deepEqual([out.memoryMaxPages, out.memoryTotalPages], [max, max]);
  }
  const free = await wat('(module (memory 1) (memory 2 5))');
  assert.deepEqual(declared(instrument(free).bytes).memories, [undefined, 5]);
  assert.equal(instrument(free).memoryTotalPages, undefined);
  assert.equal(instrument(await wat('(module (memory 1 4) (memory 2 5))')).memoryTotalPages, 9);
});

test('split: deterministic water-filling that never passes the budget', () => {
  assert.deepEqual(split([], [], 10), []);
  assert.deepEqual(split([3], [Infinity], 10), [10]);
  assert.deepEqual(split([0, 0, 0], [Infinity, Infinity, Infinity], 10), [3, 3, 4]);
  assert.deepEqual(split([1, 1], [1, Infinity], 10), [1, 9]);
  assert.deepEqual(split([5, 0], [4, Infinity], 10), [5, 5], 'a maximum below the minimum is left for the engine to refuse');
  for (let seed = 1; seed < 200; seed++) {
    const n = 1 + (seed % 7);
    const mins = Array.from({ length: n }, (_, i) => (seed * (i + 3)) % 5);
    const ceilings = mins.map((m, i) => ((seed + i) % 3 === 0 ? Infinity : m + ((seed * 7 + i) % 9)));
    const budget = mins.reduce((a, b) => a + b, 0) + (seed % 23);
    const out = split(mins, ceilings, budget);
    assert.ok(sum(out) <= budget, `${JSON.stringify({ mins, ceilings, budget, out })}`);
    out.forEach((o, i) => assert.ok(o >= mins[i]! && o <= Math.max(mins[i]!, ceilings[i]!)));
  }
});

// ---- every memory is measured ----

test('every memory the module does not export is exported for the host; the name prefix is reserved', async () => {
  const out = instrument(await wat('(module (memory 1) (memory (export "memory") 1) (memory 2) (export "again" (memory 0)))'));
  const exps = WebAssembly.Module.exports(new WebAssembly.Module(out.bytes as Uint8Array<ArrayBuffer>));
  assert.deepEqual(exps.map((x) => x.name), ['memory', 'again', FUEL_EXPORT, `${MEMORY_EXPORT_PREFIX}2`]);
  for (const name of [`${MEMORY_EXPORT_PREFIX}0`, `${MEMORY_EXPORT_PREFIX}x`]) {
    assert.throws(() => instrument(new Uint8Array([...wasmHeader(), ...exportSection(name)])), (e: unknown) =>
      e instanceof KernelError && e.code === 'PKG_INVALID_WASM' && /reserved/.test(e.message), name);
  }
});

function wasmHeader(): number[] { return [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]; }
/** A memory section of one memory and an export section exporting it as `name`. */
function exportSection(name: string): number[] {
  const n = [...new TextEncoder().encode(name)];
  return [5, 3, 1, 0, 1, 7, 4 + n.length, 1, n.length, ...n, 2, 0];
}

test('exports: the memory exports count against the exports limit', () => {
  const n = MODULE_LIMITS.exports.max;
  const entries: number[] = [];
  for (let i = 0; i < n; i++) {
    const name = new TextEncoder().encode(`e${i.toString(36)}`);
    entries.push(name.length, ...name, 0, 0);
  }
  const leb = (v: number) => { const o: number[] = []; do { let b = v & 0x7f; v >>>= 7; if (v) b |= 0x80; o.push(b); } while (v); return o; };
  const exportsContent = [...leb(n), ...entries];
  const m = new Uint8Array([
    ...wasmHeader(), 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1,
    7, ...leb(exportsContent.length), ...exportsContent, 10, 4, 1, 2, 0, 0x0b,
  ]);
  assert.throws(() => instrument(m), (e: unknown) =>
    e instanceof KernelError && e.code === 'WASM_LIMIT_EXCEEDED' && e.details['limit'] === 'exports' && e.details['value'] === n + 1 && /memory exports/.test(e.message));
});

test('peakMemoryBytes is the sum over every memory, exported or not', async () => {
  const src = `(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1) (memory $b 2)
    (func (export "_start")
      (drop (memory.grow $b (i32.const 3)))
      (call $exit (i32.eq (memory.grow $b (i32.const 100)) (i32.const -1)))))`;
  const r = await launchContainer({ platform, module: await wat(src), hooks, limits: { memoryBytes: MiB } });
  assert.equal(r.status, 'exited', r.reason);
  assert.equal(r.exitCode, 1, 'growing past its share of the cap fails (-1)');
  assert.equal(r.peakMemoryBytes, (1 + 2 + 3) * PAGE);
});

// ---- instantiation is work before the start, under the run's deadline ----

test('TIMEOUT: instantiation that outlasts the run\'s limit is refused, whether it waits or blocks', async () => {
  const m = await wat('(module (memory (export "memory") 1) (func (export "_start")))');
  const real = WebAssembly.instantiate;
  const slow = (block: boolean) => ((module: WebAssembly.Module, imports?: WebAssembly.Imports) => {
    if (block) { const until = performance.now() + 300; while (performance.now() < until) { /* the engine's one task */ } return real(module, imports); }
    return new Promise<WebAssembly.Instance>((resolve) => setTimeout(() => resolve(real(module, imports)), 2000));
  }) as typeof WebAssembly.instantiate;
  for (const block of [false, true]) {
    WebAssembly.instantiate = slow(block);
    const t0 = performance.now();
    try {
      await refused(launchContainer({ platform, module: m, hooks, limits: { timeoutMs: 150 } }), 'TIMEOUT', (e) => {
        assert.match(e.message, /instantiating the module took longer than the run's 150 ms limit/);
      });
    } finally {
      WebAssembly.instantiate = real;
    }
    const ms = performance.now() - t0;
    assert.ok(ms < 1500, `${block ? 'blocking' : 'waiting'}: refused after ${ms.toFixed(0)} ms`);
  }
  const ok = await launchContainer({ platform, module: m, hooks, limits: { timeoutMs: 5000 } });
  assert.equal(ok.status, 'exited');
});
