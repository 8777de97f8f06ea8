/**
 * Proofs cut from a real trace verify on their own (after a JSON round trip, as `forge trace prove`
 * prints them), pin to the kernel key, and fail when any part of them is altered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKernelError } from '../../src/errors.ts';
import { fromHex } from '../../src/lib/encoding.ts';
import { consistencyProof, inclusionProof, verifyConsistency, verifyInclusion } from '../../src/dna/index.ts';
import { ByteWriter } from '../../src/lib/bytes.ts';
import { entryHash } from '../../src/dna/codec/canonical.ts';
import { Hasher } from '../../src/dna/hash/hasher.ts';
import { renderEntry } from '../../src/dna/codec/lines.ts';
import { parseLine } from '../../src/dna/codec/parse.ts';
import { crypto, KERNEL, OTHER, recordRun, splitLines } from './helpers.ts';

const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

test('every entry has an inclusion proof that verifies on its own', async () => {
  const { text } = await recordRun();
  for (let i = 0; i < 12; i++) {
    const proof = roundTrip(inclusionProof(text, i));
    const r = await verifyInclusion(proof, { crypto, publicKey: KERNEL.publicKey });
    assert.ok(r.ok, `entry ${i}: ${r.message}`);
    assert.equal(proof['treeSize'], 12);
  }
  const early = roundTrip(inclusionProof(text, 2, { size: 4 }));
  assert.equal(early['treeSize'], 4);
  assert.ok((await verifyInclusion(early, { crypto })).ok);
});

test('an altered inclusion proof fails, saying why', async () => {
  const { text } = await recordRun();
  const proof = roundTrip(inclusionProof(text, 6));
  const path = proof['path'] as string[];
  // An altered entry re-chained onto the genuine previous hash: consistent in itself, not in the signed tree.
  const p = parseLine(proof['entry'] as string);
  assert.ok(p.t === 'call');
  const altered = { ...p.entry, result: { ...p.entry.result, errno: 1 } };
  const forged = renderEntry(altered, entryHash(new ByteWriter(), new Hasher(), altered, fromHex(proof['prev'] as string)!));
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['entry content', { ...proof, entry: (proof['entry'] as string).replace('"errno":0', '"errno":1') }, /does not chain onto the stated previous hash/],
    ['previous hash', { ...proof, prev: '0'.repeat(64) }, /does not chain onto the stated previous hash/],
    ['entry and its hash', { ...proof, entry: forged }, /does not lead to the checkpoint's root/],
    ['index', { ...proof, index: 5 }, /claims index 5/],
    ['path', { ...proof, path: [path[1], path[0], ...path.slice(2)] }, /does not lead/],
    ['checkpoint', { ...proof, checkpoint: (proof['checkpoint'] as string).replace(/"sig":"(.)/, (_, c: string) => `"sig":"${c === '0' ? '1' : '0'}`) }, /signature does not verify/],
    ['run id', { ...proof, runId: 'another-run' }, /signature does not verify/],
    ['shape', { ...proof, extra: 1 }, /Unrecognized key|extra/],
  ];
  for (const [what, bad, why] of cases) {
    const r = await verifyInclusion(bad, { crypto });
    assert.ok(!r.ok, `${what} went unnoticed`);
    assert.match(r.message, why, what);
  }
  const pinned = await verifyInclusion(proof, { crypto, publicKey: OTHER.publicKey });
  assert.ok(!pinned.ok);
  assert.match(pinned.message, /not the key given/);
});

test('consistency proofs between checkpoints verify; altered ones fail', async () => {
  const { text } = await recordRun();
  for (const [a, b] of [[4, 8], [4, 12], [8, 12], [12, 12]] as const) {
    const p = roundTrip(consistencyProof(text, a, b));
    const r = await verifyConsistency(p, { crypto, publicKey: KERNEL.publicKey });
    assert.ok(r.ok, `${a} → ${b}: ${r.message}`);
  }
  const p = roundTrip(consistencyProof(text, 4, 12));
  const bad = { ...p, proof: (p['proof'] as string[]).map((x, i) => (i === 0 ? '0'.repeat(64) : x)) };
  assert.ok(!(await verifyConsistency(bad, { crypto })).ok);
  const swapped = { ...p, from: p['to'], to: p['from'] };
  assert.ok(!(await verifyConsistency(swapped, { crypto })).ok);
});

test('proofs refuse what the trace cannot back', async () => {
  const { text } = await recordRun();
  const lines = splitLines(text);
  assert.throws(() => inclusionProof(text, 99), (e: unknown) => isKernelError(e, 'TRACE_INVALID'));
  assert.throws(() => consistencyProof(text, 3, 8), /no checkpoint of size 3/);
  // Entries after the last checkpoint of a cut trace have no signed root yet.
  const cut = `${lines.slice(0, 7).join('\n')}\n`;
  assert.throws(() => inclusionProof(cut, 5), /after the last signed checkpoint/);
});
