/**
 * The DNA recorder: one per run. `record` is synchronous and cheap — it writes the call's
 * canonical bytes into a batch buffer; every BATCH entries (and at each checkpoint, flush and
 * `lines()`) the batch is chained (SHA-256(0x00 ‖ prev ‖ canonical), which is also the entry's
 * RFC 6962 leaf hash) and added to the Merkle tree. JSON lines are rendered from the canonical
 * bytes only when they leave: to the sink at a flush point, or to `lines()`. Checkpoints are cut
 * synchronously at their exact position; persistence is write-behind, in order, never skipping a
 * line, and what the recorder holds in memory is bounded (`maxBuffered`, then a drop record).
 */
import { toHex } from '../../lib/encoding.ts';
import { keyPairFromSecret } from '../../crypto/keys.ts';
import { nobleCrypto } from '../../crypto/noble.ts';
import type { Decision, SyscallOutcome, SyscallRequest } from '../../ports/gate-hooks.ts';
import { KernelError, asKernelError } from '../../errors.ts';
import type { CryptoProvider } from '../../ports/crypto-provider.ts';
import { checkpointBody, signSummary, type DnaSummary, type SignedSummary } from '../verify/attestation.ts';
import { ByteWriter } from '../../lib/bytes.ts';
import { CallWriter, type EntryContext } from '../codec/call-entry.ts';
import { encodeEntry } from '../codec/canonical.ts';
import { RUN_STATUSES, type GenesisInfo, type RedactionRules, type RunOutcome, type SummaryOutcome, type TraceEntry } from '../format.ts';
import { buildGenesis } from './genesis.ts';
import { Hasher } from '../hash/hasher.ts';
import { LineLog, type CheckpointSlot } from './line-log.ts';
import { renderCheckpoint, renderSummary } from '../codec/lines.ts';
import { MerkleFrontier } from '../hash/merkle.ts';
import { compileRedaction } from './redact.ts';
import { FLAG, flagsOf, scoreRun, type ScoreInput } from '../inspect/score.ts';

/**
 * The lost acknowledgement of a synchronous sink: the store says it already holds exactly this
 * batch (TRACE_INVALID with `have` = its end). It happens when the wall-clock guard cut the run off
 * after the store committed and before the recorder heard; only this recorder writes its run, so
 * the lines stored are these.
 */
function storedAlready(e: unknown, batch: { from: number; lines: readonly string[] }): boolean {
  return e instanceof KernelError && e.code === 'TRACE_INVALID' && e.details['have'] === batch.from + batch.lines.length && e.details['fromSeq'] === batch.from;
}

/** Write-behind persistence that resolves once `lines` are stored as lines `fromSeq..` of the run (TraceStore.append's contract). */
export type AsyncTraceSink = (runId: string, fromSeq: number, lines: string[]) => Promise<void>;
/**
 * A sink that has stored the lines when it returns (a local file appended and fsynced): the
 * recorder hands it every checkpoint on the spot, signed then and there, so a run that never
 * yields still streams its trace and holds at most one checkpoint interval.
 */
export type SyncTraceSink = ((runId: string, fromSeq: number, lines: string[]) => void) & { readonly sync: true };
export type TraceSink = AsyncTraceSink | SyncTraceSink;

export interface DnaRecorderOptions {
  readonly crypto: CryptoProvider;
  /** 32-byte Ed25519 seed: the kernel key. */
  readonly signingKey: Uint8Array;
  readonly genesis: GenesisInfo;
  readonly checkpointInterval: number;
  readonly redact?: RedactionRules;
  /** Write-behind persistence; `fromSeq` is the index of the first line (e.g. TraceStore.append). */
  readonly sink?: TraceSink;
  /**
   * Most entries held in memory — not yet accepted by the sink, or kept for `lines()` — (default
   * 2^20); past it calls are not kept but counted, and become one drop record once there is room
   * (or at `finish`).
   */
  readonly maxBuffered?: number;
  /** Keep the entries the sink accepted, so `lines()` is the whole trace (default: only without a sink). */
  readonly retainLines?: boolean;
  /**
   * Signs the checkpoints a synchronous sink receives, on the spot (Ed25519 over the 32-byte seed):
   * noble's by default (~0.45 ms a signature here); a host with native signing passes its own
   * (Node: platform/node/crypto.ts `nodeEd25519Signer`, ~0.03 ms).
   */
  readonly signSync?: (message: Uint8Array, secretKey: Uint8Array) => Uint8Array;
}

export interface RecordFacts {
  readonly fuelUsed: bigint;
  /** The trust score (0–100) after this call. */
  readonly trust: number;
}

export interface DnaRecorder {
  readonly runId: string;
  /** Entries so far: genesis, calls and drop records. */
  readonly count: number;
  readonly publicKey: Uint8Array;
  /** Calls that went into drop records. */
  readonly dropped: number;
  /** The first sink failure; the gate fails closed on it. */
  readonly failure: KernelError | undefined;
  readonly summary: SignedSummary | undefined;
  /** @throws KernelError INTERNAL for a value no trace can hold; TRACE_INVALID after finish */
  record(req: SyscallRequest, decision: Decision, outcome: SyscallOutcome, ctx: RecordFacts): void;
  /** Signs a checkpoint over every entry so far and flushes. @throws KernelError STORE_UNAVAILABLE */
  checkpoint(): Promise<void>;
  /** Writes every signed line to the sink. @throws KernelError STORE_UNAVAILABLE */
  flush(): Promise<void>;
  /** Final checkpoint and signed summary, flushed. @throws KernelError STORE_UNAVAILABLE (the summary is still set), TRACE_INVALID when called twice */
  finish(outcome: RunOutcome): Promise<SignedSummary>;
  /** The JSON-lines view of the entries held; checkpoints still being signed are left out until they are. */
  lines(): string[];
}

/** Entries chained and hashed together. */
const BATCH = 512;
export const DEFAULT_MAX_BUFFERED = 1 << 20;

/**
 * Opens a run's trace with its genesis entry.
 * @throws KernelError KEY_INVALID (signing key), TRACE_INVALID (genesis), POLICY_INVALID (redaction rules)
 */
export function createDnaRecorder(opts: DnaRecorderOptions): DnaRecorder {
  return new Recorder(opts);
}

class Recorder implements DnaRecorder {
  readonly runId: string;
  readonly publicKey: Uint8Array;
  readonly #crypto: CryptoProvider;
  readonly #key: Uint8Array;
  readonly #sink: TraceSink | undefined;
  readonly #syncSink: boolean;
  readonly #signSync: (message: Uint8Array, secretKey: Uint8Array) => Uint8Array;
  readonly #interval: number;
  readonly #maxHeld: number;
  readonly #hasher = new Hasher();
  readonly #frontier = new MerkleFrontier(this.#hasher);
  readonly #calls: CallWriter;
  readonly #genesis: TraceEntry & { kind: 'genesis' };
  readonly #log: LineLog;
  /** The batch not yet hashed: canonical bytes back to back, and where each entry ends. */
  readonly #w = new ByteWriter(64 * 1024);
  #ends = new Uint32Array(BATCH);
  #pending = 0;
  #head = new Uint8Array(32);
  #count = 0;
  /** Checkpoints placed but not yet signed, in order. */
  #unsigned: CheckpointSlot[] = [];
  #lastCut = 0;
  #stats: ScoreInput = { flags: 0, denied: 0, monitored: 0 };
  #drop = { count: 0, denied: 0, flags: 0 };
  #dropped = 0;
  #queue: Promise<void> = Promise.resolve();
  #failure: KernelError | undefined;
  #summary: SignedSummary | undefined;
  #finished = false;

  constructor(o: DnaRecorderOptions) {
    const pair = keyPairFromSecret(o.signingKey);
    this.publicKey = pair.publicKey;
    this.#crypto = o.crypto;
    this.#key = pair.secretKey;
    this.#sink = o.sink;
    this.#syncSink = o.sink !== undefined && (o.sink as Partial<SyncTraceSink>).sync === true;
    this.#signSync = o.signSync ?? nobleCrypto.signEd25519Sync;
    this.#interval = o.checkpointInterval;
    this.#maxHeld = o.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    if (!Number.isSafeInteger(this.#maxHeld) || this.#maxHeld < 1) throw new KernelError('TRACE_INVALID', `maxBuffered must be a positive integer, got ${this.#maxHeld}`);
    this.#log = new LineLog(o.retainLines ?? o.sink === undefined);
    const redaction = compileRedaction(o.redact);
    const nonce = o.crypto.randomBytes(16);
    this.runId = o.genesis.runId ?? toHex(o.crypto.randomBytes(16));
    this.#genesis = buildGenesis(o.genesis, { kernelKey: pair.publicKey, nonce, runId: this.runId, checkpointInterval: o.checkpointInterval, redaction });
    const ctx: EntryContext = { hasher: this.#hasher, nonce, redaction, dataBudget: redaction.maxRunData };
    this.#calls = new CallWriter(ctx);
    if (this.#genesis.package.signer === undefined) this.#stats.flags |= FLAG.unsigned;
    encodeEntry(this.#w, this.#genesis);
    this.#ends[0] = this.#w.pos;
    this.#pending = 1;
    this.#count = 1;
  }

  get count(): number { return this.#count; }
  get dropped(): number { return this.#dropped; }
  get failure(): KernelError | undefined { return this.#failure; }
  get summary(): SignedSummary | undefined { return this.#summary; }

  record(req: SyscallRequest, decision: Decision, outcome: SyscallOutcome, ctx: RecordFacts): void {
    if (this.#finished) throw new KernelError('TRACE_INVALID', `run ${this.runId}: a syscall was recorded after the trace was finished`);
    if (this.#count - this.#log.released >= this.#maxHeld) {
      const flags = this.#calls.check(req, decision, outcome, ctx.fuelUsed, ctx.trust);
      this.#drop.count++;
      this.#dropped++;
      if (flags & FLAG.denied) this.#drop.denied++;
      this.#drop.flags |= flags;
      return;
    }
    if (this.#drop.count > 0) this.#admitDrop();
    const w = this.#w;
    const start = w.pos;
    let flags: number;
    try {
      flags = this.#calls.write(w, this.#count, req, decision, outcome, ctx.fuelUsed, ctx.trust);
    } catch (e) {
      w.pos = start;
      throw e;
    }
    const s = this.#stats;
    s.flags |= flags;
    if (flags & FLAG.denied) s.denied++;
    if (flags & FLAG['monitor-would-deny']) s.monitored++;
    this.#admitted();
  }

  /** Counts the entry just written into the batch, hashing the batch or cutting a checkpoint when due. */
  #admitted(): void {
    this.#ends[this.#pending++] = this.#w.pos;
    this.#count++;
    if (this.#pending === BATCH) this.#process();
    if (this.#count - this.#lastCut >= this.#interval) this.#cut(false);
  }

  #admitDrop(): void {
    const d = this.#drop;
    const reason = this.#failure ? 'sink-failed' as const : 'buffer-full' as const;
    this.#stats.flags |= d.flags | FLAG['entries-dropped'];
    this.#stats.denied += d.denied;
    this.#drop = { count: 0, denied: 0, flags: 0 };
    encodeEntry(this.#w, { kind: 'drop', seq: this.#count, count: d.count, denied: d.denied, flags: flagsOf(d.flags), reason });
    this.#admitted();
  }

  /** Chains the pending batch, adds it to the tree and moves it to the log as one segment. */
  #process(): void {
    const n = this.#pending;
    if (n === 0) return;
    const w = this.#w;
    const h = this.#hasher;
    const hashes = new Uint8Array(n * 32);
    const ends = this.#ends;
    let prev = this.#head;
    let prevAt = 0;
    let start = 0;
    for (let i = 0; i < n; i++) {
      h.linkInto(prev, prevAt, w.buf, start, ends[i]!, hashes, i * 32);
      this.#frontier.push(hashes, i * 32);
      prev = hashes;
      prevAt = i * 32;
      start = ends[i]!;
    }
    this.#head = hashes.slice((n - 1) * 32);
    this.#log.addSegment({ first: this.#count - n, bytes: w.buf.slice(0, w.pos), ends: ends.slice(0, n), hashes });
    w.reset();
    this.#pending = 0;
  }

  /** Places a checkpoint after the last entry (if it covers anything new) and has it signed and flushed. */
  #cut(force: boolean): void {
    this.#process();
    const size = this.#frontier.size;
    if (size === this.#lastCut) return;
    if (!force && size - this.#lastCut < this.#interval) return;
    this.#lastCut = size;
    const slot: CheckpointSlot = { size, root: this.#frontier.root(), head: this.#head };
    this.#log.addCheckpoint(slot);
    if (this.#syncSink) {
      // The guest may never yield: sign and store right here.
      slot.text = renderCheckpoint({ ...slot, sig: this.#signSync(this.#body(slot), this.#key) });
      this.#writeSync();
      return;
    }
    this.#unsigned.push(slot);
    // Background work never rejects: its failure is kept in #failure for the gate to see.
    this.#run(() => this.#drain()).catch(() => undefined);
  }

  #body(slot: CheckpointSlot): Uint8Array {
    return checkpointBody(this.runId, slot.size, slot.root, slot.head);
  }

  #run(work: () => Promise<void>): Promise<void> {
    const p = this.#queue.then(work);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  #sinkError(e: unknown, from: number, n: number): KernelError {
    const err = asKernelError(e, 'STORE_UNAVAILABLE', `run ${this.runId}: the trace store refused lines ${from}..${from + n - 1}`);
    this.#failure ??= err;
    return err;
  }

  /** Hands every signed line to a synchronous sink; a failure is kept and the lines stay queued. */
  #writeSync(): KernelError | undefined {
    for (let batch = this.#log.nextBatch(); batch; batch = this.#log.nextBatch()) {
      try {
        this.#sink!(this.runId, batch.from, batch.lines);
      } catch (e) {
        if (!storedAlready(e, batch)) return this.#sinkError(e, batch.from, batch.lines.length);
      }
      this.#log.accept(batch);
    }
    return undefined;
  }

  /** Signs every checkpoint placed so far, then hands the lines before the first unsigned slot to the sink. */
  async #drain(): Promise<void> {
    while (this.#unsigned.length > 0) {
      const slot = this.#unsigned[0]!;
      const sig = await this.#crypto.signEd25519(this.#body(slot), this.#key);
      slot.text = renderCheckpoint({ ...slot, sig });
      this.#unsigned.shift();
    }
    if (this.#syncSink) {
      const err = this.#writeSync();
      if (err) throw err;
      return;
    }
    const sink = this.#sink as AsyncTraceSink | undefined;
    if (!sink) return;
    for (let batch = this.#log.nextBatch(); batch; batch = this.#log.nextBatch()) {
      try {
        await sink(this.runId, batch.from, batch.lines);
      } catch (e) {
        throw this.#sinkError(e, batch.from, batch.lines.length);
      }
      this.#log.accept(batch);
    }
  }

  async checkpoint(): Promise<void> {
    if (!this.#finished) this.#cut(true);
    await this.flush();
  }

  flush(): Promise<void> {
    this.#process();
    return this.#run(() => this.#drain());
  }

  async finish(outcome: RunOutcome): Promise<SignedSummary> {
    if (this.#finished) throw new KernelError('TRACE_INVALID', `run ${this.runId} is already finished`);
    if (!RUN_STATUSES.includes(outcome.status)) throw new KernelError('INTERNAL', `DNA finish: unknown run status "${String(outcome.status)}"`);
    if (this.#drop.count > 0) this.#admitDrop();
    this.#finished = true;
    this.#cut(true);
    const score = scoreRun(this.#stats, outcome.status);
    const g = this.#genesis;
    const summary: DnaSummary = {
      runId: this.runId, kernelId: g.kernelId, identity: g.identity,
      package: { digest: toHex(g.package.digest), ...pick(g.package, 'name', 'version', 'signer') },
      configDigest: toHex(g.configDigest), policyDigest: toHex(g.policyDigest),
      count: this.#count, head: toHex(this.#head), root: toHex(this.#frontier.root()), dropped: this.#dropped,
      outcome: this.#outcome(outcome), integrityScore: score.value, riskFlags: score.flags, deductions: score.deductions,
    };
    const signed = await signSummary(summary, this.#crypto, this.#key, this.publicKey);
    this.#summary = signed;
    this.#log.addLine(renderSummary(signed.envelope), this.#count);
    await this.#run(() => this.#drain());
    return signed;
  }

  #outcome(o: RunOutcome): SummaryOutcome {
    const int = (v: number | undefined) => (v !== undefined && Number.isSafeInteger(v) ? v : undefined);
    const exitCode = int(o.exitCode);
    return {
      status: o.status,
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(o.code !== undefined ? { code: o.code } : {}),
      ...(o.message !== undefined ? { message: o.message.slice(0, 1000) } : {}),
      ...(o.memory !== undefined ? { memory: { bytes: o.memory.length, sha256: toHex(this.#crypto.sha256(o.memory)) } } : {}),
    };
  }

  lines(): string[] {
    this.#process();
    return this.#log.all();
  }
}

function pick<T extends object, K extends keyof T>(o: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
