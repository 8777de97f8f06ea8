/**
 * One synchronous pass over a stored trace: parse every line, demand its canonical form,
 * recompute the chain and the Merkle tree, check each checkpoint's size, root and head and the
 * summary's statements against what the entries give. It stops at the first structural fault
 * and collects the signatures for `verifyTrace` to check; explain, proofs and replay reuse the
 * parsed entries.
 */
import { canonicalJson } from '../crypto/canonical-json.ts';
import type { DsseEnvelope } from '../crypto/dsse.ts';
import { equalBytes, toHex } from '../crypto/encoding.ts';
import { isKernelError } from '../errors.ts';
import { checkpointBody, parseSummaryPayload, type DnaSummary } from './attestation.ts';
import { ByteWriter } from './binary.ts';
import { hashEntry } from './canonical.ts';
import { TRACE_FORMAT, type GenesisEntry, type TraceEntry } from './format.ts';
import { Hasher } from './hasher.ts';
import { renderCheckpoint, renderEntry, renderSummary, type CheckpointLine } from './lines.ts';
import { MerkleFrontier } from './merkle.ts';
import { parseLine } from './parse.ts';
import { callFlags, FLAG, maskOf, scoreRun, type ScoreInput } from './score.ts';

export interface Fault {
  /** 1-based line number. */
  readonly line: number;
  /** The first entry (seq) the fault concerns, when it concerns one. */
  readonly entry?: number;
  readonly reason: string;
  /** `invalid`: not a trace this verifier reads; `tampered`: altered, reordered, inserted, deleted or forged. */
  readonly kind: 'tampered' | 'invalid';
  /** A checkpoint whose root or head the entries do not give: its signature tells which side was altered. */
  readonly checkpoint?: CheckpointAt;
}

export interface CheckpointAt extends CheckpointLine {
  readonly line: number;
  readonly body: Uint8Array;
}

export interface Analysis {
  readonly genesis?: GenesisEntry;
  /** Entries in order, up to the first fault. */
  readonly entries: TraceEntry[];
  /** RFC 6962 leaf hash of each entry, and its chain hash. */
  readonly leaves: Uint8Array[];
  readonly hashes: Uint8Array[];
  /** 1-based line of each entry. */
  readonly entryLines: number[];
  /** Checkpoints whose size, root and head match the entries (signatures not yet checked). */
  readonly checkpoints: CheckpointAt[];
  readonly summary?: { readonly line: number; readonly envelope: DsseEnvelope; readonly summary: DnaSummary };
  readonly fault?: Fault;
  /** The text ended in a partial line (a torn write), at this line. */
  readonly tornLine?: number;
  /** Score inputs accumulated over the entries. */
  readonly stats: ScoreInput;
  readonly droppedCalls: number;
  /** Lines in the text (a final newline does not start one). */
  readonly lineCount: number;
}

const ZERO = new Uint8Array(32);

/** Parses and structurally checks a trace; never throws on bad input (the fault says what is wrong). */
export function analyzeTrace(text: string): Analysis {
  const rows = text.split('\n');
  const endsClean = rows[rows.length - 1] === '';
  if (endsClean) rows.pop();
  const h = new Hasher();
  const w = new ByteWriter();
  const frontier = new MerkleFrontier();
  const a = {
    entries: [] as TraceEntry[], leaves: [] as Uint8Array[], hashes: [] as Uint8Array[], entryLines: [] as number[],
    checkpoints: [] as CheckpointAt[], stats: { flags: 0, denied: 0, monitored: 0 }, droppedCalls: 0, lineCount: rows.length,
  };
  let genesis: GenesisEntry | undefined;
  let summary: Analysis['summary'];
  let lastWasCheckpointOf = -1;
  const done = (extra: Partial<Analysis> = {}): Analysis => ({ ...a, ...(genesis ? { genesis } : {}), ...(summary ? { summary } : {}), ...extra });
  if (rows.length === 0) return done({ fault: { line: 1, reason: 'the trace is empty', kind: 'invalid' } });

  for (let i = 0; i < rows.length; i++) {
    const line = i + 1;
    const text = rows[i]!;
    const n = a.entries.length;
    const fault = (reason: string, entry: number | undefined = n, kind: Fault['kind'] = 'tampered') => done({ fault: { line, ...(entry !== undefined ? { entry } : {}), reason, kind } });
    let p: ReturnType<typeof parseLine>;
    try {
      p = parseLine(text);
    } catch (e) {
      if (i === rows.length - 1 && !endsClean && i > 0) return done({ tornLine: line });
      return fault(`line ${line}${n > 0 ? ` (after entry ${n - 1})` : ''} is not a valid trace line: ${isKernelError(e) ? e.message : String(e)}`);
    }
    if (summary) return fault(`line ${line} follows the closing summary (line ${summary.line})`, undefined);

    if (p.t === 'checkpoint') {
      const c = p.checkpoint;
      const last = a.checkpoints[a.checkpoints.length - 1];
      if (renderCheckpoint(c) !== text) return fault(`checkpoint at line ${line} is not in canonical form (altered)`, Math.min(c.size, n));
      if (c.size !== n) return fault(`checkpoint at line ${line} claims ${c.size} entries but follows ${n} (moved, or entries were deleted or inserted before it)`, Math.min(c.size, n));
      if (last && c.size <= last.size) return fault(`checkpoint at line ${line} (size ${c.size}) does not extend the one at line ${last.line} (size ${last.size})`, undefined);
      const from = last?.size ?? 0;
      const at: CheckpointAt = { ...c, line, body: checkpointBody(genesis!.runId, c.size, c.root, c.head) };
      if (!equalBytes(frontier.root(h), c.root) || !equalBytes(a.hashes[n - 1]!, c.head)) {
        return done({ fault: { line, entry: from, kind: 'tampered', checkpoint: at, reason: `entries ${from}..${n - 1} do not match the checkpoint at line ${line}: they were rewritten and re-chained, or the checkpoint was forged` } });
      }
      a.checkpoints.push(at);
      lastWasCheckpointOf = n;
      continue;
    }

    if (p.t === 'summary') {
      if (lastWasCheckpointOf !== n || i === 0) return fault(`the summary at line ${line} does not directly follow a checkpoint over all ${n} entries`, undefined);
      if (renderSummary(p.envelope) !== text) return fault(`the summary at line ${line} is not in canonical form (altered)`, undefined);
      let s: DnaSummary;
      try {
        s = parseSummaryPayload(p.envelope);
      } catch (e) {
        return fault(`the summary at line ${line}: ${isKernelError(e) ? e.message : String(e)}`, undefined);
      }
      const why = summaryMismatch(s, genesis!, a, frontier.root(h));
      if (why) return fault(`the summary at line ${line} ${why}`, undefined);
      summary = { line, envelope: p.envelope, summary: s };
      continue;
    }

    lastWasCheckpointOf = -1;
    const e = p.entry;
    if (i === 0 && e.kind !== 'genesis') return fault('the first line is not a genesis entry: this is not a DNA trace, or its beginning was cut', 0, 'invalid');
    if (e.seq !== n) {
      if (e.seq > n) return fault(`entry ${n} is missing: line ${line} holds entry ${e.seq} (deleted or reordered)`);
      const relinks = e.seq > 0 && equalBytes(hashEntry(w, h, e, a.hashes[e.seq - 1]!).hash, p.hash);
      if (relinks) return done({ fault: { line: a.entryLines[e.seq]!, entry: e.seq, reason: `entry ${e.seq} at line ${a.entryLines[e.seq]} was inserted: the genuine entry ${e.seq} follows at line ${line}`, kind: 'tampered' } });
      return fault(`line ${line} repeats entry ${e.seq} where entry ${n} was expected (duplicated or reordered)`);
    }
    if (e.kind === 'genesis') {
      if (e.format !== TRACE_FORMAT) return fault(`entry 0 names format "${e.format}"; this verifier reads ${TRACE_FORMAT}`, 0, 'invalid');
      genesis = e;
    }
    if (renderEntry(e, p.hash) !== text) return fault(`entry ${n} at line ${line} is not in canonical form (altered)`);
    const { hash, leaf } = hashEntry(w, h, e, n === 0 ? ZERO : a.hashes[n - 1]!);
    if (!equalBytes(hash, p.hash)) return fault(`entry ${n} at line ${line} does not match its chain hash: its content or its hash was altered`);
    frontier.push(leaf, h);
    a.entries.push(e);
    a.leaves.push(leaf);
    a.hashes.push(hash);
    a.entryLines.push(line);
    if (e.kind === 'genesis') {
      if (e.package.signer === undefined) a.stats.flags |= FLAG.unsigned;
    } else if (e.kind === 'call') {
      a.stats.flags |= callFlags(e);
      if (e.decision.effect === 'deny') a.stats.denied++;
      if (e.decision.monitored) a.stats.monitored++;
    } else {
      a.stats.flags |= maskOf(e.flags) | FLAG['entries-dropped'];
      a.stats.denied += e.denied;
      a.droppedCalls += e.count;
    }
  }
  return done();
}

/** Why a summary disagrees with the entries it closes, or undefined when it states exactly what they give. */
function summaryMismatch(s: DnaSummary, g: GenesisEntry, a: { entries: TraceEntry[]; hashes: Uint8Array[]; stats: ScoreInput; droppedCalls: number }, root: Uint8Array): string | undefined {
  const n = a.entries.length;
  const expect: [string, unknown, unknown][] = [
    ['runId', s.runId, g.runId], ['kernelId', s.kernelId, g.kernelId], ['identity', s.identity, g.identity],
    ['package', s.package, { digest: toHex(g.package.digest), name: g.package.name, version: g.package.version, signer: g.package.signer }],
    ['configDigest', s.configDigest, toHex(g.configDigest)], ['policyDigest', s.policyDigest, toHex(g.policyDigest)],
    ['count', s.count, n], ['head', s.head, toHex(a.hashes[n - 1]!)], ['root', s.root, toHex(root)], ['dropped', s.dropped, a.droppedCalls],
  ];
  const score = scoreRun(a.stats, s.outcome.status);
  expect.push(['integrityScore', s.integrityScore, score.value], ['riskFlags', s.riskFlags, score.flags], ['deductions', s.deductions, score.deductions]);
  for (const [field, stated, actual] of expect) {
    if (canonicalJson(stated) !== canonicalJson(actual)) return `states ${field} ${canonicalJson(stated)}, but the trace gives ${canonicalJson(actual)}`;
  }
  return undefined;
}
