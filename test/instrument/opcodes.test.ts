/**
 * Every opcode the scanner claims to know, with its immediates, in one module: each instruction
 * sits in unreachable code (so any operand types validate) followed by a small loop whose charge
 * must land exactly after it. The engine validates the result, and wasmparser — an independent
 * decoder — counts the charges, so a mis-sized immediate anywhere shows up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BinaryReader, type IOperatorInformation } from 'wasmparser';
import { instrument } from '../../src/execution/instrument/index.ts';

function leb(v: number): number[] {
  const out: number[] = [];
  do { let b = v & 0x7f; v >>>= 7; if (v) b |= 0x80; out.push(b); } while (v);
  return out;
}

const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
const MEMARG = [0x00, 0x00];

/** [opcode bytes with immediates] for every instruction outside structured control flow. */
function instructions(): number[][] {
  const ops: number[][] = [];
  ops.push([0x01], [0x0c, 0x00], [0x0d, 0x00], [0x0e, 0x01, 0x00, 0x00], [0x0f]);
  ops.push([0x08, 0x00], [0x0a], [0x10, 0x00], [0x11, 0x00, 0x00], [0x12, 0x00], [0x13, 0x00, 0x00], [0x14, 0x00], [0x15, 0x00]);
  ops.push([0x1a], [0x1b], [0x1c, 0x01, 0x7f], [0x20, 0x00], [0x21, 0x00], [0x22, 0x00], [0x23, 0x00], [0x24, 0x00], [0x25, 0x00], [0x26, 0x00]);
  for (let op = 0x28; op <= 0x3e; op++) ops.push([op, ...MEMARG]);
  ops.push([0x3f, 0x00], [0x40, 0x00], [0x41, 0x7f], [0x42, 0x80, 0x7f], [0x43, 0, 0, 0, 0], [0x44, 0, 0, 0, 0, 0, 0, 0, 0]);
  for (let op = 0x45; op <= 0xc4; op++) ops.push([op]);
  ops.push([0xd0, 0x70], [0xd1], [0xd2, 0x00], [0xd3], [0xd4], [0xd5, 0x00]);
  for (let sub = 0; sub <= 7; sub++) ops.push([0xfc, sub]);
  ops.push([0xfc, 8, 0, 0], [0xfc, 9, 0], [0xfc, 10, 0, 0], [0xfc, 11, 0], [0xfc, 12, 0, 0], [0xfc, 13, 0], [0xfc, 14, 0, 0], [0xfc, 15, 0], [0xfc, 16, 0], [0xfc, 17, 0]);
  const simdGaps = new Set([154, 162, 165, 166, 175, 176, 178, 179, 180, 187, 194, 197, 198, 207, 208, 210, 211, 212, 226, 238]);
  for (let sub = 0; sub <= 0x113; sub++) {
    if (simdGaps.has(sub)) continue;
    const head = [0xfd, ...leb(sub)];
    if (sub <= 11 || sub === 92 || sub === 93) ops.push([...head, ...MEMARG]);
    else if (sub === 12 || sub === 13) ops.push([...head, ...new Array<number>(16).fill(0)]);
    else if (sub >= 21 && sub <= 34) ops.push([...head, 0]);
    else if (sub >= 84 && sub <= 91) ops.push([...head, ...MEMARG, 0]);
    else ops.push(head);
  }
  // Atomics require exactly natural alignment.
  ops.push([0xfe, 0x00, 2, 0], [0xfe, 0x01, 2, 0], [0xfe, 0x02, 3, 0], [0xfe, 0x03, 0x00]);
  const plain = [2, 3, 0, 1, 0, 1, 2, 2, 3, 0, 1, 0, 1, 2];
  for (let sub = 0x10; sub <= 0x1d; sub++) ops.push([0xfe, sub, plain[sub - 0x10]!, 0]);
  const rmw = [2, 3, 0, 1, 0, 1, 2];
  for (let sub = 0x1e; sub <= 0x4e; sub++) ops.push([0xfe, sub, rmw[(sub - 0x1e) % 7]!, 0]);
  return ops;
}

function moduleWith(ops: number[][]): Uint8Array {
  const body: number[] = [0x01, 0x01, 0x7f]; // one i32 local
  for (const op of ops) body.push(0x00, ...op, 0x1a, 0x03, 0x40, 0x41, 0x00, 0x1a, 0x0b); // unreachable; op; drop; loop i32.const 0 drop end
  body.push(0x0b);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(3, [1, 0]),
    ...section(4, [1, 0x70, 0x00, 0x01]),
    ...section(5, [1, 0x00, 0x01]),
    ...section(13, [1, 0x00, 0x00]),
    ...section(6, [1, 0x7f, 0x01, 0x41, 0x00, 0x0b]),
    ...section(9, [1, 0x01, 0x00, 0x01, 0x00]),
    ...section(12, [1]),
    ...section(10, [1, ...leb(body.length), ...body]),
    ...section(11, [1, 0x01, 0x01, 0x2a]),
  ]);
}

// wasmparser's BinaryReaderState is a const enum, which erasable TypeScript cannot import.
const STATE_ERROR = -1;
const STATE_CODE_OPERATOR = 30;

/** Counts `global.set index` instructions, decoded by wasmparser. */
function countGlobalSets(bytes: Uint8Array, index: number): number {
  const r = new BinaryReader();
  r.setData(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  while (r.read()) {
    if (r.state === STATE_ERROR) throw r.result;
    if (r.state === STATE_CODE_OPERATOR) {
      const op = r.result as IOperatorInformation;
      if (op.code === 0x24 && op.globalIndex === index) n++;
    }
  }
  return n;
}

test('every known opcode decodes with its immediates; a charge lands after each', () => {
  const ops = instructions();
  const original = moduleWith(ops);
  assert.ok(WebAssembly.validate(original as Uint8Array<ArrayBuffer>), 'the coverage module itself is valid');
  const out = instrument(original);
  assert.ok(WebAssembly.validate(out.bytes as Uint8Array<ArrayBuffer>), 'the instrumented coverage module validates');
  // One charge per loop, one at entry, one in each bulk-operation charge (6 of them).
  assert.equal(countGlobalSets(out.bytes, 1), ops.length + 1 + 6);
  assert.equal(countGlobalSets(original, 1), 0);
});

test('each opcode alone: an unknown neighbour byte is reported at its exact offset', () => {
  for (const op of instructions()) {
    const m = moduleWith([op]);
    // The first byte after `op; drop` is the loop opcode; make it an unknown opcode (0x27).
    const at = m.lastIndexOf(0x03, m.length - 10);
    const bad = m.slice();
    bad[at] = 0x27;
    assert.throws(() => instrument(bad), (e: { code?: string; details?: { offset?: number } }) =>
      e.code === 'PKG_INVALID_WASM' && e.details?.offset === at, `after ${op.map((b) => b.toString(16)).join(' ')}`);
  }
});
