/**
 * Execution DNA costs, each beside a baseline measured in the same run:
 *  - the gate with and without the trace: a guest making 100,000 fd_write calls through
 *    launchContainer, hooks recording to a DnaRecorder (including finish: batch hashing, JSON
 *    lines, signed checkpoints) vs a no-op record hook;
 *  - record() alone over a realistic call mix, amortized, vs a no-op hook;
 *  - the hash work per entry (chain link + RFC 6962 leaf + Merkle nodes) vs the raw SHA-256
 *    throughput (noble, 1 MiB buffer) over the same bytes;
 *  - verification in entries per second vs hashing each entry's canonical bytes once.
 */
import wabtInit from 'wabt';
import { nodeCrypto } from '../../platform/node/crypto.ts';
import { createNodePlatform } from '../../platform/node/index.ts';
import { nobleCrypto, resolveCrypto } from '../../src/crypto/noble.ts';
import { keyPairFromSecret } from '../../src/crypto/keys.ts';
import { launchContainer } from '../../src/execution/container.ts';
import type { Decision, GateHooks, SyscallOutcome, SyscallRequest } from '../../src/execution/syscalls.ts';
import { createDnaRecorder, verifyTrace, type DnaRecorder } from '../../src/observer/index.ts';
import { analyzeTrace } from '../../src/observer/analyze.ts';
import { ByteWriter } from '../../src/observer/binary.ts';
import { encodeEntry, hashEntry } from '../../src/observer/canonical.ts';
import { Hasher } from '../../src/observer/hasher.ts';
import { MerkleFrontier } from '../../src/observer/merkle.ts';
import type { BenchRow } from './harness.ts';

const crypto = resolveCrypto(nodeCrypto);
const KEY = keyPairFromSecret(new Uint8Array(32).fill(7)).secretKey;
const CALLS = 100_000;

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

function recorder(): DnaRecorder {
  return createDnaRecorder({
    crypto, signingKey: KEY, checkpointInterval: 1024,
    genesis: { kernelId: 'bench', configDigest: '11'.repeat(32), policyDigest: '22'.repeat(32), identity: 'bench/33', package: { digest: '33'.repeat(32), signer: 'k' }, limits: { fuel: 1e12 } },
  });
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
  const run = async (hooks: GateHooks, after?: () => Promise<unknown>) => {
    const t0 = performance.now();
    const r = await launchContainer({ platform, module, hooks, keepOutput: false, limits: { stdoutBytes: 1 << 24 } });
    await after?.();
    if (r.status !== 'exited') throw new Error(`flood guest ended ${r.status}: ${r.reason}`);
    return ((performance.now() - t0) * 1e6) / CALLS;
  };
  const plain = () => run({ decide: () => ALLOW, record: () => undefined });
  const traced = () => {
    const rec = recorder();
    return run({ decide: () => ALLOW, record: (q, d, o, c) => rec.record(q, d, o, { fuelUsed: c.fuelUsed, trust: 100 }) }, () => rec.finish({ status: 'exited', exitCode: 0 }));
  };
  const [withTrace, without] = await paired(traced, plain, 5);
  return [{
    name: 'gate per fd_write, with the DNA trace (incl. finish)', value: withTrace, unit: 'ns/call',
    baseline: { name: 'gate per fd_write, no-op record hook', value: without },
  }];
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
    const rec = recorder();
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
  // and renders its batch, so the median is the snapshot alone; the batches are in the amortized row.
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

  // The hash work alone, over the same entries, beside noble's raw throughput on the same bytes.
  const a = analyzeTrace(lastTrace);
  const w = new ByteWriter();
  const canon = a.entries.map((e) => { encodeEntry(w, e); return w.view().slice(); });
  const entryBytes = canon.reduce((n, c) => n + c.length, 0) / canon.length;
  const big = new Uint8Array(1 << 20).fill(0x61);
  const h = new Hasher();
  const hashing = async () => {
    const f = new MerkleFrontier();
    let prev = new Uint8Array(32);
    const t0 = performance.now();
    for (const e of a.entries) {
      const r = hashEntry(w, h, e, prev);
      prev = r.hash as Uint8Array<ArrayBuffer>;
      f.push(r.leaf, h);
    }
    f.root(h);
    return ((performance.now() - t0) * 1e6) / a.entries.length;
  };
  // noble is what the trace hashes with (inputs of 33–200 bytes: a native call costs more per call).
  const rawWith = (sha: (d: Uint8Array) => Uint8Array) => async () => {
    const t0 = performance.now();
    for (let i = 0; i < 8; i++) sha(big);
    return ((performance.now() - t0) * 1e6) / (8 * big.length); // ns per byte
  };
  const [hashNs, rawNsPerByte] = await paired(hashing, rawWith(nobleCrypto.sha256), 7);
  const rawMBs = 1e3 / rawNsPerByte;
  const nativeMBs = 1e3 / median([await rawWith(crypto.sha256)(), await rawWith(crypto.sha256)(), await rawWith(crypto.sha256)()]);

  // Verification beside hashing each entry's canonical bytes once.
  const verify = async () => {
    const t0 = performance.now();
    const r = await verifyTrace(lastTrace, { crypto });
    if (!r.ok) throw new Error(r.message);
    return a.entries.length / ((performance.now() - t0) / 1e3);
  };
  const once = async () => {
    const t0 = performance.now();
    for (const c of canon) nobleCrypto.sha256(c);
    return canon.length / ((performance.now() - t0) / 1e3);
  };
  const [verifyRate, onceRate] = await paired(verify, once, 3);

  // One checkpoint signature, spread over the entries it covers (interval 1024).
  const t1 = performance.now();
  for (let i = 0; i < 20; i++) await crypto.signEd25519(new Uint8Array(120), KEY);
  const signPerEntry = ((performance.now() - t1) * 1e6) / 20 / 1024;

  return [
    { name: 'DNA record() latency per call, median (timed one by one)', value: lat.p50, unit: 'ns/call', baseline: { name: 'no-op record hook, median (same timer)', value: latBase.p50 } },
    { name: 'DNA record() latency per call, p99', value: lat.p99, unit: 'ns/call', baseline: { name: 'no-op record hook, p99 (same timer)', value: latBase.p99 } },
    { name: `DNA record() per call, amortized over ${N} (mix; incl. finish)`, value: rec, unit: 'ns/call', baseline: { name: 'no-op record hook', value: base } },
    { name: 'checkpoint signature per entry (1 Ed25519 sign / 1024)', value: signPerEntry, unit: 'ns/entry', baseline: { name: 'DNA record() per call, amortized', value: rec } },
    { name: 'DNA record() per call, amortized', value: rec, unit: 'ns/call', baseline: { name: `raw SHA-256 of one ${entryBytes.toFixed(0)}-byte entry at bulk rate`, value: entryBytes * rawNsPerByte } },
    { name: 'hash work per entry (chain + leaf + Merkle nodes)', value: hashNs, unit: 'ns/entry', baseline: { name: `raw SHA-256 of the entry's ${entryBytes.toFixed(0)} bytes at bulk rate`, value: entryBytes * rawNsPerByte } },
    { name: 'DNA hashing throughput over entry bytes', value: (entryBytes / hashNs) * 1e3, unit: 'MB/s', baseline: { name: 'raw SHA-256 throughput (noble, 1 MiB)', value: rawMBs } },
    { name: 'raw SHA-256 throughput (noble, 1 MiB)', value: rawMBs, unit: 'MB/s', baseline: { name: 'raw SHA-256 throughput (node:crypto, 1 MiB)', value: nativeMBs } },
    { name: 'verify (parse, re-render, chain, Merkle, signatures)', value: verifyRate, unit: 'entries/s', baseline: { name: 'SHA-256 of each canonical entry once (noble)', value: onceRate } },
  ];
}

export default async function bench(): Promise<BenchRow[]> {
  return [...(await gateRows()), ...(await recordRows())];
}
