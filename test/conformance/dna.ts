/**
 * Execution DNA in every host: the same synthetic run recorded with the host's crypto gives the
 * byte-identical trace (a fixed nonce makes it deterministic; Ed25519 signatures are), which
 * verifies, proves inclusion and consistency, survives the host's real TraceStore, and names a
 * tampered entry. Web standards only: bundled into the Service Worker and the Worker.
 */
import { toHex } from '../../src/lib/encoding.ts';
import { keyPairFromSecret } from '../../src/crypto/keys.ts';
import { resolveCrypto } from '../../src/crypto/noble.ts';
import type { Decision, SyscallOutcome, SyscallRequest } from '../../src/ports/gate-hooks.ts';
import {
  consistencyProof, createDnaRecorder, createReplayChecker, inclusionProof, verifyConsistency, verifyInclusion, verifyTrace,
  type DnaRecorderOptions,
} from '../../src/dna/index.ts';
import type { CryptoProvider } from '../../src/ports/crypto-provider.ts';
import { assert, assertEqual, type ConformanceCase, type ConformanceEnv } from './harness.ts';

const KERNEL = keyPairFromSecret(new Uint8Array(32).fill(7));
const allow: Decision = { effect: 'allow', rules: ['base'], reason: 'granted' };
const CALLS: readonly (readonly [SyscallRequest, Decision, SyscallOutcome])[] = [
  [{ syscall: 'clock_time_get', group: 'clock' }, allow, { errno: 0, size: 8, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }],
  [{ syscall: 'random_get', group: 'random', bytes: 8 }, allow, { errno: 0, size: 8, data: Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2) }],
  [{ syscall: 'fd_read', group: 'stdio', fd: 0, bytes: 16 }, allow, { errno: 0, size: 3, data: Uint8Array.of(104, 105, 10) }],
  [{ syscall: 'path_open', group: 'fs.read', fd: 3, path: '/etc/shadow', access: 'read' }, { effect: 'deny', rules: [], reason: 'default deny' }, { errno: 76 }],
  [{ syscall: 'fd_write', group: 'stdio', fd: 1, bytes: 3 }, allow, { errno: 0, size: 3 }],
];
/** SHA-256 of the trace text this run records, identical in every host (pinned from Node). */
const TRACE_SHA256 = '3ab6d56e590714b0b61084d1bab58ad2415362f5d543f3a38062d9f4e382e0f3';

function hostCrypto(env: ConformanceEnv): CryptoProvider {
  // A fixed nonce and run id: the only randomness a trace holds, fixed so the bytes can be compared.
  return { ...resolveCrypto(env.platform.crypto), randomBytes: (n) => new Uint8Array(n).fill(0x5a) };
}

async function record(env: ConformanceEnv, extra: Partial<DnaRecorderOptions> = {}): Promise<{ text: string; runId: string }> {
  const r = createDnaRecorder({
    crypto: hostCrypto(env), signingKey: KERNEL.secretKey, checkpointInterval: 2, ...extra,
    genesis: {
      kernelId: 'conformance', configDigest: '11'.repeat(32), policyDigest: '22'.repeat(32), identity: 'local/33',
      package: { digest: '33'.repeat(32), name: 'acme/conformance', version: '1.0.0' }, limits: { fuel: 1000000 }, startedAt: 1780000000000,
    },
  });
  CALLS.forEach(([q, d, o], i) => r.record(q, d, o, { fuelUsed: BigInt((i + 1) * 100), trust: 100 - i * 10 }));
  await r.finish({ status: 'exited', exitCode: 0 });
  return { text: r.lines().map((l) => `${l}\n`).join(''), runId: r.runId };
}

export const dnaCases: ConformanceCase[] = [
  {
    name: 'dna: a recorded run is byte-identical in every host and verifies under the pinned kernel key',
    async run(env) {
      const { text } = await record(env);
      const crypto = resolveCrypto(env.platform.crypto);
      assertEqual(toHex(crypto.sha256(new TextEncoder().encode(text))), TRACE_SHA256, 'sha256 of the trace text');
      const r = await verifyTrace(text, { crypto, publicKey: KERNEL.publicKey });
      assertEqual([r.status, r.entries, r.verified, r.checkpoints], ['ok', 6, 6, 3], 'report');
      assertEqual(r.summary?.integrityScore, 100 - 30 - 2 - 20 - 20, 'integrity score (unsigned, 1 denial, escape, secret probe)');
    },
  },
  {
    name: 'dna: a flipped byte in an entry is named; a cut tail is reported with the proven entries',
    async run(env) {
      const { text } = await record(env);
      const lines = text.split('\n');
      const bad = [...lines];
      bad[4] = bad[4]!.replace('"size":3', '"size":4');
      const r = await verifyTrace(bad.join('\n'), { crypto: resolveCrypto(env.platform.crypto) });
      assertEqual([r.status, r.firstBad?.entry, r.firstBad?.line], ['tampered', 3, 5], 'tampered entry 3 (line 5)');
      const cut = await verifyTrace(`${lines.slice(0, 5).join('\n')}\n`, { crypto: resolveCrypto(env.platform.crypto) });
      assertEqual([cut.status, cut.verified, cut.entries], ['truncated', 2, 4], 'cut after entry 3');
    },
  },
  {
    name: 'dna: bytes after the closing summary and a deleted checkpoint do not verify',
    async run(env) {
      const { text } = await record(env);
      const crypto = resolveCrypto(env.platform.crypto);
      for (const tail of ['x', ' ', '\n', '{"k":1}']) {
        const r = await verifyTrace(text + tail, { crypto });
        assertEqual(r.status, 'tampered', `${JSON.stringify(tail)} after the summary`);
      }
      const lines = text.split('\n');
      const firstCheckpoint = lines.findIndex((l) => l.includes('"checkpoint"'));
      assert(firstCheckpoint > 0, 'the trace has a checkpoint');
      const without = [...lines.slice(0, firstCheckpoint), ...lines.slice(firstCheckpoint + 1)].join('\n');
      assertEqual((await verifyTrace(without, { crypto })).status, 'tampered', 'a deleted checkpoint');
    },
  },
  {
    name: 'dna: inclusion and consistency proofs verify on their own',
    async run(env) {
      const { text } = await record(env);
      const crypto = resolveCrypto(env.platform.crypto);
      for (let i = 0; i < 6; i++) {
        const p = await verifyInclusion(JSON.parse(JSON.stringify(inclusionProof(text, i))), { crypto, publicKey: KERNEL.publicKey });
        assert(p.ok, `inclusion of entry ${i}: ${p.message}`);
      }
      const c = await verifyConsistency(JSON.parse(JSON.stringify(consistencyProof(text, 2, 6))), { crypto });
      assert(c.ok, `consistency 2 → 6: ${c.message}`);
    },
  },
  {
    name: 'dna: the replay checker confirms the recorded calls and names a divergence',
    async run(env) {
      const { text } = await record(env);
      const ok = createReplayChecker(text);
      CALLS.forEach(([q], i) => ok.record(q, ok.decide(q), i < 3 ? ok.replay(q) : CALLS[i]![2], { fuelUsed: BigInt((i + 1) * 100) }));
      assertEqual(ok.finish({ status: 'exited', exitCode: 0 }).calls, 5, 'calls replayed');
      const bad = createReplayChecker(text);
      bad.record(CALLS[0]![0], bad.decide(CALLS[0]![0]), bad.replay(CALLS[0]![0]), { fuelUsed: 100n });
      let entry: unknown;
      try {
        bad.decide({ syscall: 'random_get', group: 'random', bytes: 9 });
      } catch (e) {
        entry = (e as { details?: Record<string, unknown> }).details?.['entry'];
      }
      assertEqual(entry, 2, 'first divergent entry');
    },
  },
  {
    name: 'dna: write-behind through the host\'s real TraceStore keeps every line in order',
    skip: (env) => (env.makeStores ? undefined : `${env.runtime}: no persistent stores in this environment`),
    async run(env) {
      const stores = await env.makeStores!();
      const { text, runId } = await record(env, { sink: (id, from, lines) => stores.traces.append(id, from, lines), retainLines: true });
      const stored = (await stores.traces.read(runId)).map((l) => `${l}\n`).join('');
      assertEqual(stored, text, 'stored trace');
      const r = await verifyTrace(stored, { crypto: resolveCrypto(env.platform.crypto) });
      assertEqual(r.status, 'ok', 'stored trace verifies');
    },
  },
];
