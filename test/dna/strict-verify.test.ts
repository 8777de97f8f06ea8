/**
 * What the verifier refuses beyond altered bytes: anything at all after the closing summary (a
 * complete line, a fragment without a final newline, whitespace), whatever form the trace comes
 * in; and a checkpoint missing where the genesis's checkpointInterval made one due — while every
 * trace the recorder writes (forced cuts at checkpoint()/finish() included, with any sink) verifies.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/lib/encoding.ts';
import { ERROR_CODES } from '../../src/errors.ts';
import { memoryTraceStore } from '../../src/stores/memory.ts';
import { traceReportError, verifyTrace, type TraceReport } from '../../src/dna/index.ts';
import type { TraceInput } from '../../src/dna/inspect/analyze.ts';
import { parseLine } from '../../src/dna/codec/parse.ts';
import type { DnaRecorderOptions, SyncTraceSink } from '../../src/dna/record/recorder.ts';
import { ROOT } from '../fixtures/build.ts';
import { crypto, joinLines, KERNEL, newRecorder, recordRun, splitLines, syntheticStream } from './helpers.ts';

const verify = (input: TraceInput): Promise<TraceReport> => verifyTrace(input, { crypto, publicKey: KERNEL.publicKey });

async function* chunks(text: string, size: number): AsyncIterable<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

/** The sizes of the checkpoint lines, in order, and the line index of each. */
function checkpointsOf(lines: readonly string[]): { size: number; index: number }[] {
  const out: { size: number; index: number }[] = [];
  lines.forEach((l, index) => { const p = parseLine(l); if (p.t === 'checkpoint') out.push({ size: p.checkpoint.size, index }); });
  return out;
}

/** The 0-based index of the line holding entry `seq`. */
function lineOfEntry(lines: readonly string[], seq: number): number {
  return lines.findIndex((l) => { const p = parseLine(l); return p.t !== 'checkpoint' && p.t !== 'summary' && p.entry.seq === seq; });
}

// ── after the summary ─────────────────────────────────────────────────────────────────────────

test('nothing may follow the closing summary: a fragment without a final newline, whitespace, an empty line', async () => {
  const { text } = await recordRun();
  const lines = splitLines(text);
  const complete = await verify(joinLines([...lines, lines[3]!]));
  assert.equal(complete.status, 'tampered', 'a complete extra line (the existing rule)');
  const after = lines.length + 1;
  assert.equal(complete.firstBad?.line, after);
  const code = traceReportError(complete)!.code;
  assert.equal(code, 'TRACE_TAMPERED');
  const tails: [string, string][] = [
    ['a fragment of a call line, no final newline', '{"t":"call","seq":12,"syscall":"path_open","note":"appended'],
    ['a whole entry line without its newline', lines[3]!],
    ['a copy of the summary without its newline', lines.at(-1)!],
    ['one space', ' '],
    ['a tab', '\t'],
    ['a carriage return', '\r'],
    ['a NUL byte', '\0'],
    ['an empty line', '\n'],
    ['two empty lines', '\n\n'],
    ['whitespace and a newline', '  \n'],
    ['a newline, then a fragment', '\nx'],
    ['a byte-order mark', '\uFEFF'],
  ];
  for (const [what, tail] of tails) {
    const r = await verify(text + tail);
    assert.equal(r.status, 'tampered', `${what}: ${r.message}`);
    assert.ok(!r.ok);
    assert.equal(r.firstBad?.line, after, `${what}: named line ${r.firstBad?.line} — ${r.firstBad?.reason}`);
    assert.equal(r.firstBad?.entry, undefined, what);
    assert.match(r.firstBad!.reason, /follows the closing summary/, what);
    assert.equal(traceReportError(r)?.code, code, `${what}: the code a complete extra line gets`);
    assert.equal(r.summary, undefined, `${what}: no summary is reported as verified`);
    // The same read from a stream of chunks (a file), cut at every chunk size that splits the tail differently.
    for (const size of [1, 7, 64, text.length + tail.length]) {
      const s = await verify(chunks(text + tail, size));
      assert.equal(s.status, 'tampered', `${what}, streamed in chunks of ${size}: ${s.message}`);
      assert.equal(s.firstBad?.line, after, `${what}, streamed in chunks of ${size}`);
    }
  }
  // As a store's lines: an empty or blank line after the summary is a line after the summary.
  for (const extra of ['', ' ', lines[3]!]) {
    const r = await verify([...lines, extra]);
    assert.equal(r.status, 'tampered', `stored line ${JSON.stringify(extra)}: ${r.message}`);
    assert.equal(r.firstBad?.line, after);
  }
  // Untouched, in every form, it still verifies.
  assert.equal((await verify(text)).status, 'ok');
  assert.equal((await verify(lines)).status, 'ok');
  assert.equal((await verify(chunks(text, 5))).status, 'ok');
});

test('a torn last line of an unfinished trace is still reported as a torn write, not as tampering', async () => {
  const { text } = await recordRun();
  const lines = splitLines(text);
  for (const cut of [lines.length - 1, lines.length - 3]) {
    const torn = await verify(joinLines(lines.slice(0, cut)) + lines[cut]!.slice(0, 30));
    assert.equal(torn.status, 'truncated', torn.message);
    assert.match(torn.message, /partial line/);
  }
});

test('forge trace verify: bytes appended after the summary without a newline exit TRACE_TAMPERED, as a whole line does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'forge-strict-'));
  try {
    const { text } = await recordRun();
    const lines = splitLines(text);
    const run = (name: string, body: string) => {
      writeFileSync(join(dir, name), body);
      const r = spawnSync(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'platform/node/main.ts'), 'trace', 'verify', name, '--key', toHex(KERNEL.publicKey)], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, FORGE_KERNEL_KEY: '' } });
      return { code: r.status, stderr: r.stderr };
    };
    const line = run('line.jsonl', joinLines([...lines, lines[3]!]));
    const frag = run('frag.jsonl', `${text}{"t":"call","seq":12,"syscall":"path_open","note":"appended`);
    for (const r of [line, frag]) {
      assert.equal(r.code, ERROR_CODES.TRACE_TAMPERED.exit, r.stderr);
      assert.match(r.stderr, new RegExp(`^error TRACE_TAMPERED: line ${lines.length + 1}: line ${lines.length + 1} follows the closing summary`, 'm'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ── checkpoint placement ──────────────────────────────────────────────────────────────────────

test('a deleted checkpoint is refused, naming the entry after which it was due', async () => {
  // checkpointInterval 4, 12 entries: checkpoints after entries 3, 7 and 11 (the last also the final one).
  const { text } = await recordRun();
  const lines = splitLines(text);
  const cps = checkpointsOf(lines);
  assert.deepEqual(cps.map((c) => c.size), [4, 8, 12]);
  for (const [k, dueAfter, verified] of [[0, 3, 0], [1, 7, 4]] as const) {
    const without = lines.filter((_, j) => j !== cps[k]!.index);
    const r = await verify(joinLines(without));
    assert.equal(r.status, 'tampered', `checkpoint ${k} deleted: ${r.message}`);
    assert.equal(r.firstBad?.entry, dueAfter, r.firstBad?.reason);
    assert.equal(r.firstBad?.line, lineOfEntry(without, dueAfter + 1) + 1, 'named where the checkpoint belongs: the line now holding the next entry');
    assert.equal(r.firstBad?.line, cps[k]!.index + 1);
    assert.match(r.firstBad!.reason, new RegExp(`no checkpoint follows entry ${dueAfter}`));
    assert.match(r.firstBad!.reason, /checkpointInterval 4/);
    assert.equal(r.verified, verified, 'entries under earlier checkpoints stay proven');
    assert.equal(traceReportError(r)?.code, 'TRACE_TAMPERED');
    // Streamed, or as a store's lines: the same.
    assert.deepEqual([(await verify(chunks(joinLines(without), 100))).firstBad, (await verify(without)).firstBad], [r.firstBad, r.firstBad]);
  }
  // Deleting the final checkpoint leaves the summary without one (the existing rule).
  const noFinal = await verify(joinLines(lines.filter((_, j) => j !== cps[2]!.index)));
  assert.equal(noFinal.status, 'tampered');
  // Deleting both intermediate ones: the first one due is named.
  const none = await verify(joinLines(lines.filter((_, j) => j !== cps[0]!.index && j !== cps[1]!.index)));
  assert.equal(none.firstBad?.entry, 3);
});

test('an unfinished trace missing a due checkpoint is tampered, not merely cut; one cut exactly where it was due is a crash', async () => {
  const { text } = await recordRun();
  const lines = splitLines(text);
  const cps = checkpointsOf(lines);
  // The checkpoint after entry 7 deleted, the tail cut after entry 9: tampered, not truncated.
  const without = lines.filter((_, j) => j !== cps[1]!.index);
  const cutAfter9 = without.slice(0, lineOfEntry(without, 9) + 1);
  const r = await verify(joinLines(cutAfter9));
  assert.equal(r.status, 'tampered', r.message);
  assert.equal(r.firstBad?.entry, 7);
  assert.equal(r.verified, 4);
  // Cut after entry 7, before its checkpoint was written (a crash mid-write): truncated, entries 4..7 unproven.
  const atDue = lines.slice(0, cps[1]!.index);
  const c = await verify(joinLines(atDue));
  assert.equal(c.status, 'truncated', c.message);
  assert.equal(c.verified, 4);
  assert.equal(c.entries, 8);
  assert.match(c.message, /entries 4\.\.7 follow the last checkpoint/);
  // … and with a torn line after it.
  const torn = await verify(joinLines(atDue) + lines[cps[1]!.index]!.slice(0, 20));
  assert.equal(torn.status, 'truncated', torn.message);
});

test('checkpoints are counted from the previous one: a forced cut (checkpoint()) moves the next one due', async () => {
  const calls = syntheticStream();
  const r = newRecorder({ checkpointInterval: 4 });
  const facts = (i: number) => ({ fuelUsed: BigInt(i * 10), trust: 90 });
  for (let i = 0; i < 2; i++) r.record(...calls[i]!, facts(i));
  await r.checkpoint(); // forced: size 3
  for (let i = 2; i < 9; i++) r.record(...calls[i]!, facts(i)); // due at 7; then 10 would be due
  await r.finish({ status: 'exited', exitCode: 0 }); // forced final: size 10
  const lines = r.lines();
  const cps = checkpointsOf(lines);
  assert.deepEqual(cps.map((c) => c.size), [3, 7, 10]);
  assert.equal((await verify(joinLines(lines))).status, 'ok');
  // The one at 7 was due 4 entries after the forced one at 3: deleting it is refused at entry 6.
  const r7 = await verify(joinLines(lines.filter((_, j) => j !== cps[1]!.index)));
  assert.equal(r7.status, 'tampered', r7.message);
  assert.equal(r7.firstBad?.entry, 6);
  // The forced one at 3 was never due: without it 7 entries precede the one at 7 — more than 4, refused at entry 3.
  const r3 = await verify(joinLines(lines.filter((_, j) => j !== cps[0]!.index)));
  assert.equal(r3.status, 'tampered', r3.message);
  assert.equal(r3.firstBad?.entry, 3);
});

test('with checkpointInterval 1 the recorder cuts after every call (never after the genesis alone), and that verifies', async () => {
  const { text } = await recordRun(undefined, { checkpointInterval: 1 });
  const lines = splitLines(text);
  const cps = checkpointsOf(lines);
  assert.deepEqual(cps.map((c) => c.size), Array.from({ length: 11 }, (_, i) => i + 2));
  assert.equal((await verify(text)).status, 'ok');
  // The one over entries 0..5 deleted: after the one at 5, the next was due after entry 5.
  const r = await verify(joinLines(lines.filter((_, j) => j !== cps[4]!.index)));
  assert.equal(r.status, 'tampered');
  assert.equal(r.firstBad?.entry, 5);
});

type Op = { readonly op: 'call'; readonly n: number } | { readonly op: 'checkpoint' } | { readonly op: 'flush' };
type SinkKind = 'none' | 'async' | 'sync';

/** Records `ops` with the given interval and sink; returns the trace as stored (or as `lines()` without a sink). */
async function recordOps(interval: number, ops: readonly Op[], sinkKind: SinkKind, maxBuffered?: number): Promise<string[]> {
  const calls = syntheticStream();
  const store = memoryTraceStore();
  const synced: string[] = [];
  const sync: SyncTraceSink = Object.assign((_id: string, from: number, lines: string[]) => { assert.equal(from, synced.length); synced.push(...lines); }, { sync: true as const });
  const extra: Partial<DnaRecorderOptions> = {
    checkpointInterval: interval,
    ...(maxBuffered !== undefined ? { maxBuffered } : {}),
    ...(sinkKind === 'async' ? { sink: (id: string, from: number, lines: string[]) => store.append(id, from, lines) } : sinkKind === 'sync' ? { sink: sync } : {}),
  };
  const r = newRecorder(extra);
  let i = 0;
  for (const o of ops) {
    if (o.op === 'call') for (let k = 0; k < o.n; k++, i++) r.record(...calls[i % calls.length]!, { fuelUsed: BigInt(i * 10), trust: 90 });
    else if (o.op === 'checkpoint') await r.checkpoint();
    else await r.flush();
  }
  await r.finish({ status: 'exited', exitCode: 0 });
  return sinkKind === 'async' ? [...(await store.read(r.runId))] : sinkKind === 'sync' ? synced : r.lines();
}

test('every trace the recorder writes verifies, and deleting a checkpoint is refused exactly when one was due there (property)', async () => {
  const op = fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('call' as const), n: fc.integer({ min: 1, max: 9 }) }) },
    { weight: 1, arbitrary: fc.constant({ op: 'checkpoint' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'flush' as const }) },
  );
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 1, max: 7 }), fc.array(op, { maxLength: 8 }), fc.constantFrom<SinkKind>('none', 'async', 'sync'), fc.option(fc.integer({ min: 3, max: 30 }), { nil: undefined }),
    async (interval, ops, sinkKind, maxBuffered) => {
      const lines = await recordOps(interval, ops, sinkKind, sinkKind === 'none' ? maxBuffered : undefined);
      const r = await verify(joinLines(lines));
      assert.equal(r.status, 'ok', r.message);
      const cps = checkpointsOf(lines);
      // What the recorder guarantees, and the verifier demands: one at least every `interval` entries (never after the genesis alone).
      cps.forEach((c, k) => assert.ok(c.size - (cps[k - 1]?.size ?? 0) <= Math.max(interval, k === 0 ? 2 : 1), `gap before checkpoint ${k}`));
      for (let k = 0; k < cps.length; k++) {
        const without = lines.filter((_, j) => j !== cps[k]!.index);
        const d = await verify(joinLines(without));
        if (k === cps.length - 1) {
          assert.equal(d.status, 'tampered', 'the final checkpoint is always required');
          continue;
        }
        const prev = cps[k - 1]?.size ?? 0;
        const dueAt = Math.max(prev + interval, 2);
        if (cps[k + 1]!.size > dueAt) {
          assert.equal(d.status, 'tampered', `checkpoint ${cps[k]!.size} deleted (prev ${prev}, interval ${interval}): ${d.message}`);
          assert.equal(d.firstBad?.entry, dueAt - 1);
          assert.equal(d.firstBad?.line, lineOfEntry(without, dueAt) + 1);
        } else {
          // An extra checkpoint (a forced cut) whose removal leaves none overdue: the trace is one the recorder could have written.
          assert.equal(d.status, 'ok', `checkpoint ${cps[k]!.size} deleted (prev ${prev}, next ${cps[k + 1]!.size}, interval ${interval}): ${d.message}`);
        }
      }
    },
  ), { numRuns: 60 });
});
