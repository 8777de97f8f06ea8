/**
 * Static module limits: every count, size and depth an untrusted module declares is checked while
 * its bytes are read, before anything is compiled, so a small module cannot buy seconds and
 * gigabytes of compilation. Each limit: a tiny module just over it is refused with
 * WASM_LIMIT_EXCEEDED naming the limit, the value, the cap and the offset; one at it passes. Then
 * the security review's attack itself, and the run's wall-clock limit over instrumentation and
 * compilation (TIMEOUT), without blocking the event loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchContainer } from '../../src/execution/container.ts';
import { KernelError } from '../../src/errors.ts';
import { createInstrumenter, instrument, instrumentAsync } from '../../src/execution/instrument/index.ts';
import { MODULE_LIMITS, moduleWorkCap, type ModuleLimit } from '../../src/execution/instrument/limits.ts';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import type { GateHooks } from '../../src/ports/gate-hooks.ts';
import { createNodePlatform } from '../../platform/node/index.ts';

// ---- a small byte writer for generated modules ----

class Bytes {
  buf = new Uint8Array(256);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.len + n, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(...bs: number[]): this {
    this.room(bs.length);
    for (const b of bs) this.buf[this.len++] = b;
    return this;
  }
  leb(v: number): this {
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }
  raw(src: Uint8Array): this {
    this.room(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
    return this;
  }
  /** `bs` repeated `n` times. */
  repeat(n: number, ...bs: number[]): this {
    this.room(n * bs.length);
    for (let i = 0; i < n; i++) for (const b of bs) this.buf[this.len++] = b;
    return this;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
const bytes = () => new Bytes();
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

interface Built { readonly bytes: Uint8Array; readonly at: (section: number) => number }
/** A module of `[id, content]` sections; `at(id)` is the offset of that section's content. */
function mod(...sections: [number, Uint8Array][]): Built {
  const b = bytes().byte(...HEADER);
  const starts = new Map<number, number>();
  for (const [id, content] of sections) {
    b.byte(id).leb(content.length);
    starts.set(id, b.len);
    b.raw(content);
  }
  return { bytes: b.done(), at: (id) => starts.get(id)! };
}
/** One `() -> ()` type. */
const TYPE0: [number, Uint8Array] = [1, bytes().byte(1, 0x60, 0, 0).done()];
/** `n` functions of type 0. */
const funcs = (n: number): [number, Uint8Array] => [3, bytes().leb(n).repeat(n, 0).done()];
/** A code section of the given bodies (each after its size). */
const code = (...bodies: Uint8Array[]): [number, Uint8Array] => {
  const b = bytes().leb(bodies.length);
  for (const body of bodies) b.leb(body.length).raw(body);
  return [10, b.done()];
};
/** A body: no locals, `code` (a function-level `end` is appended). */
const body = (build: (b: Bytes) => void): Uint8Array => {
  const b = bytes().byte(0);
  build(b);
  return b.byte(0x0b).done();
};
/** One function whose body is `bodyBytes`; the body's first byte (its local-group count) is at `bodyAt`. */
function oneFunction(bodyBytes: Uint8Array, type: [number, Uint8Array] = TYPE0): Built & { bodyAt: number } {
  const m = mod(type, funcs(1), code(bodyBytes));
  return { ...m, bodyAt: m.at(10) + 1 + lebLen(bodyBytes.length) };
}
function lebLen(v: number): number {
  let n = 1;
  while (v >= 128) { v = Math.floor(v / 128); n++; }
  return n;
}

const cap = (limit: ModuleLimit) => MODULE_LIMITS[limit].max;

/** `run` throws WASM_LIMIT_EXCEEDED for `limit`, reporting `value` and `offset` (each checked when given) and the cap `max`. */
function overLimit(run: () => unknown, limit: ModuleLimit, value: number | undefined, offset?: number, max = cap(limit)): KernelError {
  let caught: unknown;
  try { run(); } catch (e) { caught = e; }
  assert.ok(caught instanceof KernelError, `a KernelError, got ${String(caught)}`);
  assert.equal(caught.code, 'WASM_LIMIT_EXCEEDED', caught.message);
  assert.equal(caught.details['limit'], limit, caught.message);
  if (value !== undefined) assert.equal(caught.details['value'], value, caught.message);
  assert.ok(Number(caught.details['value']) > max, caught.message);
  assert.equal(caught.details['max'], max, caught.message);
  if (offset !== undefined) assert.equal(caught.details['offset'], offset, caught.message);
  // the message alone says which limit, the value found, the cap and where
  assert.match(caught.message, new RegExp(`\\b${limit}\\b`));
  assert.match(caught.message, new RegExp(`\\b${String(caught.details['value'])}\\b`));
  assert.match(caught.message, new RegExp(`\\b${max}\\b`));
  assert.match(caught.message, new RegExp(`byte ${String(caught.details['offset'])}\\b`));
  return caught;
}

/** `depth` nested `block`s (0x02 0x40), then their `end`s: the review's attack shape. */
function nested(depth: number): Uint8Array {
  return body((b) => { b.repeat(depth, 0x02, 0x40); b.repeat(depth, 0x0b); });
}
/** `nested(depth)` as a runnable command: a `_start` export and no imports. */
function nestedCommand(depth: number): Uint8Array {
  return mod(TYPE0, funcs(1), [7, bytes().byte(1, 6, ...new TextEncoder().encode('_start'), 0, 0).done()], code(nested(depth))).bytes;
}

const platform = createNodePlatform();
const hooks: GateHooks = { decide: () => ({ effect: 'allow', rules: ['t'], reason: 'test' }), record: () => {} };
const MiB = 1024 * 1024;

// ---- the attack (first, so the process's memory high-water mark is still low) ----

test('the review\'s attack: 1.5 million nested blocks are refused in milliseconds, without hundreds of MB', async () => {
  const depth = 1_500_000;
  const attack = nestedCommand(depth);
  assert.ok(attack.length > 4 * 1e6, `a module of several MB (${attack.length} bytes)`);
  const blockAt = attack.length - 1 - depth - 2 * depth; // where the first `block` opens
  const rss0 = process.memoryUsage().rss;
  const peak0 = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  overLimit(() => instrument(attack), 'nesting', cap('nesting') + 1, blockAt + 2 * cap('nesting'));
  const ms = performance.now() - t0;
  // and the same module through a run with the review's limits: refused before start, not compiled
  await assert.rejects(
    launchContainer({ platform, module: attack, hooks, limits: { timeoutMs: 1000, fuel: 1000, memoryBytes: MiB } }),
    (e) => e instanceof KernelError && e.code === 'WASM_LIMIT_EXCEEDED' && e.details['limit'] === 'nesting',
  );
  const total = performance.now() - t0;
  const grew = process.memoryUsage().rss - rss0;
  const peakGrew = process.resourceUsage().maxRSS * 1024 - peak0;
  assert.ok(ms < 250, `instrument refused it in ${ms.toFixed(1)} ms`);
  assert.ok(total < 1000, `the run was refused in ${total.toFixed(1)} ms`);
  assert.ok(grew < 100 * MiB && peakGrew < 100 * MiB, `resident memory grew ${(grew / MiB).toFixed(1)} MiB (peak +${(peakGrew / MiB).toFixed(1)} MiB)`);
});

/** `n` functions of `locals` i64 locals and the code `build` writes each (after a `_start` that calls them all), as a command. */
function localsCommand(n: number, locals: number, build: (b: Bytes) => void = () => {}): Built {
  const start = bytes().byte(0);
  for (let i = 1; i <= n; i++) start.byte(0x10).leb(i);
  const fn = bytes().byte(1).leb(locals).byte(0x7e);
  build(fn);
  const f = fn.byte(0x0b).done();
  const c = bytes().leb(n + 1);
  const s = start.byte(0x0b).done();
  c.leb(s.length).raw(s);
  for (let i = 0; i < n; i++) c.leb(f.length).raw(f);
  return mod(TYPE0, funcs(n + 1), [7, bytes().byte(1, 6, ...new TextEncoder().encode('_start'), 0, 0).done()], [10, c.done()]);
}
/** The moduleCompileWork cap of `m`, whose last section is its code. */
const workCap = (m: Built) => moduleWorkCap(m.bytes.length - m.at(10));

test('the review\'s locals attack: 20,000 functions of 49,998 locals (5.6–9.3 s of compiling for 20,000 fuel) are refused in milliseconds', async () => {
  const built = localsCommand(20_000, 49_998);
  const attack = built.bytes;
  assert.ok(attack.length < 250_000, `${attack.length} bytes`);
  const t0 = performance.now();
  overLimit(() => instrument(attack), 'moduleCompileWork', undefined, undefined, workCap(built));
  await assert.rejects(
    launchContainer({ platform, module: attack, hooks, limits: { timeoutMs: 60_000, fuel: 100_000_000 } }),
    (x) => x instanceof KernelError && x.code === 'WASM_LIMIT_EXCEEDED' && x.details['limit'] === 'moduleCompileWork',
  );
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `refused in ${ms.toFixed(0)} ms`);
});

test('locals × control points: a few KB of loops, ifs or br_table targets over 49,998 locals are refused at the function', () => {
  // each of these took V8's baseline compiler 2–25 s and 0.8–5.9 GB before (one function, called once)
  const shapes: [string, (b: Bytes) => void][] = [
    ['10,000 loops (30 KB)', (b) => b.repeat(10_000, 0x03, 0x40, 0x0b)],
    ['1,000 ifs (14 KB)', (b) => b.repeat(1_000, 0x41, 0x00, 0x04, 0x40, 0x41, 0, 0x1a, 0x41, 0, 0x1a, 0x41, 0, 0x1a, 0x0b)],
    ['a br_table of 10,000 distinct targets (50 KB)', (b) => {
      b.repeat(10_000, 0x02, 0x40).byte(0x41, 0x00, 0x0e).leb(9_999);
      for (let i = 0; i < 10_000; i++) b.leb(i);
      b.repeat(10_000, 0x0b);
    }],
    ['3,000 calls (6 KB)', (b) => b.repeat(3_000, 0x10, 0x00)],
    ['3,000 memory.fills (27 KB)', (b) => b.repeat(3_000, 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 11, 0)],
  ];
  for (const [what, build] of shapes) {
    const f = bytes().byte(1).leb(49_998).byte(0x7e);
    build(f);
    const m = mod(TYPE0, funcs(1), [5, bytes().byte(1, 0, 1).done()], code(f.byte(0x0b).done()));
    const e = overLimit(() => instrument(m.bytes), 'compileWork', undefined, m.at(10) + 1 + lebLen(f.len));
    assert.match(e.message, /locals × control points in function 0/, what);
  }
});

test('compileWork: locals × control points of one function, at most 4,194,304', () => {
  // `loop end` costs nothing, so no charge and no scratch local: 4,096 locals × (entry + 1,023 loops) is the limit exactly
  const loops = (locals: number, n: number) => oneFunction(bytes().byte(1).leb(locals).byte(0x7f).repeat(n, 0x03, 0x40, 0x0b).byte(0x0b).done());
  assert.equal(cap('compileWork'), 4096 * 1024);
  instrument(loops(4096, 1023).bytes);
  let f = loops(4097, 1023);
  overLimit(() => instrument(f.bytes), 'compileWork', 4097 * 1024, f.bodyAt);
  f = loops(4096, 1024);
  overLimit(() => instrument(f.bytes), 'compileWork', 4096 * 1025, f.bodyAt);
  // calls count, and the charge instrumentation adds (one site, one scratch local): (L + 1) × (1 + calls + 1)
  const calls = oneFunction(bytes().byte(1).leb(2000).byte(0x7f).repeat(3000, 0x10, 0x00).byte(0x0b).done());
  const e = overLimit(() => instrument(calls.bytes), 'compileWork', 2001 * 3002, calls.bodyAt);
  assert.match(e.message, /once instrumented/);
});

test('moduleCompileWork: summed over the functions, capped at 8,388,608 plus 8 per byte of code', () => {
  // empty bodies of 49,998 locals: 49,998 each, no charges; 7 bytes of code each
  const empties = (n: number) => {
    const c = bytes().leb(n);
    for (let i = 0; i < n; i++) c.byte(6, 1).leb(49_998).byte(0x7e, 0x0b);
    return mod(TYPE0, funcs(n), [10, c.done()]);
  };
  assert.equal(moduleWorkCap(0), cap('moduleCompileWork'));
  const ok = empties(167);
  assert.ok(167 * 49_998 <= moduleWorkCap(2 + 167 * 7));
  instrument(ok.bytes);
  const over = empties(168);
  overLimit(() => instrument(over.bytes), 'moduleCompileWork', 168 * 49_998, over.at(10) + 2 + 167 * 7, 8_388_608 + 8 * (2 + 168 * 7));
});

test('the worst that the compile-work limits admit compiles and runs in well under a second', async () => {
  // two functions at the per-function limit of the costliest shape measured (an if whose arm has its own charge)
  const perFn = Math.floor(cap('compileWork') / 49_999 / 2) - 2;
  const ifs = (b: Bytes) => b.repeat(perFn, 0x41, 0x00, 0x04, 0x40, 0x41, 0, 0x1a, 0x41, 0, 0x1a, 0x41, 0, 0x1a, 0x0b);
  const out = instrument(localsCommand(2, 49_998, ifs).bytes);
  const peak0 = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(out.bytes as Uint8Array<ArrayBuffer>));
  (instance.exports['__forge_fuel'] as WebAssembly.Global).value = 10n ** 9n;
  (instance.exports['_start'] as () => void)();
  const ms = performance.now() - t0;
  const grew = process.resourceUsage().maxRSS * 1024 - peak0;
  assert.ok(ms < 1500, `compiled and ran in ${ms.toFixed(0)} ms (100–250 ms measured)`);
  assert.ok(grew < 400 * MiB, `peak resident memory grew ${(grew / MiB).toFixed(0)} MiB`);
  // one more such function is refused
  const three = localsCommand(3, 49_998, ifs);
  overLimit(() => instrument(three.bytes), 'moduleCompileWork', undefined, undefined, workCap(three));
});

test('the attack shape at the nesting limit still instruments, compiles and runs', async () => {
  const m = nestedCommand(cap('nesting'));
  const out = instrument(m);
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(out.bytes as Uint8Array<ArrayBuffer>));
  (instance.exports['__forge_fuel'] as WebAssembly.Global).value = 10n;
  (instance.exports['_start'] as () => void)();
});

// ---- one test per limit ----

test('moduleBytes: a module over the size limit is refused before its first byte is read', () => {
  const over = new Uint8Array(cap('moduleBytes') + 1); // zero pages: not resident until touched
  over.set(HEADER);
  overLimit(() => instrument(over), 'moduleBytes', cap('moduleBytes') + 1, 0);
  // exactly at the limit: a custom section fills the rest (its size written as a padded 5-byte LEB)
  const at = new Uint8Array(cap('moduleBytes'));
  at.set(HEADER);
  let size = at.length - 8 - 1 - 5;
  for (let k = 0; k < 5; k++) { at[9 + k] = (size % 128) | (k < 4 ? 0x80 : 0); size = Math.floor(size / 128); }
  at[14] = 1; at[15] = 0x78; // name "x"
  assert.equal(instrument(at).functions, 0);
});

test('types, imports, functions, globals, exports, data and element segments: one over each count is refused at the count', () => {
  const counted: [ModuleLimit, number][] = [
    ['types', 1], ['imports', 2], ['functions', 3], ['globals', 6], ['exports', 7], ['elementSegments', 9], ['dataSegments', 11],
  ];
  for (const [limit, id] of counted) {
    // the count alone: it is refused before the bytes it claims are looked for
    const m = mod([id, bytes().leb(cap(limit) + 1).done()]);
    overLimit(() => instrument(m.bytes), limit, cap(limit) + 1, m.at(id));
  }
});

test('types: 1,000,000 types pass', () => {
  const m = mod([1, bytes().leb(cap('types')).repeat(cap('types'), 0x60, 0, 0).done()]);
  instrument(m.bytes);
});

test('imports: 100,000 imports pass', () => {
  const n = cap('imports');
  const m = mod(TYPE0, [2, bytes().leb(n).repeat(n, 1, 0x6d, 1, 0x66, 0, 0).done()]); // (import "m" "f" (func (type 0)))
  instrument(m.bytes);
});

test('functions: 1,000,000 functions pass', () => {
  const n = cap('functions');
  const b = bytes().leb(n).repeat(n, 2, 0, 0x0b);
  const m = mod(TYPE0, funcs(n), [10, b.done()]);
  assert.equal(instrument(m.bytes).functions, n);
});

test('globals: 999,999 globals pass (the fuel global makes the engine\'s 1,000,000)', async () => {
  const n = cap('globals');
  assert.equal(n, 999_999);
  const m = mod([6, bytes().leb(n).repeat(n, 0x7f, 0, 0x41, 0, 0x0b).done()]);
  await WebAssembly.compile(instrument(m.bytes).bytes as Uint8Array<ArrayBuffer>);
});

test('exports: 99,999 exports pass (the fuel export makes the engine\'s 100,000)', async () => {
  const n = cap('exports');
  assert.equal(n, 99_999);
  const b = bytes().leb(n);
  for (let i = 0; i < n; i++) {
    const name = new TextEncoder().encode(`e${i.toString(36)}`);
    b.leb(name.length).raw(name).byte(0, 0); // (export "e…" (func 0))
  }
  const m = mod(TYPE0, funcs(1), [7, b.done()], code(body(() => {})));
  await WebAssembly.compile(instrument(m.bytes).bytes as Uint8Array<ArrayBuffer>);
});

test('data and element segments: 100,000 of each pass', () => {
  const n = cap('dataSegments');
  instrument(mod([11, bytes().leb(n).repeat(n, 1, 0).done()]).bytes); // passive, empty
  const e = cap('elementSegments');
  instrument(mod(TYPE0, funcs(1), [9, bytes().leb(e).repeat(e, 1, 0, 0).done()], code(body(() => {}))).bytes); // passive funcref, empty
});

test('params and results: a type with 1,001 is refused at that count, 1,000 pass', () => {
  for (const limit of ['params', 'results'] as const) {
    const type = (n: number): Uint8Array => {
      const b = bytes().byte(1, 0x60);
      if (limit === 'params') b.leb(n).repeat(n, 0x7f).byte(0);
      else b.byte(0).leb(n).repeat(n, 0x7f);
      return b.done();
    };
    const over = mod([1, type(cap(limit) + 1)]);
    overLimit(() => instrument(over.bytes), limit, cap(limit) + 1, over.at(1) + 2 + (limit === 'params' ? 0 : 1));
    instrument(mod([1, type(cap(limit))]).bytes);
  }
});

test('bodyBytes: a body over 7,654,321 bytes is refused at its size, one of exactly that size passes', () => {
  const m = mod(TYPE0, funcs(1), [10, bytes().byte(1).leb(cap('bodyBytes') + 1).byte(0, 0x0b).done()]);
  overLimit(() => instrument(m.bytes), 'bodyBytes', cap('bodyBytes') + 1, m.at(10) + 1);
  const at = body((b) => b.repeat(cap('bodyBytes') - 2, 0x01)); // nops: nothing to charge, nothing grows
  assert.equal(at.length, cap('bodyBytes'));
  instrument(oneFunction(at).bytes);
});

test('bodyBytes: a body the charges would push over the engine\'s limit is refused before it fails to compile', () => {
  // `loop (i32.const 0; drop) end` repeated: every loop head gets a charge of about 18 bytes
  const n = Math.floor((cap('bodyBytes') - 2) / 6);
  const big = body((b) => b.repeat(n, 0x03, 0x40, 0x41, 0x00, 0x1a, 0x0b));
  const m = oneFunction(big);
  const e = overLimit(() => instrument(m.bytes), 'bodyBytes', undefined, m.bodyAt);
  assert.match(e.message, /once instrumented/);
});

test('locals: the sum of local declarations, parameters included, is capped at 49,998', async () => {
  const locals = (...groups: [number, number][]) => {
    const b = bytes().leb(groups.length);
    for (const [n, t] of groups) b.leb(n).byte(t);
    return b.byte(0x0b).done();
  };
  let f = oneFunction(locals([cap('locals') + 1, 0x7f]));
  overLimit(() => instrument(f.bytes), 'locals', cap('locals') + 1, f.bodyAt + 1);
  // a count LEB that claims 2^32 - 1 locals is refused as such, not summed into an overflow
  f = oneFunction(locals([0xffff_ffff, 0x7f], [0xffff_ffff, 0x7e]));
  overLimit(() => instrument(f.bytes), 'locals', 0xffff_ffff, f.bodyAt + 1);
  // the sum of several groups, refused at the group that crosses the cap
  f = oneFunction(locals([30_000, 0x7f], [30_000, 0x7e]));
  overLimit(() => instrument(f.bytes), 'locals', 60_000, f.bodyAt + 1 + lebLen(30_000) + 1);
  // parameters count: 1,000 parameters and 48,999 locals is one too many
  const type1000: [number, Uint8Array] = [1, bytes().byte(1, 0x60).leb(1000).repeat(1000, 0x7f).byte(0).done()];
  f = oneFunction(locals([cap('locals') - 999, 0x7f]), type1000);
  overLimit(() => instrument(f.bytes), 'locals', cap('locals') + 1, f.bodyAt + 1);
  // at the cap, the instrumented function (with its scratch locals) is within the engine's 50,000
  f = oneFunction(locals([cap('locals'), 0x7f]));
  await WebAssembly.compile(instrument(f.bytes).bytes as Uint8Array<ArrayBuffer>);
});

test('nesting: block, loop, if and try_table nesting is capped at 16,384 and refused where it opens', () => {
  const max = cap('nesting');
  let f = oneFunction(nested(max + 1));
  overLimit(() => instrument(f.bytes), 'nesting', max + 1, f.bodyAt + 1 + 2 * max);
  f = oneFunction(nested(max));
  instrument(f.bytes);
  // every kind of construct counts: blocks, loops, ifs (each after its i32 condition), try_tables
  const mixed = body((b) => {
    const quarter = Math.ceil((max + 1) / 4);
    b.repeat(quarter, 0x02, 0x40).repeat(quarter, 0x03, 0x40).repeat(quarter, 0x41, 0x00, 0x04, 0x40).repeat(quarter, 0x1f, 0x40, 0x00);
    b.repeat(4 * quarter, 0x0b);
  });
  f = oneFunction(mixed);
  overLimit(() => instrument(f.bytes), 'nesting', max + 1);
});

test('WASM_LIMIT_EXCEEDED is a refusal before start: HTTP 422, exit 126', () => {
  const e = new KernelError('WASM_LIMIT_EXCEEDED', 'x');
  assert.equal(e.httpStatus, 422);
  assert.equal(e.exitCode, 126);
});

// ---- the run's wall-clock limit covers instrumentation and compilation ----

/** A legal module of about `mb` MB of straight-line code in 64 KiB functions, with a `_start`. */
function bigLegal(mb: number): Uint8Array {
  const per = 64 * 1024;
  const n = Math.ceil((mb * 1e6) / per);
  const fn = body((b) => b.repeat(Math.floor((per - 2) / 3), 0x41, 0x01, 0x1a)); // i32.const 1; drop
  const c = bytes().leb(n);
  for (let i = 0; i < n; i++) c.leb(fn.length).raw(fn);
  return mod(TYPE0, funcs(n), [7, bytes().byte(1, 6, ...new TextEncoder().encode('_start'), 0, 0).done()], [10, c.done()]).bytes;
}

test('TIMEOUT: a loader that never finishes compiling is given up on at the run\'s deadline', async () => {
  const never: typeof platform = { ...platform, wasm: { load: () => new Promise<never>(() => {}) } };
  const t0 = performance.now();
  await assert.rejects(launchContainer({ platform: never, module: nestedCommand(1), hooks, limits: { timeoutMs: 150 } }), (e) => {
    assert.ok(e instanceof KernelError && e.code === 'TIMEOUT', String(e));
    assert.match(e.message, /compiling the module took longer than the run's 150 ms limit/);
    return true;
  });
  const ms = performance.now() - t0;
  assert.ok(ms >= 140 && ms < 1500, `gave up after ${ms.toFixed(0)} ms`);
});

test('TIMEOUT: instrumenting a large legal module past a 1 ms limit stops at the deadline', async () => {
  const m = bigLegal(16);
  const t0 = performance.now();
  await assert.rejects(launchContainer({ platform, module: m, hooks, limits: { timeoutMs: 1 } }), (e) => {
    assert.ok(e instanceof KernelError && e.code === 'TIMEOUT', String(e));
    assert.match(e.message, /compiling the module took longer than the run's 1 ms limit/);
    return true;
  });
  assert.ok(performance.now() - t0 < 1000, `stopped after ${(performance.now() - t0).toFixed(0)} ms`);
});

test('instrumentAsync gives the same bytes as instrument and lets the event loop run meanwhile', async () => {
  const m = bigLegal(24);
  const sync = instrument(m);
  let ticks = 0, last = performance.now(), maxGap = 0;
  const timer = setInterval(() => { const now = performance.now(); maxGap = Math.max(maxGap, now - last); last = now; ticks++; }, 1);
  const t0 = performance.now();
  const out = await instrumentAsync(m).finally(() => clearInterval(timer));
  const ms = performance.now() - t0;
  assert.deepEqual(out.bytes, sync.bytes);
  assert.ok(ticks >= 3, `${ticks} timer ticks during ${ms.toFixed(0)} ms of instrumentation`);
  assert.ok(maxGap < 250, `the event loop was blocked at most ${maxGap.toFixed(0)} ms at a time`);
  // the cache's async path keeps and reuses the same result
  const inst = createInstrumenter({ sha256: nobleCrypto.sha256 });
  const a = await inst.instrumentAsync(m);
  assert.deepEqual(a.bytes, sync.bytes);
  assert.equal(inst.instrument(m), a);
});

test('instrumentAsync pauses inside a large body and resumes to the same bytes', async () => {
  // loop { if (1) {} else { 0; drop }; br_if 0 (0); memory.fill(0, 0, 0) } — segments, joins, bulk charges
  const pattern = [0x03, 0x40, 0x41, 0x01, 0x04, 0x40, 0x01, 0x05, 0x41, 0x00, 0x1a, 0x0b, 0x41, 0x00, 0x0d, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0b, 0x00, 0x0b];
  const big = body((b) => b.repeat(Math.floor(2e6 / pattern.length), ...pattern));
  const m = mod(TYPE0, funcs(1), [5, bytes().byte(1, 0, 1).done()], code(big)).bytes;
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 1);
  const out = await instrumentAsync(m).finally(() => clearInterval(timer));
  assert.deepEqual(out.bytes, instrument(m).bytes);
  assert.ok(ticks >= 1, `the event loop ran ${ticks} times during one 2 MB body`);
  assert.ok(WebAssembly.validate(out.bytes as Uint8Array<ArrayBuffer>));
});

test('instrumentAsync refuses a passed deadline with TIMEOUT', async () => {
  await assert.rejects(instrumentAsync(bigLegal(8), {}, { deadline: performance.now() }), (e) => e instanceof KernelError && e.code === 'TIMEOUT');
});
