/**
 * Shared material for the DNA tests: a fixed kernel key, a genesis, and synthetic syscall streams
 * (clocks, random, stdin, file reads, writes, a secret probe) recorded straight through the
 * recorder — no sandbox needed.
 */
import { resolveCrypto } from '../../src/crypto/noble.ts';
import { keyPairFromSecret } from '../../src/crypto/keys.ts';
import type { Decision, SyscallOutcome, SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { createDnaRecorder, type DnaRecorder, type DnaRecorderOptions, type GenesisInfo, type RunOutcome } from '../../src/dna/index.ts';
import { nodeCrypto } from '../../platform/node/crypto.ts';

/** noble plus Node's WebCrypto verification: the property tests verify thousands of traces. */
export const crypto = resolveCrypto(nodeCrypto);
export const KERNEL = keyPairFromSecret(new Uint8Array(32).fill(7));
export const OTHER = keyPairFromSecret(new Uint8Array(32).fill(8));

export const GENESIS: GenesisInfo = {
  kernelId: 'test-kernel',
  configDigest: '11'.repeat(32),
  policyDigest: '22'.repeat(32),
  package: { digest: '33'.repeat(32), name: 'acme/hello', version: '1.0.0', signer: '44'.repeat(32) },
  identity: 'acme/3333',
  limits: { fuel: 1_000_000, memoryBytes: 1 << 24 },
  startedAt: 1_780_000_000_000,
};

export type Call = readonly [SyscallRequest, Decision, SyscallOutcome];

const allow = (rule: string): Decision => ({ effect: 'allow', rules: [rule], reason: `allowed by ${rule}` });
const deny: Decision = { effect: 'deny', rules: [], reason: 'no rule grants this (default deny)' };
const bytes = (...b: number[]) => Uint8Array.from(b);
const text = (s: string) => new TextEncoder().encode(s);

/** A small program's calls: reads the clock, draws random bytes, reads stdin and a file, writes, probes a secret. */
export function syntheticStream(): Call[] {
  return [
    [{ syscall: 'args_sizes_get', group: 'proc' }, allow('base.proc'), { errno: 0, size: 2 }],
    [{ syscall: 'environ_get', group: 'env', env: 'HOME' }, allow('app.env'), { errno: 0, size: 10, data: text('HOME=/home') }],
    [{ syscall: 'clock_time_get', group: 'clock' }, allow('base.clock'), { errno: 0, size: 8, data: bytes(1, 2, 3, 4, 5, 6, 7, 8) }],
    [{ syscall: 'random_get', group: 'random', bytes: 16 }, allow('base.random'), { errno: 0, size: 16, data: new Uint8Array(16).map((_, i) => i * 17) }],
    [{ syscall: 'fd_read', group: 'stdio', fd: 0, bytes: 64 }, allow('base.stdio'), { errno: 0, size: 6, data: text('hello\n') }],
    [{ syscall: 'path_open', group: 'fs.read', fd: 3, path: '/data/input.txt', access: 'read' }, allow('app.data'), { errno: 0 }],
    [{ syscall: 'fd_read', group: 'fs.read', fd: 4, bytes: 4096 }, allow('app.data'), { errno: 0, size: 11, data: text('file body\n\0') }],
    [{ syscall: 'path_open', group: 'fs.read', fd: 3, path: '/etc/shadow', access: 'read' }, deny, { errno: 76 }],
    [{ syscall: 'clock_time_get', group: 'clock' }, allow('base.clock'), { errno: 0, size: 8, data: bytes(9, 2, 3, 4, 5, 6, 7, 8) }],
    [{ syscall: 'fd_write', group: 'stdio', fd: 1, bytes: 12 }, allow('base.stdio'), { errno: 0, size: 12 }],
    [{ syscall: 'proc_exit', group: 'proc' }, allow('base.proc'), { errno: 0 }],
  ];
}

export function newRecorder(extra: Partial<DnaRecorderOptions> = {}): DnaRecorder {
  return createDnaRecorder({ crypto, signingKey: KERNEL.secretKey, genesis: GENESIS, checkpointInterval: 4, ...extra });
}

/** Records `calls` (fuel grows by 1000 per call, trust 100) and finishes; returns the trace text. */
export async function recordRun(calls: readonly Call[] = syntheticStream(), extra: Partial<DnaRecorderOptions> = {}, outcome: RunOutcome = { status: 'exited', exitCode: 0 }): Promise<{ text: string; recorder: DnaRecorder }> {
  const recorder = newRecorder(extra);
  calls.forEach(([req, dec, out], i) => recorder.record(req, dec, out, { fuelUsed: BigInt((i + 1) * 1000), trust: 100 }));
  await recorder.finish(outcome);
  return { text: joinLines(recorder.lines()), recorder };
}

export const joinLines = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');
export const splitLines = (text: string) => text.split('\n').slice(0, -1);
