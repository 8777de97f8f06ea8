/**
 * The trust gate of one container: the policy decision, then rate limits and quotas, then — after
 * the call — the trust vector, the anomaly detector and escalation. Everything on the syscall path
 * is synchronous and in memory; the quarantine store is written behind (and re-read every
 * `syncIntervalMs` to see a quarantine made elsewhere). A store that fails makes the gate fail
 * closed: every later call is denied with the store's error in the reason, and `flush` rejects.
 */
import { KernelError } from '../errors.ts';
import type { Decision, SyscallOutcome, SyscallRequest } from '../ports/gate-hooks.ts';
import type { Clock } from '../ports/clock.ts';
import type { QuarantineStore } from '../ports/quarantine-store.ts';
import { AnomalyDetector, type AnomalyOptions } from './anomaly.ts';
import { builtinPolicy } from './builtin.ts';
import { compileChecked, compilePolicy, type CompiledEscalation, type CompiledPolicy } from './compile.ts';
import { decide, denied } from './decide.ts';
import { describeRequest } from './match.ts';
import { storeFailure } from './quarantine.ts';
import { describeLimit, LimitState, type LimitHit } from './rate-limit.ts';
import type { PolicyDocument, Subject } from './schema.ts';
import { anomalyScore, behaviourScore, provenanceScore, TRUST_WEIGHTS, trustVector, type TrustVector } from './trust-vector.ts';

export interface TrustGateOptions {
  readonly layers: readonly PolicyDocument[];
  readonly subject: Subject;
  /** `${tenant}/${packageDigest}` (identityOf). */
  readonly identity: string;
  readonly clock: Clock;
  /**
   * `compilePolicy(layers)` done once and shared by many containers (a large graph takes
   * milliseconds to validate); used when its documents are these very layer objects.
   */
  readonly compiled?: CompiledPolicy;
  /** Where a quarantine is recorded; without one it lives in this gate only. */
  readonly quarantine?: QuarantineStore;
  readonly anomaly?: AnomalyOptions;
  /** Clock ms between background re-reads of the store (0: never). Default 1000. */
  readonly syncIntervalMs?: number;
}

export interface EscalationEvent {
  /** Clock ms. */
  readonly at: number;
  readonly score: number;
  /** tier: narrowed to a built-in tier; quarantine; monitor: a monitor-mode rule would have acted; store-failure: the gate now fails closed. */
  readonly kind: 'tier' | 'quarantine' | 'monitor' | 'store-failure';
  readonly tier?: string;
  readonly below?: number;
  readonly layer?: string;
  readonly reason: string;
}

export interface TrustGate {
  /** Decides one request. @throws KernelError QUARANTINED once the container is quarantined */
  decide(req: SyscallRequest): Decision;
  /** Feeds one decided call (every one, allowed or not) and its outcome to the trust vector; may escalate. */
  observe(req: SyscallRequest, decision: Decision, outcome: SyscallOutcome): void;
  readonly score: number;
  vector(): TrustVector;
  readonly quarantined: boolean;
  events(): EscalationEvent[];
  /** Awaits pending store work. @throws KernelError STORE_UNAVAILABLE if a store operation failed */
  flush(): Promise<void>;
  /** The compiled graph in force now (a tier narrows it). */
  readonly policy: CompiledPolicy;
}

const LIMIT_WHY: Record<LimitHit['why'], string> = {
  rate: 'its rate is exhausted',
  quota: 'its quota is used up',
  'too-large': 'this one call asks for more than its burst',
};

class Gate implements TrustGate {
  private readonly subject: Subject;
  private readonly identity: string;
  private readonly clock: Clock;
  private readonly store: QuarantineStore | undefined;
  private readonly syncIntervalMs: number;
  private readonly escalation: readonly CompiledEscalation[];
  private readonly fired: boolean[];
  /** stacks[k]: the graph with the first k+1 tier escalations applied. */
  private readonly stacks: CompiledPolicy[] = [];
  private readonly tierRules: readonly CompiledEscalation[];
  private active: CompiledPolicy;
  private readonly limits: LimitState;
  private readonly detector: AnomalyDetector;
  private readonly provenance: number;
  private calls = 0;
  private denials = 0;
  private monitoredCalls = 0;
  private rateLimitHits = 0;
  private faults = 0;
  private currentScore: number;
  private quarantineReason: string | undefined;
  private storeError: KernelError | undefined;
  private readonly pending = new Set<Promise<void>>();
  private syncing: Promise<void> | undefined;
  private lastSync: number;
  private readonly log: EscalationEvent[] = [];

  constructor(opts: TrustGateOptions) {
    const shared = opts.compiled;
    const base = shared && shared.documents.length === opts.layers.length && shared.documents.every((d, i) => d === opts.layers[i])
      ? shared : compilePolicy(opts.layers);
    this.subject = Object.freeze({ ...opts.subject, ...(opts.subject.labels ? { labels: Object.freeze({ ...opts.subject.labels }) } : {}) });
    this.identity = opts.identity;
    this.clock = opts.clock;
    this.store = opts.quarantine;
    this.syncIntervalMs = opts.syncIntervalMs ?? 1000;
    this.lastSync = opts.clock.now();
    this.active = base;
    this.escalation = base.escalation;
    this.fired = base.escalation.map(() => false);
    this.tierRules = base.escalation.filter((e) => e.apply !== undefined && !e.monitor);
    const stack = [...opts.layers];
    this.tierRules.forEach((e, k) => {
      stack.push({ ...builtinPolicy(e.apply!), id: `escalation:${k}:${e.apply}`, layer: 'run', escalation: [], limits: [] });
      const key = this.tierRules.slice(0, k + 1).map((t) => t.apply).join(',');
      let compiled = base.tierStacks.get(key);
      if (!compiled) base.tierStacks.set(key, (compiled = compileChecked([...stack], base.warnings)));
      this.stacks.push(compiled);
    });
    this.limits = new LimitState(base.limits, opts.clock);
    this.detector = new AnomalyDetector(opts.clock, opts.anomaly);
    this.provenance = provenanceScore(this.subject);
    this.currentScore = this.computeScore();
  }

  get score(): number { return this.currentScore; }
  get quarantined(): boolean { return this.quarantineReason !== undefined; }
  get policy(): CompiledPolicy { return this.active; }
  events(): EscalationEvent[] { return [...this.log]; }

  decide(req: SyscallRequest): Decision {
    if (this.quarantineReason !== undefined) {
      const unrecorded = this.storeError ? ` (and the store could not record it: ${this.storeError.message})` : '';
      throw new KernelError('QUARANTINED', `container ${this.identity} is quarantined: ${this.quarantineReason}${unrecorded}`, { identity: this.identity });
    }
    this.maybeSync();
    if (this.storeError) return denied(`${describeRequest(req)} denied: ${this.storeError.message}; the gate fails closed for the rest of the run.`);
    const d = decide(this.active, req, this.subject);
    if (d.effect === 'deny') return d;
    const limits = this.active.tables.get(req.syscall, req.group)!.limits;
    const hit = limits.length === 0 ? undefined : this.limits.take(limits, req);
    if (!hit) return d;
    const l = hit.limit;
    const what = `limit "${l.id}" of layer "${l.layerId}" (${describeLimit(l)})`;
    if (hit.enforced) return { effect: 'deny', rules: [l.id], reason: `${describeRequest(req)} refused by ${what}: ${LIMIT_WHY[hit.why]}.`, limited: l.id };
    return { ...d, monitored: true, limited: l.id, reason: `${describeRequest(req)} allowed, though ${what} in monitor mode would refuse it: ${LIMIT_WHY[hit.why]}.` };
  }

  observe(req: SyscallRequest, decision: Decision, outcome: SyscallOutcome): void {
    this.calls++;
    // Failing closed, the gate denies everything: those denials say nothing about the guest.
    if (this.storeError) return;
    let changed = false;
    if (decision.effect === 'deny') {
      if (decision.limited !== undefined) this.rateLimitHits++;
      else this.denials++;
      changed = true;
    }
    if (decision.monitored) this.monitoredCalls++;
    if (outcome.errno === 21 /* EFAULT */) { this.faults++; changed = true; }
    if (this.detector.observe(req, decision, outcome)) changed = true;
    if (!changed) return;
    this.currentScore = this.computeScore();
    this.escalate();
  }

  vector(): TrustVector {
    return trustVector(this.subject, this.counters(), this.detector.snapshot());
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0 || this.syncing) await Promise.allSettled([...this.pending, this.syncing]);
    if (this.storeError) throw this.storeError;
  }

  private counters() {
    return { calls: this.calls, denials: this.denials, monitored: this.monitoredCalls, rateLimitHits: this.rateLimitHits, faults: this.faults };
  }

  private computeScore(): number {
    const w = TRUST_WEIGHTS;
    return Math.round(w.provenance * this.provenance + w.behaviour * behaviourScore(this.counters()) + w.anomaly * anomalyScore(this.detector.snapshot()));
  }

  private escalate(): void {
    const score = this.currentScore;
    this.escalation.forEach((e, i) => {
      if (this.fired[i] || score >= e.below) return;
      this.fired[i] = true;
      const act = e.apply !== undefined ? `apply tier "${e.apply}"` : 'quarantine the container';
      const base = { at: this.clock.now(), score, below: e.below, layer: e.layerId };
      if (e.monitor) {
        this.log.push({ ...base, kind: 'monitor', reason: `trust score ${score} fell below ${e.below}; layer "${e.layerId}" is in monitor mode, so it did not ${act}` });
      } else if (e.apply !== undefined) {
        this.active = this.stacks[this.tierRules.indexOf(e)]!;
        this.log.push({ ...base, kind: 'tier', tier: e.apply, reason: `trust score ${score} fell below ${e.below}: narrowed to tier "${e.apply}" for the rest of the run` });
      } else if (this.quarantineReason === undefined) {
        this.quarantineNow(`trust score ${score} fell below ${e.below} (escalation rule of layer "${e.layerId}")`, base);
      }
    });
  }

  private quarantineNow(reason: string, base: Omit<EscalationEvent, 'kind' | 'reason'>): void {
    this.quarantineReason = reason;
    this.log.push({ ...base, kind: 'quarantine', reason });
    const store = this.store;
    if (!store) return;
    const record = { identity: this.identity, quarantined: true, reason, at: this.clock.now(), by: 'kernel' };
    this.track(Promise.resolve().then(() => store.put(record)).catch((e) => this.fail(e, `record the quarantine of ${this.identity}`)));
  }

  private maybeSync(): void {
    const store = this.store;
    if (!store || this.syncIntervalMs <= 0 || this.syncing || this.storeError) return;
    const now = this.clock.now();
    if (now - this.lastSync < this.syncIntervalMs) return;
    this.lastSync = now;
    this.syncing = Promise.resolve().then(() => store.get(this.identity)).then((r) => {
      if (r?.quarantined && this.quarantineReason === undefined) {
        this.quarantineReason = `quarantined by ${r.by}: ${r.reason}`;
        this.log.push({ at: this.clock.now(), score: this.currentScore, kind: 'quarantine', reason: `the store reports ${this.identity} quarantined by ${r.by}: ${r.reason}` });
      }
    }, (e) => this.fail(e, `re-read the state of ${this.identity}`)).finally(() => { this.syncing = undefined; });
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private fail(e: unknown, what: string): void {
    const err = storeFailure(e, what, this.identity);
    this.storeError ??= err;
    this.log.push({ at: this.clock.now(), score: this.currentScore, kind: 'store-failure', reason: `${err.message}; the gate now fails closed` });
  }
}

/**
 * Creates the trust gate of one container.
 * @throws KernelError POLICY_INVALID when the layers do not validate
 */
export function createTrustGate(opts: TrustGateOptions): TrustGate {
  return new Gate(opts);
}
