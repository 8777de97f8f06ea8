/**
 * `forge trace …` and `forge replay`, run as a child process exactly as a user runs them: exit
 * codes, the first bad entry named, proofs that check on their own, evidence, the kernel key file,
 * and a real guest recorded by `forge run` and replayed through the sandbox.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { keyIdOf } from '../../src/crypto/keys.ts';
import { toHex } from '../../src/lib/encoding.ts';
import { ERROR_CODES } from '../../src/errors.ts';
import { loadKernelKey } from '../../platform/node/kernel-key.ts';
import { ROOT, buildFixtures, readFixtures } from '../fixtures/build.ts';
import { KERNEL, OTHER, recordRun, splitLines, joinLines } from './helpers.ts';

const NODE = join(ROOT, 'node_modules/.bin/node');
const MAIN = join(ROOT, 'platform/node/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'forge-cli-dna-'));
const at = (name: string) => join(dir, name);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function forge(args: string[], input?: string, env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(NODE, [MAIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, input: input ?? '', env: { ...process.env, FORGE_KERNEL_KEY: '', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const ok = (...args: string[]) => {
  const r = forge(args);
  assert.equal(r.code, 0, `forge ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
};
const fails = (code: keyof typeof ERROR_CODES, ...args: string[]) => {
  const r = forge(args);
  assert.equal(r.code, ERROR_CODES[code].exit, `forge ${args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^error ${code}: `, 'm'));
  return r.stderr;
};

test('forge trace verify: 0 for an intact trace; non-zero naming the first bad entry otherwise', async () => {
  const { text } = await recordRun();
  writeFileSync(at('good.jsonl'), text);
  writeFileSync(at('kernel.pub'), JSON.stringify({ type: 'ed25519', keyId: keyIdOf(KERNEL.publicKey), publicKey: toHex(KERNEL.publicKey) }));
  assert.match(ok('trace', 'verify', 'good.jsonl', '--key', 'kernel.pub'), /^ok: intact: 12 entries chained, 3 signed checkpoints/);
  const lines = splitLines(text);
  writeFileSync(at('bad.jsonl'), joinLines(lines.map((l, i) => (i === 6 ? l.replace('"errno":0', '"errno":5') : l))));
  assert.match(fails('TRACE_TAMPERED', 'trace', 'verify', 'bad.jsonl'), /error TRACE_TAMPERED: entry 5 \(line 7\): entry 5 at line 7 does not match its chain hash/);
  writeFileSync(at('cut.jsonl'), joinLines(lines.slice(0, 8)));
  assert.match(fails('TRACE_INCOMPLETE', 'trace', 'verify', 'cut.jsonl'), /entries 0\.\.3 are proven by 1 signed checkpoint; entries 4\.\.6 follow the last checkpoint/);
  assert.match(fails('TRACE_TAMPERED', 'trace', 'verify', 'good.jsonl', '--key', toHex(OTHER.publicKey)), /not by the key given/);
  const json = JSON.parse(ok('trace', 'verify', 'good.jsonl', '--json')) as { status: string; verified: number };
  assert.deepEqual([json.status, json.verified], ['ok', 12]);
});

test('forge trace prove / check-proof: a proof that verifies on its own, and fails once altered', async () => {
  const { text } = await recordRun();
  writeFileSync(at('p.jsonl'), text);
  writeFileSync(at('incl.json'), ok('trace', 'prove', 'p.jsonl', '--entry', '8'));
  assert.match(ok('trace', 'check-proof', 'incl.json', '--key', toHex(KERNEL.publicKey)), /^ok: entry 8 of run [0-9a-f]+ is in the signed tree of 12 entries/);
  writeFileSync(at('cons.json'), ok('trace', 'prove', 'p.jsonl', '--from', '4', '--to', '12'));
  assert.match(ok('trace', 'check-proof', 'cons.json'), /extends the signed tree of 4 entries/);
  const proof = JSON.parse(readFileSync(at('incl.json'), 'utf8')) as { entry: string };
  writeFileSync(at('forged.json'), JSON.stringify({ ...proof, entry: proof.entry.replace('"errno":76', '"errno":0') }));
  fails('TRACE_TAMPERED', 'trace', 'check-proof', 'forged.json');
  fails('TRACE_INVALID', 'trace', 'prove', 'p.jsonl', '--entry', '40');
  fails('BAD_REQUEST', 'trace', 'prove', 'p.jsonl');
});

test('forge trace explain and export: text, JSON, and an evidence file verify reads back', async () => {
  const memory = new Uint8Array(4096).fill(7);
  const { text } = await recordRun(undefined, {}, { status: 'trapped', code: 'WASM_TRAP', message: 'unreachable', memory });
  writeFileSync(at('t.jsonl'), text);
  writeFileSync(at('mem.bin'), memory);
  writeFileSync(at('manifest.json'), '{"name":"acme/hello","version":"1.0.0"}');
  assert.match(ok('trace', 'explain', 't.jsonl'), /Outcome: trapped \(WASM_TRAP: unreachable\); linear memory 4,096 bytes/);
  const json = JSON.parse(ok('trace', 'explain', 't.jsonl', '--json')) as { denials: { total: number }; score: { value: number } };
  assert.equal(json.denials.total, 1);
  assert.match(ok('trace', 'export', 't.jsonl', '--out', 'e.tar.gz', '--manifest', 'manifest.json', '--memory', 'mem.bin'), /evidence written to e\.tar\.gz/);
  assert.match(ok('trace', 'verify', 'e.tar.gz'), /^ok: intact/);
  writeFileSync(at('other.bin'), new Uint8Array(4096));
  fails('TRACE_INVALID', 'trace', 'export', 't.jsonl', '--out', 'x.tar', '--memory', 'other.bin');
});

test('the kernel key: created on first use with mode 0600, reused, refused when others can read it', () => {
  const out = JSON.parse(ok('trace', 'key', '--data-dir', 'kd')) as { keyId: string; publicKey: string };
  const file = at('kd/kernel-key.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(at('kd')).mode & 0o777, 0o700);
  assert.equal((JSON.parse(ok('trace', 'key', '--data-dir', 'kd')) as { keyId: string }).keyId, out.keyId, 'the same key on the next use');
  const k = loadKernelKey({ dataDir: at('kd'), env: {} });
  assert.equal(k.source, 'file');
  assert.equal(toHex(k.publicKey), out.publicKey);
  const env = loadKernelKey({ env: { FORGE_KERNEL_KEY: '07'.repeat(32) } });
  assert.equal(env.source, 'env');
  assert.equal(env.keyId, KERNEL.keyId);
  assert.throws(() => loadKernelKey({ env: { FORGE_KERNEL_KEY: 'xyz' } }), /64 hex digits/);
  spawnSync('chmod', ['644', file]);
  assert.throws(() => loadKernelKey({ dataDir: at('kd'), env: {} }), /readable by others \(mode 644\)/);
  assert.throws(() => loadKernelKey({ dataDir: at('nowhere'), env: {}, create: false }), /no kernel key/);
});

test('forge replay: a real guest recorded by forge run replays identically; a different input diverges', async () => {
  await buildFixtures();
  const wasm = readFixtures().get('wasi-args-env');
  assert.ok(wasm, 'fixture wasi-args-env');
  writeFileSync(at('args-env.wasm'), wasm);
  const seed = { FORGE_KERNEL_KEY: '07'.repeat(32) };
  const run = forge(['run', 'args-env.wasm', '--allow-unsigned', '--policy', 'permissive', '--env', 'GREETING=hi', '--env', 'API_TOKEN=s3cret', '--trace', 'ae.jsonl', '--', 'one', 'two'], '', seed);
  assert.equal(run.code, 0, run.stderr);
  const trace = readFileSync(at('ae.jsonl'), 'utf8');
  assert.ok(!trace.includes('s3cret'), 'an env value is in the trace');
  assert.match(ok('trace', 'verify', 'ae.jsonl', '--key', toHex(KERNEL.publicKey)), /^ok: intact/);
  assert.match(ok('replay', 'args-env.wasm', 'ae.jsonl', '--env', 'GREETING=hi', '--env', 'API_TOKEN=s3cret', '--', 'one', 'two'), /^identical: replayed \d+ calls identically; same outcome \(exited\)/);
  assert.match(fails('REPLAY_DIVERGED', 'replay', 'args-env.wasm', 'ae.jsonl', '--env', 'GREETING=hi', '--', 'one', 'two'), /replay diverged at entry \d+: recorded environ_get\(API_TOKEN\)/);
  writeFileSync(at('other.wasm'), readFixtures().get('wasi-stdio')!);
  fails('PKG_DIGEST_MISMATCH', 'replay', 'other.wasm', 'ae.jsonl');
});
