/**
 * The DNA recorder: one per run. `record` is synchronous and cheap — it snapshots the call into a
 * typed entry; every BATCH entries (and at each checkpoint, flush and `lines()`) the batch is
 * encoded canonically, chained (hash = SHA-256(prev ‖ canonical entry)), added to the Merkle tree
 * and rendered as JSON lines. Checkpoints are cut synchronously at their exact position and signed
 * asynchronously; persistence is write-behind through `sink`, in order, never skipping a line.
 */
import { toHex } from '../crypto/encoding.ts';
import { keyPairFromSecret } from '../crypto/keys.ts';
import type { Decision, SyscallOutcome, SyscallRequest } from '../execution/syscalls.ts';
import { KernelError, asKernelError } from '../errors.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';
import { checkpointBody, signSummary, type DnaSummary, type SignedSummary } from './attestation.ts';
import { ByteWriter } from './binary.ts';
import { makeCallEntry, type EntryContext } from './call-entry.ts';
import { hashEntry } from './canonical.ts';
import { RUN_STATUSES, type GenesisInfo, type RedactionRules, type RunOutcome, type SummaryOutcome, type TraceEntry } from './format.ts';
import { buildGenesis } from './genesis.ts';
import { Hasher } from './hasher.ts';
import { LineLog, type CheckpointSlot } from './line-log.ts';
import { renderCheckpoint, renderEntry, renderSummary } from './lines.ts';
import { MerkleFrontier } from './merkle.ts';
import { compileRedaction } from './redact.ts';
import { callFlags, FLAG, flagsOf, scoreRun, type ScoreInput } from './score.ts';

export type TraceSink = (runId: string, fromSeq: number, lines: string[]) => Promise<void>;

export interface DnaRecorderOptions {
  readonly crypto: CryptoProvider;
  /** 32-byte Ed25519 seed: the kernel key. */
  readonly signingKey: Uint8Array;
  readonly genesis: GenesisInfo;
  readonly checkpointInterval: number;
  readonly redact?: RedactionRules;
  /** Write-behind persistence; `fromSeq` is the index of the first line (e.g. TraceStore.append). */
  readonly sink?: TraceSink;
  /** Most entries held and not yet accepted by the sink (default 2^20); past it calls become one drop record. */
  readonly maxBuffered?: number;
  /** Keep lines the sink accepted, so `lines()` is the whole trace (default true). */
  readonly retainLines?: boolean;
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
  /** The JSON-lines view; checkpoints still being signed are left out until they are. */
  lines(): string[];
}

/** Entries hashed and rendered together (one joined segment of lines each, see line-log.ts). */
const BATCH = 512;

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
  readonly #interval: number;
  readonly #maxBuffered: number;
  readonly #hasher = new Hasher();
  readonly #w = new ByteWriter();
  readonly #frontier = new MerkleFrontier();
  readonly #ctx: EntryContext;
  readonly #genesis: TraceEntry & { kind: 'genesis' };
  #head: Uint8Array = new Uint8Array(32);
  #pending: TraceEntry[] = [];
  #count = 0;
  readonly #log: LineLog;
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
    this.#interval = o.checkpointInterval;
    this.#maxBuffered = o.maxBuffered ?? 1 << 20;
    this.#log = new LineLog(o.retainLines ?? true);
    const redaction = compileRedaction(o.redact);
    const nonce = o.crypto.randomBytes(16);
    this.runId = o.genesis.runId ?? toHex(o.crypto.randomBytes(16));
    this.#genesis = buildGenesis(o.genesis, { kernelKey: pair.publicKey, nonce, runId: this.runId, checkpointInterval: o.checkpointInterval, redaction });
    this.#ctx = { hasher: this.#hasher, nonce, redaction, dataBudget: redaction.maxRunData };
    if (this.#genesis.package.signer === undefined) this.#stats.flags |= FLAG.unsigned;
    this.#pending.push(this.#genesis);
    this.#count = 1;
  }

  get count(): number { return this.#count; }
  get dropped(): number { return this.#dropped; }
  get failure(): KernelError | undefined { return this.#failure; }
  get summary(): SignedSummary | undefined { return this.#summary; }

  record(req: SyscallRequest, decision: Decision, outcome: SyscallOutcome, ctx: RecordFacts): void {
    if (this.#finished) throw new KernelError('TRACE_INVALID', `run ${this.runId}: a syscall was recorded after the trace was finished`);
    if (this.#count - this.#log.persisted >= this.#maxBuffered) {
      const e = makeCallEntry(this.#ctx, 0, req, decision, outcome, ctx.fuelUsed, ctx.trust, false);
      this.#drop.count++;
      this.#dropped++;
      if (e.decision.effect === 'deny') this.#drop.denied++;
      this.#drop.flags |= callFlags(e);
      return;
    }
    if (this.#drop.count > 0) this.#admitDrop();
    const e = makeCallEntry(this.#ctx, this.#count, req, decision, outcome, ctx.fuelUsed, ctx.trust, true);
    const s = this.#stats;
    s.flags |= callFlags(e);
    if (e.decision.effect === 'deny') s.denied++;
    if (e.decision.monitored) s.monitored++;
    this.#admit(e);
  }

  #admit(e: TraceEntry): void {
    this.#pending.push(e);
    this.#count++;
    if (this.#pending.length >= BATCH) this.#process();
    if (this.#count - this.#lastCut >= this.#interval) this.#cut(false);
  }

  #admitDrop(): void {
    const d = this.#drop;
    const reason = this.#failure ? 'sink-failed' as const : 'buffer-full' as const;
    this.#stats.flags |= d.flags | FLAG['entries-dropped'];
    this.#stats.denied += d.denied;
    const e: TraceEntry = { kind: 'drop', seq: this.#count, count: d.count, denied: d.denied, flags: flagsOf(d.flags), reason };
    this.#drop = { count: 0, denied: 0, flags: 0 };
    this.#admit(e);
  }

  /** Encodes, chains, adds to the tree and renders every pending entry. */
  #process(): void {
    if (this.#pending.length === 0) return;
    const h = this.#hasher;
    const lines: string[] = [];
    for (const e of this.#pending) {
      const { hash, leaf } = hashEntry(this.#w, h, e, this.#head);
      this.#head = hash;
      this.#frontier.push(leaf, h);
      lines.push(renderEntry(e, hash));
    }
    this.#log.addLines(lines, this.#frontier.size);
    this.#pending = [];
  }

  /** Places a checkpoint after the last entry (if it covers anything new) and schedules its signature. */
  #cut(force: boolean): void {
    this.#process();
    const size = this.#frontier.size;
    if (size === this.#lastCut) return;
    if (!force && size - this.#lastCut < this.#interval) return;
    this.#lastCut = size;
    const slot: CheckpointSlot = { size, root: this.#frontier.root(this.#hasher), head: this.#head };
    this.#unsigned.push(slot);
    this.#log.addCheckpoint(slot, size);
    // Background work never rejects: its failure is kept in #failure for the gate to see.
    this.#run(() => this.#drain()).catch(() => undefined);
  }

  #run(work: () => Promise<void>): Promise<void> {
    const p = this.#queue.then(work);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  /** Signs every checkpoint placed so far, then hands the lines before the first unsigned slot to the sink. */
  async #drain(): Promise<void> {
    while (this.#unsigned.length > 0) {
      const slot = this.#unsigned[0]!;
      const sig = await this.#crypto.signEd25519(checkpointBody(this.runId, slot.size, slot.root, slot.head), this.#key);
      slot.text = renderCheckpoint({ ...slot, sig });
      this.#unsigned.shift();
    }
    const sink = this.#sink;
    if (!sink) return;
    const batch = this.#log.nextBatch();
    if (!batch) return;
    try {
      await sink(this.runId, batch.from, batch.lines);
    } catch (e) {
      const err = asKernelError(e, 'STORE_UNAVAILABLE', `run ${this.runId}: the trace store refused lines ${batch.from}..${batch.from + batch.lines.length - 1}`);
      this.#failure ??= err;
      throw err;
    }
    this.#log.accept(batch);
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
      count: this.#count, head: toHex(this.#head), root: toHex(this.#frontier.root(this.#hasher)), dropped: this.#dropped,
      outcome: this.#outcome(outcome), integrityScore: score.value, riskFlags: score.flags, deductions: score.deductions,
    };
    const signed = await signSummary(summary, this.#crypto, this.#key, this.publicKey);
    this.#summary = signed;
    this.#log.addLines([renderSummary(signed.envelope)], this.#count);
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
