/**
 * explainTrace states what happened and nothing else; the integrity score follows the documented
 * formula; evidence files carry every part of a run, bound to its signed summary, and open with
 * the system's own `tar`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isKernelError } from '../../src/errors.ts';
import { explainTrace, exportEvidence, readEvidence, scoreRun, verifyTrace } from '../../src/dna/index.ts';
import { FLAG } from '../../src/dna/inspect/score.ts';
import { crypto, joinLines, recordRun, splitLines } from './helpers.ts';

test('the explanation says what the guest did, what was denied by which rule, and why the score is what it is', async () => {
  const { text } = await recordRun();
  const report = await verifyTrace(text, { crypto });
  const { text: prose, json } = explainTrace(text, { report });
  assert.equal(json.calls, 11);
  assert.equal(json.denials.total, 1);
  assert.deepEqual(json.denials.shown[0], { entry: 8, syscall: 'path_open', target: '/etc/shadow', rules: [], reason: 'no rule grants this (default deny)', errno: 'NOTCAPABLE' });
  assert.deepEqual(json.activity.read, ['/data/input.txt']);
  assert.deepEqual(json.activity.envNames, ['HOME']);
  assert.equal(json.activity.stdinBytes, 6);
  assert.equal(json.activity.stdoutBytes, 12);
  assert.equal(json.activity.clockReads, 2);
  assert.equal(json.activity.randomBytes, 16);
  assert.deepEqual(json.flags.map((f) => [f.flag, f.entries]), [['path-escape-attempt', [8]], ['secret-probe', [8]], ['denied', [8]]]);
  assert.equal(json.score.value, 58);
  assert.equal(json.score.source, 'signed summary');
  assert.match(prose, /^Run [0-9a-f]{32}: package acme\/hello@1\.0\.0/);
  assert.match(prose, /Verification: ok — intact/);
  assert.match(prose, /entry 8: path_open \/etc\/shadow — denied by the default deny \(no rule allowed it\): "no rule grants this \(default deny\)" \(errno NOTCAPABLE\)/);
  assert.match(prose, /Integrity score 58\/100 \(signed summary\): −2 denials: 1 call was denied \(2 points each\); −20 anomalies: path-escape-attempt; −20 anomalies: secret-probe\./);
  assert.ok(!prose.includes('/home'), 'an env value in the explanation');
});

test('a cut trace is explained as such, with a recomputed score', async () => {
  const { text } = await recordRun();
  const cut = joinLines(splitLines(text).slice(0, 9));
  const { text: prose, json } = explainTrace(cut);
  assert.equal(json.verification.status, 'not-checked');
  assert.equal(json.outcome, undefined);
  assert.match(prose, /Outcome: not recorded — the trace has no closing summary\./);
  assert.equal(json.score.source, 'recomputed, run end unknown');
});

test('the integrity score follows the documented formula, category caps included', () => {
  assert.equal(scoreRun({ flags: 0, denied: 0, monitored: 0 }, 'exited').value, 100);
  assert.equal(scoreRun({ flags: FLAG.unsigned, denied: 0, monitored: 0 }, 'exited').value, 70);
  assert.equal(scoreRun({ flags: 0, denied: 50, monitored: 0 }, 'exited').value, 80, 'denials cap at 20');
  assert.equal(scoreRun({ flags: FLAG['path-escape-attempt'] | FLAG['secret-probe'] | FLAG['low-trust'], denied: 0, monitored: 0 }, 'exited').value, 60, 'anomalies cap at 40');
  assert.equal(scoreRun({ flags: FLAG['rate-limited'], denied: 0, monitored: 3 }, 'fuel-exhausted').value, 100 - 3 - 25 - 10);
  const worst = scoreRun({ flags: FLAG.unsigned | FLAG['path-escape-attempt'] | FLAG['secret-probe'], denied: 99, monitored: 99 }, 'quarantined');
  assert.equal(worst.value, 0);
  assert.deepEqual(worst.flags, ['unsigned', 'path-escape-attempt', 'secret-probe', 'quarantined']);
});

test('evidence: one tar with the trace, checkpoints, attestation, manifest, policy and memory, bound by digests', async () => {
  const memory = new Uint8Array(3 * 65536).map((_, i) => i % 251);
  const { text, recorder } = await recordRun(undefined, {}, { status: 'quarantined', code: 'QUARANTINED', memory });
  const file = exportEvidence({ trace: text, manifest: { name: 'acme/hello', version: '1.0.0' }, policy: { version: 1, id: 'p' }, memorySnapshot: memory });
  const { index, trace, files } = readEvidence(file);
  assert.equal(trace, text);
  assert.equal(index.runId, recorder.runId);
  assert.deepEqual(index.members.map((m) => m.name), ['trace.jsonl', 'checkpoints.jsonl', 'attestation.dsse.json', 'manifest.json', 'policy.json', 'memory.bin']);
  assert.deepEqual(files.get('memory.bin'), memory);
  assert.equal(index.summary?.integrityScore, recorder.summary!.summary.integrityScore);
  assert.equal(splitLines(new TextDecoder().decode(files.get('checkpoints.jsonl'))).length, 3);

  const dir = mkdtempSync(join(tmpdir(), 'dna-evidence-'));
  writeFileSync(join(dir, 'e.tar'), file);
  execFileSync('tar', ['-xf', 'e.tar'], { cwd: dir });
  assert.equal(readFileSync(join(dir, 'trace.jsonl'), 'utf8'), text);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'memory.bin'))), memory);

  assert.throws(() => exportEvidence({ trace: text, memorySnapshot: memory.subarray(1) }), /not the one the signed summary states/);
  const altered = file.slice();
  altered[Buffer.from(file).indexOf('{"t":"genesis"') + 30]! ^= 1;
  assert.throws(() => readEvidence(altered), (e: unknown) => isKernelError(e, 'TRACE_TAMPERED') && /trace\.jsonl/.test(e.message));
  assert.throws(() => readEvidence(file.subarray(0, file.length - 1024)), /no end-of-archive marker|truncated/);
});
