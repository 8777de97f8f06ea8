/**
 * Fuel: compute-heavy guests (clang -O2 C programs and a br_table dispatch loop) metered vs not,
 * and instrumentation throughput beside a raw SHA-256 of the same bytes and beside wasmparser
 * decoding them (the decoder the architecture brief mentions). Also the minified bundle sizes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BinaryReader } from 'wasmparser';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import { FUEL_EXPORT, instrument } from '../../src/execution/instrument/index.ts';
import { ROOT } from '../fixtures/build.ts';
import { C_VARIANTS, buildC, type CProgram } from '../instrument/c-build.ts';
import { fixture } from '../instrument/helpers.ts';
import { timeNs, type BenchRow } from './harness.ts';

const GUESTS: Array<{ program: CProgram; fn: string; arg: number }> = [
  { program: 'fuel-sha', fn: 'sha_bench', arg: 300 },
  { program: 'fuel-sort', fn: 'sort_bench', arg: 100_000 },
  { program: 'fuel-nbody', fn: 'nbody_bench', arg: 100_000 },
];

/**
 * Median milliseconds of `a` and of `b`, measured in alternating rounds after warm-up runs (so the
 * engine has tiered up and load on the machine falls on both alike).
 */
function msPair(a: () => unknown, b: () => unknown, rounds = 15): [number, number] {
  for (let i = 0; i < 3; i++) { a(); b(); }
  const ta: number[] = [], tb: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t0 = performance.now();
    a();
    ta.push(performance.now() - t0);
    t0 = performance.now();
    b();
    tb.push(performance.now() - t0);
  }
  const median = (t: number[]) => t.sort((x, y) => x - y)[Math.floor(t.length / 2)]!;
  return [median(ta), median(tb)];
}

async function exportsOf(bytes: Uint8Array): Promise<WebAssembly.Exports> {
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  return (await WebAssembly.instantiate(module, {})).exports;
}

async function meteredVsPlain(label: string, bytes: Uint8Array, fn: string, args: unknown[]): Promise<BenchRow> {
  const plain = (await exportsOf(bytes))[fn] as (...a: unknown[]) => unknown;
  const metered = await exportsOf(instrument(bytes).bytes);
  const run = metered[fn] as (...a: unknown[]) => unknown;
  const fuel = metered[FUEL_EXPORT] as WebAssembly.Global;
  const [off, on] = msPair(() => plain(...args), () => { fuel.value = 10n ** 15n; run(...args); });
  return { name: `${label}, fuel on`, value: on, unit: 'ms', baseline: { name: 'fuel off (same module uninstrumented)', value: off } };
}

const leb = (v: number): number[] => { const o: number[] = []; do { let b = v & 0x7f; v >>>= 7; if (v) b |= 0x80; o.push(b); } while (v); return o; };

/**
 * A large module of real clang bodies: the code of `bytes` repeated to about `targetBytes` (copies
 * call the originals, so indices stay valid); custom sections dropped.
 */
export function replicate(bytes: Uint8Array, targetBytes: number): Uint8Array {
  const once = replicateTimes(bytes, 1).length;
  return replicateTimes(bytes, Math.max(1, Math.round(targetBytes / once)));
}

function replicateTimes(bytes: Uint8Array, copies: number): Uint8Array {
  let p = 8;
  const readU32 = () => { let v = 0, s = 0, b; do { b = bytes[p++]!; v += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return v; };
  const out: number[] = [...bytes.subarray(0, 8)];
  const push = (src: ArrayLike<number>) => { for (let i = 0; i < src.length; i++) out.push(src[i]!); };
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = readU32();
    const start = p, end = p + size;
    p = end;
    if (id === 0) continue;
    if (id !== 3 && id !== 10) { push([id, ...leb(size)]); push(bytes.subarray(start, end)); continue; }
    const save = p;
    p = start;
    const n = readU32();
    const entries = bytes.subarray(p, end);
    p = save;
    const content = [...leb(n * copies)];
    for (let i = 0; i < copies; i++) for (const b of entries) content.push(b);
    push([id, ...leb(content.length)]);
    push(content);
  }
  return new Uint8Array(out);
}

function throughput(label: string, bytes: Uint8Array): BenchRow[] {
  const mb = bytes.length / 1e6;
  const iters = Math.max(3, Math.round(20 / mb));
  const inst = timeNs(() => instrument(bytes), iters, 5) / 1e6;
  const sha = timeNs(() => nobleCrypto.sha256(bytes), iters, 5) / 1e6;
  const parse = timeNs(() => {
    const r = new BinaryReader();
    r.setData(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
    while (r.read()) { /* decode every operator */ }
  }, Math.max(2, Math.round(iters / 4)), 3) / 1e6;
  return [
    { name: `instrument ${label}`, value: mb / (inst / 1e3), unit: 'MB/s', baseline: { name: 'SHA-256 (noble) of the same bytes', value: mb / (sha / 1e3) } },
    { name: `instrument ${label}`, value: mb / (inst / 1e3), unit: 'MB/s', baseline: { name: 'wasmparser: decode only', value: mb / (parse / 1e3) } },
  ];
}

async function bundleKb(entry: string): Promise<number> {
  const r = await build({ stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' }, bundle: true, minify: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'error', mainFields: ['module', 'main'] });
  return r.outputFiles[0]!.contents.length / 1024;
}

export default async function fuelBench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const g of GUESTS) rows.push(await meteredVsPlain(`${g.program} -O2 ${g.fn}(${g.arg})`, buildC(g.program, C_VARIANTS['O2']!, true), g.fn, [g.arg]));
  rows.push(await meteredVsPlain('fuel-sort -O0 sort_bench(20000)', buildC('fuel-sort', C_VARIANTS['O0']!, true), 'sort_bench', [20000]));
  rows.push(await meteredVsPlain('br_table dispatch loop machine(3e6)', await fixture('fuel-nested'), 'machine', [3_000_000]));

  const big = replicate(buildC('fuel-sort', C_VARIANTS['O2']!, true), 4e6);
  if (!WebAssembly.validate(big as Uint8Array<ArrayBuffer>)) throw new Error('the replicated module does not validate');
  rows.push(...throughput(`${(big.length / 1e6).toFixed(1)} MB of clang -O2 bodies`, big));
  const webp = join(ROOT, 'node_modules/playwright-core/lib/webp_codec.wasm');
  if (existsSync(webp)) rows.push(...throughput('webp_codec.wasm (emscripten, 0.57 MB)', new Uint8Array(readFileSync(webp))));

  rows.push({
    name: 'bundle: src/execution/instrument (minified)',
    value: await bundleKb(`export * from './src/execution/instrument/index.ts';`),
    unit: 'KiB',
    baseline: { name: 'wasmparser alone (minified)', value: await bundleKb(`export { BinaryReader } from 'wasmparser';`) },
  });
  return rows;
}
