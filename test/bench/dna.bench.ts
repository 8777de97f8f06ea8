/**
 * Execution DNA costs, each beside a baseline measured in the same run:
 *  - the gate with and without the trace: a guest making 100,000 fd_write calls through
 *    launchContainer, hooks recording to a DnaRecorder whose lines go to a sink — so the figure
 *    holds everything a traced call costs: record, batch hashing, JSON rendering, checkpoint
 *    signatures and finish — vs a no-op record hook. Three ways: the platform's crypto and a
 *    store-like sink (noble signs the checkpoints); the same with native Ed25519 signing; and the
 *    `forge run --trace` path, the synchronous file sink (fsync at every checkpoint);
 *  - record() alone over a realistic call mix, latency and amortized;
 *  - the pieces per entry: chain link + Merkle nodes beside the raw SHA-256 of the same bytes at
 *    bulk rate (the floor for any SHA-256 chain and RFC 6962 tree), rendering beside
 *    JSON.stringify, a checkpoint signature per entry (noble beside node:crypto);
 *  - SHA-256 throughput of the trace's hasher beside noble and node:crypto;
 *  - verification in entries per second beside hashing each entry's canonical bytes once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { nodeCrypto } from '../../platform/node/crypto.ts';
import { createNodePlatform } from '../../platform/node/index.ts';
import { nodeEd25519Signer } from '../../platform/node/crypto.ts';
import { traceFileSink } from '../../platform/node/trace-file-sink.ts';
import { resolveCrypto } from '../../src/crypto/noble.ts';
import { keyPairFromSecret } from '../../src/crypto/keys.ts';
import { launchContainer } from '../../src/execution/container.ts';
import type { Decision, GateHooks, SyscallOutcome, SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { createDnaRecorder, verifyTrace, type DnaRecorder, type DnaRecorderOptions } from '../../src/dna/index.ts';
import { analyzeTrace } from '../../src/dna/inspect/analyze.ts';
import { ByteWriter } from '../../src/lib/bytes.ts';
import { encodeEntry } from '../../src/dna/codec/canonical.ts';
import { Hasher } from '../../src/dna/hash/hasher.ts';
import { renderSegment } from '../../src/dna/record/line-log.ts';
import { MerkleFrontier } from '../../src/dna/hash/merkle.ts';
import type { BenchRow } from './harness.ts';

const crypto = resolveCrypto(nodeCrypto);
const signNative = nodeEd25519Signer();
/** The platform's provider with Ed25519 signing through node:crypto (what platform/node could offer). */
const nativeCrypto = { ...crypto, signEd25519: async (m: Uint8Array, k: Uint8Array) => signNative(m, k) };
const KEY = keyPairFromSecret(new Uint8Array(32).fill(7)).secretKey;
const CALLS = 100_000;
const INTERVAL = 1024;

const FLOOD = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\\10\\00\\00\\00\\01\\00\\00\\00")
  (data (i32.const 16) "x")
  (func (export "_start") (local $i i32)
    (loop $again
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const ${CALLS}))))))`;

const ALLOW: Decision = Object.freeze({ effect: 'allow', rules: Object.freeze(['base.stdio']), reason: 'stdout is granted' });

function recorder(extra: Partial<DnaRecorderOptions> = {}): DnaRecorder {
  return createDnaRecorder({
    crypto, signingKey: KEY, checkpointInterval: INTERVAL, ...extra,
    genesis: { kernelId: 'bench', configDigest: '11'.repeat(32), policyDigest: '22'.repeat(32), identity: 'bench/33', package: { digest: '33'.repeat(32), signer: 'k' }, limits: { fuel: 1e12 } },
  });
}

/** A store-like sink: takes the rendered lines (and touches each, as a store copies it). */
function storeSink(): { sink: (runId: string, from: number, lines: string[]) => Promise<void>; chars: () => number } {
  let chars = 0;
  return { sink: async (_id, _from, lines) => { for (const l of lines) chars += l.length; }, chars: () => chars };
}

/** A guest's calls as the gate hands them over: stdio writes, clock reads, opens, file reads with data, env names. */
function mix(): [SyscallRequest, Decision, SyscallOutcome][] {
  const out: [SyscallRequest, Decision, SyscallOutcome][] = [];
  for (let i = 0; i < 64; i++) {
    out.push([{ syscall: 'fd_write', group: 'stdio', fd: 1, bytes: 40 + (i % 30) }, ALLOW, { errno: 0, size: 40 + (i % 30) }]);
    out.push([{ syscall: 'clock_time_get', group: 'clock' }, ALLOW, { errno: 0, data: new Uint8Array(8).fill(i) }]);
    out.push([{ syscall: 'path_open', group: 'fs.read', fd: 3, path: `/data/in/file-${i}.txt`, access: 'read' }, ALLOW, { errno: 0 }]);
    out.push([{ syscall: 'fd_read', group: 'fs.read', fd: 4, bytes: 4096 }, ALLOW, { errno: 0, size: 64, data: new Uint8Array(64).fill(i) }]);
    out.push([{ syscall: 'environ_get', group: 'env', env: 'HOME' }, ALLOW, { errno: 0, size: 10 }]);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Medians of `a` and `b` run in alternating rounds, so load on a shared machine falls on both alike. */
async function paired(a: () => Promise<number>, b: () => Promise<number>, rounds: number): Promise<[number, number]> {
  await a();
  await b();
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ta.push(await a());
    tb.push(await b());
  }
  return [median(ta), median(tb)];
}

async function gateRows(): Promise<BenchRow[]> {
  const wabt = await wabtInit();
  const module = new Uint8Array(wabt.parseWat('flood.wat', FLOOD).toBinary({}).buffer);
  const platform = createNodePlatform();
  const dir = mkdtempSync(join(tmpdir(), 'forge-dna-bench-'));
  const run = async (hooks: GateHooks, after?: () => Promise<unknown>) => {
    const t0 = performance.now();
    const r = await launchContainer({ platform, module, hooks, keepOutput: false, limits: { stdoutBytes: 1 << 24 } });
    await after?.();
    if (r.status !== 'exited') throw new Error(`flood guest ended ${r.status}: ${r.reason}`);
    return ((performance.now() - t0) * 1e6) / CALLS;
  };
  const plain = () => run({ decide: () => ALLOW, record: () => undefined });
  const traced = (make: () => DnaRecorder) => () => {
    const rec = make();
    return run({ decide: () => ALLOW, record: (q, d, o, c) => rec.record(q, d, o, { fuelUsed: c.fuelUsed, trust: 100 }) }, () => rec.finish({ status: 'exited', exitCode: 0 }));
  };
  let files = 0;
  try {
    const [storeTraced, storePlain] = await paired(traced(() => recorder({ sink: storeSink().sink })), plain, 5);
    const [nativeTraced, nativePlain] = await paired(traced(() => recorder({ crypto: nativeCrypto, sink: storeSink().sink })), plain, 5);
    const [fileTraced, filePlain] = await paired(traced(() => recorder({ sink: traceFileSink(join(dir, `t${files++}.jsonl`)), signSync: signNative })), plain, 5);
    const base = { name: 'gate per fd_write, no-op record hook' };
    return [
      { name: 'gate per fd_write, with the DNA trace (incl. finish)', value: storeTraced, unit: 'ns/call', baseline: { ...base, value: storePlain } },
      { name: 'gate + DNA trace, native Ed25519 checkpoint signing', value: nativeTraced, unit: 'ns/call', baseline: { ...base, value: nativePlain } },
      { name: 'gate + DNA trace streamed to a file (fsync per checkpoint)', value: fileTraced, unit: 'ns/call', baseline: { ...base, value: filePlain } },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function recordRows(): Promise<BenchRow[]> {
  const calls = mix();
  const N = 64_000;
  let sink = 0;
  const noop = async () => {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const [q, d, o] = calls[i % calls.length]!;
      sink += (q.fd ?? 0) + d.rules.length + o.errno;
    }
    return ((performance.now() - t0) * 1e6) / N;
  };
  let lastTrace = '';
  const recorded = async () => {
    const rec = recorder({ retainLines: true, sink: storeSink().sink });
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const [q, d, o] = calls[i % calls.length]!;
      rec.record(q, d, o, { fuelUsed: BigInt(i), trust: 100 });
    }
    await rec.finish({ status: 'exited', exitCode: 0 });
    const ns = ((performance.now() - t0) * 1e6) / N;
    lastTrace = `${rec.lines().join('\n')}\n`;
    return ns;
  };
  const [rec, base] = await paired(recorded, noop, 5);
  if (sink < 0) throw new Error('unreachable');

  // The synchronous cost a syscall sees: record() timed call by call. Every 512th call also hashes
  // its batch (and every 1024th cuts a checkpoint), so the median is the snapshot alone.
  const perCall = (fn: (i: number) => void) => {
    const samples = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      fn(i);
      samples[i] = (performance.now() - t0) * 1e6;
    }
    samples.sort();
    return { p50: samples[N >> 1]!, p99: samples[Math.floor(N * 0.99)]! };
  };
  perCall(() => undefined);
  const timedRec = recorder();
  const lat = perCall((i) => { const [q, d, o] = calls[i % calls.length]!; timedRec.record(q, d, o, { fuelUsed: BigInt(i), trust: 100 }); });
  const latBase = perCall((i) => { const [q, d, o] = calls[i % calls.length]!; sink += (q.fd ?? 0) + d.rules.length + o.errno; });
  await timedRec.finish({ status: 'exited' });

  // The pieces, over the same entries.
  const a = analyzeTrace(lastTrace);
  const w = new ByteWriter(1 << 20);
  const ends: number[] = [];
  for (const e of a.entries) {
    encodeEntry(w, e);
    ends.push(w.pos);
  }
  const all = w.buf.subarray(0, w.pos);
  const entryBytes = all.length / a.entries.length;
  const h = new Hasher();
  const hashes = new Uint8Array(32 * a.entries.length);
  const hashing = async () => {
    const f = new MerkleFrontier(h);
    const t0 = performance.now();
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      h.linkInto(hashes, i === 0 ? 0 : (i - 1) * 32, all, start, ends[i]!, hashes, i * 32);
      f.push(hashes, i * 32);
      start = ends[i]!;
    }
    f.root();
    return ((performance.now() - t0) * 1e6) / ends.length;
  };
  const big = new Uint8Array(1 << 20).fill(0x61);
  const out = new Uint8Array(32);
  const bulk = (sha: (d: Uint8Array) => unknown) => async () => {
    const t0 = performance.now();
    for (let i = 0; i < 8; i++) sha(big);
    return ((performance.now() - t0) * 1e6) / (8 * big.length); // ns per byte
  };
  const traceBulk = bulk((d) => h.reset().update(d).finish(out));
  const [hashNs, rawNsPerByte] = await paired(hashing, traceBulk, 7);
  const nobleNsPerByte = median([await bulk(nobleSha256)(), await bulk(nobleSha256)(), await bulk(nobleSha256)()]);
  const nativeNsPerByte = median([await bulk(crypto.sha256)(), await bulk(crypto.sha256)(), await bulk(crypto.sha256)()]);

  // Rendering lines from canonical bytes as the recorder does (a segment into one buffer, decoded
  // once, split) beside JSON.stringify of objects holding the same.
  const K = 512;
  const segment = { first: 1, bytes: all.slice(ends[0], ends[K]), ends: Uint32Array.from(ends.slice(1, K + 1), (e) => e - ends[0]!), hashes: hashes.slice(32, 32 * (K + 1)) };
  const rw = new ByteWriter();
  const render = async () => {
    const lines: string[] = [];
    const t0 = performance.now();
    for (let r = 0; r < 4; r++) renderSegment(segment, lines, rw);
    return ((performance.now() - t0) * 1e6) / (4 * K);
  };
  const objects = a.entries.slice(1, K + 1).map((e) => ({ ...e, fuel: String(e.kind === 'call' ? e.fuel : 0), hash: '0'.repeat(64) }));
  const stringify = async () => {
    const t0 = performance.now();
    for (let r = 0; r < 4; r++) for (const o of objects) sink += JSON.stringify(o, (_k, v: unknown) => (v instanceof Uint8Array ? v.length : v)).length;
    return ((performance.now() - t0) * 1e6) / (4 * objects.length);
  };
  const [renderNs, stringifyNs] = await paired(render, stringify, 7);

  // Verification beside hashing each entry's canonical bytes once.
  const verify = async () => {
    const t0 = performance.now();
    const r = await verifyTrace(lastTrace, { crypto });
    if (!r.ok) throw new Error(r.message);
    return a.entries.length / ((performance.now() - t0) / 1e3);
  };
  const once = async () => {
    const t0 = performance.now();
    let start = 0;
    for (const end of ends) {
      h.reset().update(all, start, end).finish(out);
      start = end;
    }
    return ends.length / ((performance.now() - t0) / 1e3);
  };
  const [verifyRate, onceRate] = await paired(verify, once, 3);

  // One checkpoint signature, spread over the entries it covers; warmed (noble builds tables on first use).
  const body = new Uint8Array(120);
  for (let i = 0; i < 5; i++) { await crypto.signEd25519(body, KEY); signNative(body, KEY); }
  const signs = async (sign: () => unknown) => {
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) await sign();
    return ((performance.now() - t0) * 1e6) / 50 / INTERVAL;
  };
  const [nobleSign, nativeSign] = await paired(() => signs(() => crypto.signEd25519(body, KEY)), () => signs(() => signNative(body, KEY)), 3);

  const rawEntry = entryBytes * rawNsPerByte;
  return [
    { name: 'DNA record() latency per call, median (timed one by one)', value: lat.p50, unit: 'ns/call', baseline: { name: 'no-op record hook, median (same timer)', value: latBase.p50 } },
    { name: 'DNA record() latency per call, p99', value: lat.p99, unit: 'ns/call', baseline: { name: 'no-op record hook, p99 (same timer)', value: latBase.p99 } },
    { name: `DNA record() per call, amortized over ${N} (mix; incl. finish)`, value: rec, unit: 'ns/call', baseline: { name: 'no-op record hook', value: base } },
    { name: 'hash work per entry (chain link + Merkle nodes)', value: hashNs, unit: 'ns/entry', baseline: { name: `raw SHA-256 of the entry's ${entryBytes.toFixed(0)} bytes at bulk rate`, value: rawEntry } },
    { name: 'hash work per entry, in SHA-256 blocks at bulk rate', value: hashNs / (64 * rawNsPerByte), unit: 'blocks', baseline: { name: 'blocks of the entry alone, padded', value: Math.ceil((entryBytes + 9) / 64) } },
    { name: 'render JSON lines from canonical bytes (a 512-entry segment)', value: renderNs, unit: 'ns/line', baseline: { name: 'JSON.stringify of the same entry objects', value: stringifyNs } },
    { name: `checkpoint signature per entry (noble, 1 / ${INTERVAL})`, value: nobleSign, unit: 'ns/entry', baseline: { name: 'node:crypto Ed25519, same', value: nativeSign } },
    { name: 'SHA-256 throughput, the trace\'s hasher (1 MiB)', value: 1e3 / rawNsPerByte, unit: 'MB/s', baseline: { name: 'noble (1 MiB)', value: 1e3 / nobleNsPerByte } },
    { name: 'SHA-256 throughput, the trace\'s hasher (1 MiB) ', value: 1e3 / rawNsPerByte, unit: 'MB/s', baseline: { name: 'node:crypto, native (1 MiB)', value: 1e3 / nativeNsPerByte } },
    { name: 'verify (parse, re-render, chain, Merkle, signatures)', value: verifyRate, unit: 'entries/s', baseline: { name: 'SHA-256 of each canonical entry once', value: onceRate } },
  ];
}

export default async function bench(): Promise<BenchRow[]> {
  return [...(await gateRows()), ...(await recordRows())];
}
