/**
 * Proposals beyond the fixtures (tail calls, both exception-handling encodings, memory64, multiple
 * memories, threads), index stability around imported and defined globals, imported memories
 * under a cap, and the refusals: a memory that starts above the cap, a module that already has
 * a fuel export, a bad cap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instrument, FUEL_EXPORT } from '../../src/execution/instrument/index.ts';
import { call, callPlain, instantiate, wat } from './helpers.ts';

async function sameResults(src: string, calls: Array<[string, unknown[]]>, imports: WebAssembly.Imports = {}): Promise<Uint8Array> {
  const original = await wat(src);
  assert.ok(WebAssembly.validate(original as Uint8Array<ArrayBuffer>), 'the test module is valid');
  const out = instrument(original).bytes;
  assert.ok(WebAssembly.validate(out as Uint8Array<ArrayBuffer>), 'the instrumented module validates');
  for (const [fn, args] of calls) {
    const want = callPlain((await instantiate(original, imports)).exports, fn, args);
    const got = call(await instantiate(out, imports), fn, args);
    assert.deepEqual({ value: got.value, trap: got.trap }, { value: want.value, trap: want.trap }, `${fn}(${args.join(', ')})`);
  }
  return out;
}

test('tail calls: finite tail recursion is unchanged; endless tail recursion runs out of fuel', async () => {
  const out = await sameResults(`(module
    (func $sum (export "sum") (param $n i64) (param $acc i64) (result i64)
      (if (result i64) (i64.eqz (local.get $n)) (then (local.get $acc))
        (else (return_call $sum (i64.sub (local.get $n) (i64.const 1)) (i64.add (local.get $acc) (local.get $n))))))
    (type $v (func))
    (table funcref (elem $forever))
    (func $forever (export "forever") (return_call_indirect (type $v) (i32.const 0))))`, [['sum', [100000n, 0n]]]);
  const r = call(await instantiate(out), 'forever', [], 100_000n);
  assert.ok(r.trap && r.remaining < 0n, 'a tail call never grows the stack, so only fuel stops it');
});

test('exceptions (legacy try/catch/rethrow/delegate and try_table/throw_ref): same results, endless throwing loops stop', async () => {
  const out = await sameResults(`(module
    (tag $e (param i32))
    (func $thrower (param i32) (throw $e (local.get 0)))
    (func (export "legacy") (param $n i32) (result i32)
      (local $s i32)
      (loop $l
        (try
          (do (try (do (call $thrower (local.get $n))) (delegate 0)))
          (catch $e (local.set $s (i32.add (local.get $s))))
          (catch_all))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $n)))
      (local.get $s))
    (func (export "rethrown") (result i32)
      (try (result i32)
        (do (try (result i32) (do (call $thrower (i32.const 7)) (i32.const 0)) (catch_all (rethrow 0))))
        (catch $e)))
    (func (export "table") (param $n i32) (result i32)
      (local $s i32)
      (loop $l
        (block $h (result i32)
          (try_table (catch $e $h) (call $thrower (local.get $n)))
          (i32.const 0))
        (local.set $s (i32.add (local.get $s)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $n)))
      (local.get $s))
    (func (export "ref") (result i32)
      (block $h (result i32 exnref)
        (try_table (catch_ref $e $h) (call $thrower (i32.const 9)))
        (unreachable))
      (drop))
    (func (export "forever")
      (loop $l (try (do (call $thrower (i32.const 1))) (catch_all)) (br $l))))`,
  [['legacy', [50]], ['rethrown', []], ['table', [50]], ['ref', []]]);
  const r = call(await instantiate(out), 'forever', [], 100_000n);
  assert.ok(r.trap && r.remaining < 0n);
});

test('memory64 and multiple memories: wide bulk lengths are charged, every memory is capped', async () => {
  const src = `(module
    (memory $a i64 1)
    (memory $b 1 100)
    (func (export "fill") (param $n i64) (result i64)
      (memory.fill $a (i64.const 0) (i32.const 7) (local.get $n))
      (memory.copy $b $a (i32.const 0) (i64.const 0) (i32.const 64))
      (i64.add (i64.load $a (i64.const 100)) (i64.extend_i32_u (i32.load $b (i32.const 8)))))
    (func (export "grow64") (result i64) (memory.grow $a (i64.const 100)))
    (func (export "grow32") (result i32) (memory.grow $b (i32.const 20))))`;
  const out = await sameResults(src, [['fill', [4096n]], ['grow64', []], ['grow32', []]]);
  const m = await instantiate(out);
  const small = call(m, 'fill', [16n]).used, big = call(m, 'fill', [16n + 16n * 1000n]).used;
  assert.equal(big - small, 1000n, 'one unit per 16 bytes of an i64 length');
  const capped = await instantiate(instrument(await wat(src), { memoryMaxPages: 16 }).bytes);
  assert.equal(call(capped, 'grow64').value, -1n, 'memory64 growth past the cap is refused');
  assert.equal(call(capped, 'grow32').value, -1, 'the second memory is capped too');
});

test('threads: shared memory keeps its atomics and gets the cap as its maximum', async () => {
  const src = `(module
    (memory (export "mem") 1 64 shared)
    (func (export "bump") (param $n i32) (result i32)
      (loop $l
        (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 3)))
        (atomic.fence)
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $n)))
      (i32.atomic.load (i32.const 0))))`;
  await sameResults(src, [['bump', [1000]]]);
  const capped = instrument(await wat(src), { memoryMaxPages: 16 });
  assert.equal(capped.memoryMaxPages, 16);
  const mem = (await instantiate(capped.bytes)).exports['mem'] as WebAssembly.Memory;
  assert.ok(mem.buffer instanceof SharedArrayBuffer);
  assert.throws(() => mem.grow(16), RangeError, 'growing past 16 pages fails');
});

test('no index moves: imported and defined globals, functions and exports keep their meaning', async () => {
  const src = `(module
    (import "env" "g" (global $g i32))
    (import "env" "f" (func $f (result i32)))
    (global $a (mut i32) (i32.const 10))
    (global $b i64 (i64.const 20))
    (global (export "a") (mut i32) (i32.const 30))
    (func (export "read") (result i32)
      (global.set $a (i32.add (global.get $a) (i32.const 1)))
      (i32.add (i32.add (global.get $g) (global.get $a)) (i32.add (i32.wrap_i64 (global.get $b)) (call $f)))))`;
  const imports = { env: { g: new WebAssembly.Global({ value: 'i32' }, 1000), f: () => 5 } };
  const out = await sameResults(src, [['read', []]], imports);
  const exps = WebAssembly.Module.exports(new WebAssembly.Module(out as Uint8Array<ArrayBuffer>));
  assert.deepEqual(exps, [{ name: 'a', kind: 'global' }, { name: 'read', kind: 'function' }, { name: FUEL_EXPORT, kind: 'global' }]);
  const m = await instantiate(out, imports);
  assert.equal((m.exports['a'] as WebAssembly.Global).value, 30);
  m.fuel.value = 123n;
  assert.equal(m.fuel.value, 123n, 'the fuel global is a mutable i64');
});

test('modules with nothing to meter still get a fuel global; custom sections survive', async () => {
  for (const src of ['(module)', '(module (memory 1))', '(module (func (export "f")) (start 0))']) {
    const out = instrument(await wat(src));
    assert.ok(WebAssembly.validate(out.bytes as Uint8Array<ArrayBuffer>), src);
    const m = await instantiate(out.bytes);
    assert.equal(typeof m.fuel.value, 'bigint', src);
  }
  const named = await wat('(module (func $named (export "f") (loop (br_if 0 (i32.const 0)))))');
  const withNote = new Uint8Array([...named, 0x00, 0x05, 0x04, 0x6e, 0x6f, 0x74, 0x65]); // custom section "note", empty
  const out = instrument(withNote);
  const mod = new WebAssembly.Module(out.bytes as Uint8Array<ArrayBuffer>);
  assert.equal(WebAssembly.Module.customSections(mod, 'note').length, 1);
});

test('an imported memory is capped through its declared limits: the host must supply one within the cap', async () => {
  const src = '(module (import "env" "mem" (memory 1)) (func (export "grow") (result i32) (memory.grow (i32.const 100))))';
  const out = instrument(await wat(src), { memoryMaxPages: 16 });
  assert.ok(WebAssembly.validate(out.bytes as Uint8Array<ArrayBuffer>));
  const module = new WebAssembly.Module(out.bytes as Uint8Array<ArrayBuffer>);
  assert.throws(() => new WebAssembly.Instance(module, { env: { mem: new WebAssembly.Memory({ initial: 1 }) } }), WebAssembly.LinkError, 'an unbounded memory is refused');
  assert.throws(() => new WebAssembly.Instance(module, { env: { mem: new WebAssembly.Memory({ initial: 1, maximum: 17 }) } }), WebAssembly.LinkError);
  const ok = new WebAssembly.Instance(module, { env: { mem: new WebAssembly.Memory({ initial: 1, maximum: 16 }) } });
  (ok.exports[FUEL_EXPORT] as WebAssembly.Global).value = 1000n;
  assert.equal((ok.exports['grow'] as () => number)(), -1);
});

test('a memory that starts above the cap is refused with both numbers', async () => {
  assert.throws(() => instrument(new Uint8Array(0)), { code: 'PKG_INVALID_WASM' });
  const big = await wat('(module (memory 32 64))');
  assert.throws(() => instrument(big, { memoryMaxPages: 16 }), (e: { code?: string; message?: string }) =>
    e.code === 'MEMORY_LIMIT' && /32 pages \(2 MiB\)/.test(e.message ?? '') && /16 pages \(1 MiB\)/.test(e.message ?? ''));
  const declared = instrument(await wat('(module (memory 2 8))'), { memoryMaxPages: 16 });
  assert.equal(declared.memoryMaxPages, 8, 'a declared maximum below the cap stays');
  assert.equal(instrument(await wat('(module (memory 2 8))')).memoryMaxPages, 8);
  assert.equal(instrument(await wat('(module)'), { memoryMaxPages: 16 }).memoryMaxPages, 0, 'no memory, no pages');
});

test('a module that already exports the fuel counter, and bad caps, are refused', async () => {
  const shadow = await wat(`(module (global (export "${FUEL_EXPORT}") (mut i64) (i64.const 1000000)))`);
  assert.throws(() => instrument(shadow), (e: { code?: string; message?: string }) => e.code === 'PKG_INVALID_WASM' && /already exports/.test(e.message ?? ''));
  const once = instrument(await wat('(module)')).bytes;
  assert.throws(() => instrument(once), { code: 'PKG_INVALID_WASM' }, 'instrumenting twice is refused');
  for (const cap of [-1, 1.5, Number.NaN, 2 ** 49]) {
    assert.throws(() => instrument(once, { memoryMaxPages: cap }), { code: 'BAD_REQUEST' }, String(cap));
  }
});
