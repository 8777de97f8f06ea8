/**
 * Hostile bytes: every malformed module is a KernelError PKG_INVALID_WASM with a precise message
 * and offset, nothing else is ever thrown, and instrumentation never turns an invalid module
 * into a valid one (or a valid one into an invalid one). Random and mutated modules via fast-check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KernelError } from '../../src/errors.ts';
import { instrument } from '../../src/execution/instrument/index.ts';
import { C_PROGRAMS, C_VARIANTS, buildC } from './c-build.ts';
import { fixture, wat } from './helpers.ts';

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const mod = (...bytes: number[]) => new Uint8Array([...HEADER, ...bytes]);
/** A module with one `() -> ()` function whose body (after its locals) is `code`. */
const fn = (...code: number[]) => mod(1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, code.length + 3, 1, code.length + 1, 0, ...code);

function refused(bytes: Uint8Array, message: RegExp, offset?: number): void {
  assert.throws(() => instrument(bytes), (e: unknown) => {
    assert.ok(e instanceof KernelError, `a KernelError, got ${String(e)}`);
    assert.equal(e.code, 'PKG_INVALID_WASM');
    assert.match(e.message, message);
    if (offset !== undefined) assert.equal(e.details['offset'], offset, e.message);
    return true;
  });
}

test('malformed headers and sections are refused precisely', () => {
  refused(new Uint8Array([0, 0x61, 0x73]), /at least 8 bytes/, 0);
  refused(new Uint8Array([1, 2, 3, 4, 1, 0, 0, 0]), /bad magic/, 0);
  refused(new Uint8Array([...HEADER.slice(0, 4), 2, 0, 0, 0]), /unsupported binary version 0x2/, 4);
  refused(new Uint8Array([...HEADER.slice(0, 4), 0x0d, 0, 1, 0]), /component, not a core module/, 4);
  refused(mod(1, 50, 0), /type section \(id 1\) declares 50 bytes but only 1 remain/, 8);
  refused(mod(99, 0), /unknown section id 99/, 8);
  refused(mod(3, 1, 0, 1, 1, 0), /type section \(id 1\) is duplicated or out of order/, 11);
  refused(mod(1, 0x80), /unexpected end while reading an integer/, 10);
  refused(mod(1, 0xff, 0xff, 0xff, 0xff, 0x7f), /integer too large for 32 bits/, 13);
  refused(mod(1, 2, 0x05, 0x60), /type count 5 exceeds the 1 bytes that remain/, 10);
  refused(mod(1, 3, 1, 0x5f, 0), /only function types are supported/, 11);
  refused(mod(1, 5, 1, 0x60, 0, 0, 0xaa), /1 unexpected trailing bytes/, 14);
  refused(mod(1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0), /declares 1 functions but there is no code section/);
  refused(mod(1, 4, 1, 0x60, 0, 0, 3, 2, 1, 7, 10, 4, 1, 2, 0, 0x0b), /function 0 names type 7 but only 1 types exist/);
  refused(mod(1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 1, 0), /code section has 0 bodies but the function section declares 1/);
  refused(mod(5, 2, 1, 0x09), /unsupported limits flags 0x9/, 11);
});

test('malformed function bodies are refused at the offending byte', () => {
  const base = fn(0x0b);
  assert.doesNotThrow(() => instrument(base));
  const bodyAt = base.length - 1; // the final `end`
  refused(fn(0x27, 0x0b), /unknown opcode 0x27/, bodyAt);
  refused(fn(0xfc, 0x12, 0x0b), /unknown opcode 0xfc 18/, bodyAt);
  refused(fn(0xfd, 0x9a, 0x01, 0x0b), /unknown SIMD opcode 0xfd 154/, bodyAt);
  refused(fn(0xfe, 0x04, 0x0b), /unknown atomic opcode 0xfe 4/, bodyAt);
  refused(fn(0xfb, 0x00, 0x0b), /garbage-collection/, bodyAt);
  refused(fn(0x0c, 0x01, 0x0b), /branch depth 1 exceeds the 0 enclosing blocks/, bodyAt);
  refused(fn(0x0e, 0x01, 0x00, 0x05, 0x0b), /br_table depth 5 exceeds/, bodyAt);
  refused(fn(0x05, 0x0b), /outside its if/, bodyAt);
  refused(fn(0x02, 0x40, 0x0b), /ends before its final `end`/, bodyAt + 3);
  refused(fn(0x0b, 0x01), /1 bytes follow the function's final `end`/, bodyAt + 1);
  refused(fn(0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b), /integer representation too long/, bodyAt + 5);
  refused(fn(0x44, 0x00, 0x00), /unexpected end while reading 8 bytes/);
  refused(fn(0xfc, 0x0b, 0x03, 0x0b), /memory index 3 out of range \(0 defined\)/, bodyAt);
});

test('guest code cannot name the fuel global or the scratch locals (they do not exist in its module)', () => {
  // Each would be invalid before instrumentation and valid after: a guest refilling its own fuel.
  refused(fn(0x03, 0x40, 0x42, 0xff, 0x00, 0x24, 0x00, 0x0c, 0x00, 0x0b, 0x0b), /global index out of range \(0 globals\)/);
  refused(fn(0x23, 0x00, 0x1a, 0x0b), /global index out of range/);
  refused(fn(0x20, 0x00, 0x1a, 0x0b), /local index out of range \(0 locals\)/);
  refused(fn(0x42, 0x00, 0x22, 0x00, 0x1a, 0x0b), /local index out of range/);
  // An export of global 0 in a module with no globals: instrumentation would give it the fuel global.
  refused(mod(7, 5, 1, 1, 0x66, 0x03, 0x00), /export of global 0 out of range \(0 globals\)/);
});

test('a body larger than its section, and bytes after the last body, are refused', () => {
  const good = fn(0x01, 0x0b);
  const lying = good.slice();
  lying[lying.length - 4] = 9; // the body size
  refused(lying, /body of 9 bytes/);
  const trailing = mod(1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 5, 1, 2, 0, 0x0b, 0xee);
  refused(trailing, /1 bytes follow the last function body/);
});

function sample(): Promise<Uint8Array[]> {
  return Promise.all([
    fixture('fuel-loop'), fixture('fuel-nested'), fixture('fuel-bulk'), fixture('fuel-simd'), fixture('fuel-multivalue'),
    wat(`(module (tag $e) (memory i64 1) (func (param i64) (result i32) (try (do (throw $e)) (catch_all))
      (memory.fill (i64.const 0) (i32.const 0) (local.get 0)) (return_call 1 (i32.const 1)))
      (func (param i32) (result i32) (local.get 0)))`),
  ]);
}

/**
 * Instruments and checks the contract: a KernelError or a result whose validity matches the input's.
 * A static limit (WASM_LIMIT_EXCEEDED) may refuse a module the engine would accept: that is by design.
 */
function contract(bytes: Uint8Array): void {
  let out: Uint8Array;
  try {
    out = instrument(bytes).bytes;
  } catch (e) {
    if (!(e instanceof KernelError) || (e.code !== 'PKG_INVALID_WASM' && e.code !== 'WASM_LIMIT_EXCEEDED')) throw new Error(`unexpected ${String(e)}`, { cause: e });
    if (e.code === 'PKG_INVALID_WASM' && WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>) && !/not supported/.test(e.message)) {
      throw new Error(`a valid module was refused: ${e.message}`);
    }
    return;
  }
  const before = WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>);
  const after = WebAssembly.validate(out as Uint8Array<ArrayBuffer>);
  if (before !== after) throw new Error(`validity changed from ${before} to ${after}`);
  try {
    instrument(bytes, { memoryMaxPages: 16 });
  } catch (e) {
    if (!(e instanceof KernelError) || (e.code !== 'PKG_INVALID_WASM' && e.code !== 'MEMORY_LIMIT' && e.code !== 'WASM_LIMIT_EXCEEDED')) throw e;
  }
}

test('fuzz: random bytes after a valid header never throw anything but KernelError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => contract(new Uint8Array([...HEADER, ...tail]))), { numRuns: 3000 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => contract(b)), { numRuns: 1000 });
});

type Edit = { kind: 'flip' | 'insert' | 'delete' | 'truncate'; at: number; byte: number };
const edits = fc.array(fc.record({
  kind: fc.constantFrom<Edit['kind']>('flip', 'flip', 'flip', 'insert', 'delete', 'truncate'),
  at: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
}), { minLength: 1, maxLength: 4 });

function mutate(base: Uint8Array, list: Edit[]): Uint8Array {
  let b = [...base];
  for (const e of list) {
    const at = 8 + (e.at % Math.max(1, b.length - 8));
    if (e.kind === 'flip') b[at] = e.byte;
    else if (e.kind === 'insert') b.splice(at, 0, e.byte);
    else if (e.kind === 'delete') b.splice(at, 1);
    else b = b.slice(0, at);
  }
  return new Uint8Array(b);
}

test('fuzz: mutated real modules keep the contract (KernelError, or validity preserved)', async () => {
  const bases = await sample();
  fc.assert(fc.property(fc.integer({ min: 0, max: bases.length - 1 }), edits, (i, list) => contract(mutate(bases[i]!, list))), { numRuns: 4000 });
});

test('fuzz: mutated clang output keeps the contract', () => {
  const bases = C_PROGRAMS.map((p) => buildC(p, C_VARIANTS['O2']!, true));
  fc.assert(fc.property(fc.integer({ min: 0, max: bases.length - 1 }), edits, (i, list) => contract(mutate(bases[i]!, list))), { numRuns: 400 });
});
