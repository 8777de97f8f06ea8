/**
 * One pass over a stored trace: parse every line, demand its canonical form, recompute the chain
 * and the Merkle tree, check each checkpoint's size, root and head, that one comes at least every
 * `checkpointInterval` entries (docs/dna.md § Checkpoint placement), the summary's statements
 * against what the entries give, and that nothing follows the summary. It stops at the first
 * structural fault and collects the signatures for `verifyTrace` to check. The walk takes lines
 * one at a time and keeps, per entry, only its chain hash and line number (36 bytes), so a trace
 * of millions of entries is checked in bounded memory; explain, proofs and replay ask it to keep
 * the parsed entries too.
 */
import { canonicalJson } from '../../lib/canonical-json.ts';
import type { DsseEnvelope } from '../../packages/dsse.ts';
import { equalBytes, toHex } from '../../lib/encoding.ts';
import { isKernelError } from '../../errors.ts';
import { checkpointBody, parseSummaryPayload, type DnaSummary } from '../verify/attestation.ts';
import { ByteWriter } from '../../lib/bytes.ts';
import { TRACE_FORMAT, type GenesisEntry, type TraceEntry } from '../format.ts';
import { Hasher } from '../hash/hasher.ts';
import { renderCanonical } from '../codec/render.ts';
import { encodeEntry } from '../codec/canonical.ts';
import { renderCheckpoint, renderSummary, type CheckpointLine } from '../codec/lines.ts';
import { MerkleFrontier } from '../hash/merkle.ts';
import { parseLine } from '../codec/parse.ts';
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
  /** Entries that chain correctly, up to the first fault. */
  readonly count: number;
  /** Those entries, and their chain hashes (each also its RFC 6962 leaf hash), when kept (`keepEntries`). */
  readonly entries: TraceEntry[];
  readonly hashes: Uint8Array[];
  /** The chain hash of the last entry counted (zeros before the first). */
  readonly head: Uint8Array;
  /** 1-based line of entry `seq`. */
  lineOf(seq: number): number | undefined;
  /** Checkpoints whose size, root and head match the entries (signatures not yet checked). */
  readonly checkpoints: CheckpointAt[];
  readonly summary?: { readonly line: number; readonly envelope: DsseEnvelope; readonly summary: DnaSummary };
  readonly fault?: Fault;
  /** The text ended in a partial line (a torn write), at this line. */
  readonly tornLine?: number;
  /** Score inputs accumulated over the entries. */
  readonly stats: ScoreInput;
  readonly droppedCalls: number;
  /** Lines read (a final newline does not start one). */
  readonly lineCount: number;
}

/** A trace as text, as its lines (a store's `read`), or as a stream of text chunks (a file). */
export type TraceInput = string | readonly string[] | AsyncIterable<string>;

const ZERO = new Uint8Array(32);
const decoder = new TextDecoder();

/** Parses and structurally checks a whole trace text, keeping its entries; never throws on bad input (the fault says what is wrong). */
export function analyzeTrace(text: string): Analysis {
  return walkText(text, new Walk(true));
}

/** As analyzeTrace over any TraceInput, keeping only what verification needs unless `keepEntries`. */
export async function analyzeInput(input: TraceInput, keepEntries = false): Promise<Analysis> {
  const walk = new Walk(keepEntries);
  if (typeof input === 'string') return walkText(input, walk);
  if (Array.isArray(input)) {
    for (const row of input as readonly string[]) if (!walk.line(row, false)) break;
    return walk.end();
  }
  let rest = '';
  let going = true;
  for await (const chunk of input as AsyncIterable<string>) {
    if (!going) continue;
    const rows = (rest + chunk).split('\n');
    rest = rows.pop()!;
    for (const row of rows) if (!(going = walk.line(row, false))) break;
  }
  if (going && rest !== '') walk.line(rest, true);
  return walk.end();
}

function walkText(text: string, walk: Walk): Analysis {
  const rows = text.split('\n');
  const endsClean = rows[rows.length - 1] === '';
  if (endsClean) rows.pop();
  for (let i = 0; i < rows.length; i++) if (!walk.line(rows[i]!, i === rows.length - 1 && !endsClean)) break;
  return walk.end();
}

/** The state of one walk over a trace, line by line. */
class Walk {
  readonly #keep: boolean;
  readonly #h = new Hasher();
  readonly #w = new ByteWriter();
  readonly #out = new ByteWriter();
  readonly #frontier = new MerkleFrontier(this.#h);
  /** Chain hashes, 32 bytes per entry, and each entry's line: what locating an inserted entry needs. */
  #hashes = new Uint8Array(32 * 1024);
  #lines = new Uint32Array(1024);
  #n = 0;
  #lineNo = 0;
  readonly #entries: TraceEntry[] = [];
  readonly #checkpoints: CheckpointAt[] = [];
  readonly #stats: ScoreInput = { flags: 0, denied: 0, monitored: 0 };
  #dropped = 0;
  #genesis: GenesisEntry | undefined;
  #summary: Analysis['summary'];
  #lastWasCheckpointOf = -1;
  #fault: Fault | undefined;
  #torn: number | undefined;

  constructor(keep: boolean) {
    this.#keep = keep;
  }

  #hash(seq: number): Uint8Array {
    return seq < 0 ? ZERO : this.#hashes.subarray(seq * 32, seq * 32 + 32);
  }

  #stop(line: number, reason: string, entry: number | undefined, kind: Fault['kind'] = 'tampered', checkpoint?: CheckpointAt): false {
    this.#fault = { line, ...(entry !== undefined ? { entry } : {}), reason, kind, ...(checkpoint ? { checkpoint } : {}) };
    return false;
  }

  /** Checks the next line; false once the walk has stopped (a fault, or a torn last line). */
  line(text: string, unterminated: boolean): boolean {
    const line = ++this.#lineNo;
    const n = this.#n;
    // The summary is the last line: any byte after it — a whole line, an empty one, whitespace, a
    // fragment without a final newline — is something added to a finished trace, never a torn write.
    const s = this.#summary;
    if (s) return this.#stop(line, `line ${line} follows the closing summary at line ${s.line}${unterminated ? ', appended without a final newline' : ''}: nothing may come after the summary`, undefined);
    let p: ReturnType<typeof parseLine>;
    try {
      p = parseLine(text);
    } catch (e) {
      if (unterminated && line > 1) {
        this.#torn = line;
        return false;
      }
      return this.#stop(line, `line ${line}${n > 0 ? ` (after entry ${n - 1})` : ''} is not a valid trace line: ${isKernelError(e) ? e.message : String(e)}`, n);
    }
    if (p.t === 'checkpoint') return this.#checkpoint(p.checkpoint, text, line);
    if (p.t === 'summary') return this.#closing(p.envelope, text, line);
    this.#lastWasCheckpointOf = -1;
    const e = p.entry;
    if (line === 1 && e.kind !== 'genesis') return this.#stop(line, 'the first line is not a genesis entry: this is not a DNA trace, or its beginning was cut', 0, 'invalid');
    if (e.seq !== n) {
      if (e.seq > n) return this.#stop(line, `entry ${n} is missing: line ${line} holds entry ${e.seq} (deleted or reordered)`, n);
      if (e.seq > 0 && equalBytes(this.#link(e, this.#hash(e.seq - 1)), p.hash)) {
        const at = this.#lines[e.seq]!;
        return this.#stop(at, `entry ${e.seq} at line ${at} was inserted: the genuine entry ${e.seq} follows at line ${line}`, e.seq);
      }
      return this.#stop(line, `line ${line} repeats entry ${e.seq} where entry ${n} was expected (duplicated or reordered)`, n);
    }
    if (n > 0 && n >= this.#dueAt()) {
      const last = this.#checkpoints[this.#checkpoints.length - 1];
      const since = last ? `the checkpoint at line ${last.line} (over entries 0..${last.size - 1})` : 'the start of the trace';
      return this.#stop(line, `no checkpoint follows entry ${n - 1}: the genesis sets checkpointInterval ${this.#genesis!.checkpointInterval}, so one was due there, ${n - (last?.size ?? 0)} entries since ${since}; line ${line} holds entry ${n} instead (a checkpoint was deleted)`, n - 1);
    }
    if (e.kind === 'genesis') {
      if (e.format !== TRACE_FORMAT) return this.#stop(line, `entry 0 names format "${e.format}"; this verifier reads ${TRACE_FORMAT}`, 0, 'invalid');
      this.#genesis = e;
    }
    const hash = this.#link(e, this.#hash(n - 1));
    if (this.#render(p.hash) !== text) return this.#stop(line, `entry ${n} at line ${line} is not in canonical form (altered)`, n);
    if (!equalBytes(hash, p.hash)) return this.#stop(line, `entry ${n} at line ${line} does not match its chain hash: its content or its hash was altered`, n);
    this.#admit(e, hash, line);
    return true;
  }

  /**
   * The number of entries by which the next checkpoint must have come: `checkpointInterval` after
   * the previous one (or the start), but never 1 — the recorder considers a cut only after it
   * records a call or drop record, so it never cuts after the genesis alone (docs/dna.md).
   */
  #dueAt(): number {
    const last = this.#checkpoints[this.#checkpoints.length - 1];
    return Math.max((last?.size ?? 0) + this.#genesis!.checkpointInterval, 2);
  }

  /** Encodes `e` (kept for #render) and returns its chain hash after `prev`. */
  #link(e: TraceEntry, prev: Uint8Array): Uint8Array {
    const w = this.#w;
    w.reset();
    encodeEntry(w, e);
    const hash = new Uint8Array(32);
    this.#h.linkInto(prev, 0, w.buf, 0, w.pos, hash, 0);
    return hash;
  }

  /** The line the entry #link last encoded renders to, with chain hash `hash`: the only text it may be stored as. */
  #render(hash: Uint8Array): string {
    this.#out.reset();
    renderCanonical(this.#out, this.#w.buf, 0, this.#w.pos, hash, 0);
    return decoder.decode(this.#out.view());
  }

  #admit(e: TraceEntry, hash: Uint8Array, line: number): void {
    const n = this.#n;
    if ((n + 1) * 32 > this.#hashes.length) {
      const more = new Uint8Array(this.#hashes.length * 2);
      more.set(this.#hashes);
      this.#hashes = more;
      const lines = new Uint32Array(this.#lines.length * 2);
      lines.set(this.#lines);
      this.#lines = lines;
    }
    this.#hashes.set(hash, n * 32);
    this.#lines[n] = line;
    this.#n = n + 1;
    this.#frontier.push(hash);
    if (this.#keep) this.#entries.push(e);
    const st = this.#stats;
    if (e.kind === 'genesis') {
      if (e.package.signer === undefined) st.flags |= FLAG.unsigned;
    } else if (e.kind === 'call') {
      st.flags |= callFlags(e);
      if (e.decision.effect === 'deny') st.denied++;
      if (e.decision.monitored) st.monitored++;
    } else {
      st.flags |= maskOf(e.flags) | FLAG['entries-dropped'];
      st.denied += e.denied;
      this.#dropped += e.count;
    }
  }

  #checkpoint(c: CheckpointLine, text: string, line: number): boolean {
    const n = this.#n;
    const last = this.#checkpoints[this.#checkpoints.length - 1];
    if (renderCheckpoint(c) !== text) return this.#stop(line, `checkpoint at line ${line} is not in canonical form (altered)`, Math.min(c.size, n));
    if (c.size !== n) return this.#stop(line, `checkpoint at line ${line} claims ${c.size} entries but follows ${n} (moved, or entries were deleted or inserted before it)`, Math.min(c.size, n));
    if (last && c.size <= last.size) return this.#stop(line, `checkpoint at line ${line} (size ${c.size}) does not extend the one at line ${last.line} (size ${last.size})`, undefined);
    const from = last?.size ?? 0;
    const at: CheckpointAt = { ...c, line, body: checkpointBody(this.#genesis!.runId, c.size, c.root, c.head) };
    if (!equalBytes(this.#frontier.root(), c.root) || !equalBytes(this.#hash(n - 1), c.head)) {
      return this.#stop(line, `entries ${from}..${n - 1} do not match the checkpoint at line ${line}: they were rewritten and re-chained, or the checkpoint was forged`, from, 'tampered', at);
    }
    this.#checkpoints.push(at);
    this.#lastWasCheckpointOf = n;
    return true;
  }

  #closing(envelope: DsseEnvelope, text: string, line: number): boolean {
    const n = this.#n;
    if (this.#lastWasCheckpointOf !== n || line === 1) return this.#stop(line, `the summary at line ${line} does not directly follow a checkpoint over all ${n} entries`, undefined);
    if (renderSummary(envelope) !== text) return this.#stop(line, `the summary at line ${line} is not in canonical form (altered)`, undefined);
    let s: DnaSummary;
    try {
      s = parseSummaryPayload(envelope);
    } catch (e) {
      return this.#stop(line, `the summary at line ${line}: ${isKernelError(e) ? e.message : String(e)}`, undefined);
    }
    const why = summaryMismatch(s, this.#genesis!, { count: n, head: this.#hash(n - 1), stats: this.#stats, droppedCalls: this.#dropped }, this.#frontier.root());
    if (why) return this.#stop(line, `the summary at line ${line} ${why}`, undefined);
    this.#summary = { line, envelope, summary: s };
    return true;
  }

  end(): Analysis {
    const n = this.#n;
    const lines = this.#lines;
    const all = this.#hashes;
    const fault = this.#fault ?? (this.#lineNo === 0 ? { line: 1, reason: 'the trace is empty', kind: 'invalid' as const } : undefined);
    return {
      count: n, entries: this.#entries, head: this.#hash(n - 1).slice(),
      hashes: this.#keep ? Array.from({ length: n }, (_, i) => all.slice(i * 32, i * 32 + 32)) : [],
      lineOf: (seq) => (seq >= 0 && seq < n ? lines[seq] : undefined),
      checkpoints: this.#checkpoints, stats: this.#stats, droppedCalls: this.#dropped, lineCount: this.#lineNo,
      ...(this.#genesis ? { genesis: this.#genesis } : {}), ...(this.#summary ? { summary: this.#summary } : {}),
      ...(fault ? { fault } : {}), ...(this.#torn !== undefined ? { tornLine: this.#torn } : {}),
    };
  }
}

/** Why a summary disagrees with the entries it closes, or undefined when it states exactly what they give. */
function summaryMismatch(s: DnaSummary, g: GenesisEntry, a: { count: number; head: Uint8Array; stats: ScoreInput; droppedCalls: number }, root: Uint8Array): string | undefined {
  const expect: [string, unknown, unknown][] = [
    ['runId', s.runId, g.runId], ['kernelId', s.kernelId, g.kernelId], ['identity', s.identity, g.identity],
    ['package', s.package, { digest: toHex(g.package.digest), name: g.package.name, version: g.package.version, signer: g.package.signer }],
    ['configDigest', s.configDigest, toHex(g.configDigest)], ['policyDigest', s.policyDigest, toHex(g.policyDigest)],
    ['count', s.count, a.count], ['head', s.head, toHex(a.head)], ['root', s.root, toHex(root)], ['dropped', s.dropped, a.droppedCalls],
  ];
  const score = scoreRun(a.stats, s.outcome.status);
  expect.push(['integrityScore', s.integrityScore, score.value], ['riskFlags', s.riskFlags, score.flags], ['deductions', s.deductions, score.deductions]);
  for (const [field, stated, actual] of expect) {
    if (canonicalJson(stated) !== canonicalJson(actual)) return `states ${field} ${canonicalJson(stated)}, but the trace gives ${canonicalJson(actual)}`;
  }
  return undefined;
}
