/**
 * Tampering with a stored trace is detected and located: a flipped bit at every byte position,
 * deleted, reordered, inserted and rewritten entries, a cut tail, forged checkpoints and a forged
 * summary. Each report names the right entry (or, for a checkpoint or the summary, its line).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/lib/encoding.ts';
import { checkpointBody, verifyTrace, type TraceReport } from '../../src/dna/index.ts';
import { analyzeTrace } from '../../src/dna/inspect/analyze.ts';
import { ByteWriter } from '../../src/lib/bytes.ts';
import { entryHash } from '../../src/dna/codec/canonical.ts';
import { Hasher } from '../../src/dna/hash/hasher.ts';
import { renderCheckpoint, renderEntry } from '../../src/dna/codec/lines.ts';
import { parseLine } from '../../src/dna/codec/parse.ts';
import { crypto, joinLines, KERNEL, OTHER, recordRun, splitLines } from './helpers.ts';

const verify = (text: string, publicKey?: Uint8Array): Promise<TraceReport> => verifyTrace(text, { crypto, ...(publicKey ? { publicKey } : {}) });

/** For every line: the entry seq it holds, or undefined for a checkpoint / the summary. */
function lineEntries(lines: readonly string[]): (number | undefined)[] {
  return lines.map((l) => { const p = parseLine(l); return p.t === 'checkpoint' || p.t === 'summary' ? undefined : p.entry.seq; });
}

test('an untouched trace verifies, pinned to the kernel key', async () => {
  const { text } = await recordRun();
  const r = await verify(text, KERNEL.publicKey);
  assert.equal(r.status, 'ok', r.message);
  assert.ok(r.ok && r.keyPinned);
  assert.equal(r.entries, 12);
  assert.equal(r.verified, 12);
  assert.equal(r.checkpoints, 3);
});

test('a flipped bit at any byte position is detected and the right entry or line is named', async () => {
  const { text } = await recordRun();
  const bytes = new TextEncoder().encode(text);
  const lines = splitLines(text);
  const seqOf = lineEntries(lines);
  const lineStart: number[] = [];
  lines.reduce((off, l) => { lineStart.push(off); return off + new TextEncoder().encode(l).length + 1; }, 0);
  const lineAt = (pos: number) => lineStart.findLastIndex((s) => s <= pos);
  for (let pos = 0; pos < bytes.length; pos++) {
    const bad = bytes.slice();
    bad[pos]! ^= 1 << (pos % 8);
    const r = await verify(new TextDecoder().decode(bad));
    const li = lineAt(pos);
    const where = `byte ${pos} (line ${li + 1}: ${JSON.stringify(String.fromCharCode(bytes[pos]!))} → ${JSON.stringify(String.fromCharCode(bad[pos]!))})`;
    assert.ok(!r.ok, `${where} went unnoticed`);
    assert.ok(r.firstBad, `${where}: no first bad entry named`);
    const seq = seqOf[li];
    const isNewline = bytes[pos] === 0x0a;
    if (seq !== undefined && !isNewline) {
      assert.equal(r.firstBad.entry, seq, `${where}: named entry ${r.firstBad.entry}, expected ${seq} — ${r.firstBad.reason}`);
      assert.equal(r.firstBad.line, li + 1, `${where}: named line ${r.firstBad.line} — ${r.firstBad.reason}`);
    } else if (!isNewline) {
      assert.equal(r.firstBad.line, li + 1, `${where}: named line ${r.firstBad.line} — ${r.firstBad.reason}`);
    } else {
      // A line break turned into another byte joins two lines: the first of them is named.
      assert.ok(r.firstBad.line === li + 1, `${where}: named line ${r.firstBad.line} — ${r.firstBad.reason}`);
    }
  }
});

test('any random byte replacement is detected (property)', async () => {
  const { text } = await recordRun();
  const bytes = new TextEncoder().encode(text);
  await fc.assert(fc.asyncProperty(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), async (pos, x) => {
    const bad = bytes.slice();
    bad[pos]! ^= x;
    const r = await verify(new TextDecoder().decode(bad));
    return !r.ok && r.firstBad !== undefined;
  }), { numRuns: 300 });
});

test('a deleted entry is named', async () => {
  const { text } = await recordRun();
  const lines = splitLines(text);
  const seqOf = lineEntries(lines);
  for (const seq of [0, 1, 5, 11]) {
    const i = seqOf.indexOf(seq);
    const r = await verify(joinLines(lines.filter((_, j) => j !== i)));
    assert.equal(r.status, seq === 0 ? 'invalid' : 'tampered', r.message);
    assert.equal(r.firstBad?.entry, seq, r.firstBad?.reason);
  }
});

test('two swapped entries are named at the first of them', async () => {
  const { text } = await recordRun();
  const lines = splitLines(text);
  const i = lineEntries(lines).indexOf(5);
  [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
  const r = await verify(joinLines(lines));
  assert.equal(r.status, 'tampered');
  assert.equal(r.firstBad?.entry, 5, r.firstBad?.reason);
});

test('an inserted entry is named, even when its chain hash was computed correctly', async () => {
  const { text } = await recordRun();
  const lines = splitLines(text);
  const a = analyzeTrace(text);
  const i = lineEntries(lines).indexOf(6);
  // A forged entry 6 chained onto the genuine entry 5, placed before the genuine entry 6.
  const genuine = a.entries[6]!;
  assert.equal(genuine.kind, 'call');
  const forged = { ...genuine, args: { ...(genuine.kind === 'call' ? genuine.args : {}), path: '/data/forged' } } as typeof genuine;
  const hash = entryHash(new ByteWriter(), new Hasher(), forged, a.hashes[5]!);
  const withForged = [...lines.slice(0, i), renderEntry(forged, hash), ...lines.slice(i)];
  const r = await verify(joinLines(withForged));
  assert.equal(r.status, 'tampered');
  assert.equal(r.firstBad?.entry, 6, r.firstBad?.reason);
  assert.equal(r.firstBad?.line, i + 1);
  assert.match(r.firstBad!.reason, /inserted/);
  // A duplicated line is named too.
  const dup = await verify(joinLines([...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)]));
  assert.equal(dup.status, 'tampered');
  assert.equal(dup.firstBad?.entry, 6);
});

test('entries rewritten and re-chained are caught by the signed checkpoint, within its range', async () => {
  const { text } = await recordRun();
  const a = analyzeTrace(text);
  const lines = splitLines(text);
  const seqOf = lineEntries(lines);
  const h = new Hasher();
  const w = new ByteWriter();
  let prev = a.hashes[5]!;
  const out = [...lines];
  for (let seq = 6; seq < a.entries.length; seq++) {
    let e = a.entries[seq]!;
    if (seq === 6 && e.kind === 'call') e = { ...e, result: { ...e.result, size: 999 } };
    prev = entryHash(w, h, e, prev);
    out[seqOf.indexOf(seq)] = renderEntry(e, prev);
  }
  const r = await verify(joinLines(out));
  assert.equal(r.status, 'tampered');
  assert.match(r.firstBad!.reason, /rewritten/);
  assert.ok(r.firstBad!.entry! <= 6 && r.firstBad!.entry! >= 4, `named ${r.firstBad!.entry}`);
  assert.equal(r.verified, 4, 'entries before the rewritten range stay proven');
});

test('a cut tail is reported as incomplete, saying exactly which entries are proven', async () => {
  const { text } = await recordRun();
  const lines = splitLines(text);
  // Cut after entry 9: checkpoints at 4 and 8 survive.
  const cut = lines.slice(0, lineEntries(lines).indexOf(9) + 1);
  const r = await verify(joinLines(cut));
  assert.equal(r.status, 'truncated');
  assert.equal(r.verified, 8);
  assert.equal(r.entries, 10);
  assert.equal(r.firstBad?.entry, 8);
  assert.match(r.message, /entries 0\.\.7 are proven/);
  assert.match(r.message, /entries 8\.\.9 follow the last checkpoint/);
  // A clean cut right after a checkpoint, as a crash after a flush leaves it.
  const clean = lines.slice(0, lineEntries(lines).indexOf(8));
  const c = await verify(joinLines(clean));
  assert.equal(c.status, 'truncated');
  assert.equal(c.verified, 8);
  assert.match(c.message, /clean cut at a checkpoint/);
  // Dropping only the summary is still incomplete; a torn last line is recognised.
  assert.equal((await verify(joinLines(lines.slice(0, -1)))).status, 'truncated');
  const torn = await verify(joinLines(lines.slice(0, -1)) + lines.at(-1)!.slice(0, 40));
  assert.equal(torn.status, 'truncated');
  assert.match(torn.message, /partial line/);
});

test('forged checkpoints are detected', async () => {
  const { text } = await recordRun();
  const lines = splitLines(text);
  const a = analyzeTrace(text);
  const ck = a.checkpoints[1]!;
  const i = ck.line - 1;
  // Right root and head, signed by another key.
  const sig = await crypto.signEd25519(checkpointBody(a.genesis!.runId, ck.size, ck.root, ck.head), OTHER.secretKey);
  const r1 = await verify(joinLines(lines.map((l, j) => (j === i ? renderCheckpoint({ ...ck, sig }) : l))));
  assert.equal(r1.status, 'tampered');
  assert.equal(r1.firstBad?.line, ck.line);
  assert.equal(r1.verified, 4, 'the earlier checkpoint still proves entries 0..3');
  // A different root, signed by another key.
  const root = new Uint8Array(32).fill(1);
  const sig2 = await crypto.signEd25519(checkpointBody(a.genesis!.runId, ck.size, root, ck.head), OTHER.secretKey);
  const r2 = await verify(joinLines(lines.map((l, j) => (j === i ? renderCheckpoint({ ...ck, root, sig: sig2 }) : l))));
  assert.equal(r2.status, 'tampered');
  assert.equal(r2.firstBad?.line, ck.line);
  assert.match(r2.firstBad!.reason, /forged or altered/);
  // A checkpoint moved one entry later.
  const moved = [...lines];
  moved.splice(i, 1);
  moved.splice(i + 1, 0, lines[i]!);
  const r3 = await verify(joinLines(moved));
  assert.equal(r3.status, 'tampered');
});

test('a forged summary is detected, and a trace re-signed by another key only verifies unpinned', async () => {
  const { text } = await recordRun();
  const { text: other } = await recordRun(undefined, { signingKey: OTHER.secretKey });
  const lines = splitLines(text);
  const otherLines = splitLines(other);
  // Another run's (validly signed) summary does not fit this trace.
  const r = await verify(joinLines([...lines.slice(0, -1), otherLines.at(-1)!]));
  assert.equal(r.status, 'tampered');
  assert.equal(r.firstBad?.line, lines.length);
  // A whole trace under another key: consistent in itself, refused once the kernel key is pinned.
  assert.equal((await verify(other)).status, 'ok');
  const pinned = await verify(other, KERNEL.publicKey);
  assert.equal(pinned.status, 'tampered');
  assert.equal(pinned.firstBad?.entry, 0);
  assert.match(pinned.message, new RegExp(toHex(OTHER.publicKey)));
});

test('lines after the summary, and empty or foreign text, are refused', async () => {
  const { text } = await recordRun();
  const lines = splitLines(text);
  const after = await verify(joinLines([...lines, lines[3]!]));
  assert.equal(after.status, 'tampered');
  assert.equal(after.firstBad?.line, lines.length + 1);
  assert.equal((await verify('')).status, 'invalid');
  assert.equal((await verify('{"hello":1}\n')).status, 'tampered');
  assert.equal((await verify(joinLines(lines.slice(1)))).status, 'invalid');
});
