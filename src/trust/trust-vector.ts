/**
 * The trust vector of one container and its score. Three parts, each scored 0–100, combined by
 * fixed weights (docs/policy.md lists them):
 *   score = round(0.2 × provenance + 0.4 × behaviour + 0.4 × anomaly)
 * Counters only grow during a run, so the score only falls, and escalation is monotone.
 */
import type { AnomalySnapshot } from './anomaly.ts';
import type { Subject } from './schema.ts';

export const TRUST_WEIGHTS = { provenance: 0.2, behaviour: 0.4, anomaly: 0.4 } as const;

/** Points each event takes off its part's 100 (a part never goes below 0). */
export const TRUST_PENALTIES = {
  denial: 2,
  rateLimitHit: 1,
  fault: 10,
  distinctDeniedPath: 4,
  secretProbe: 20,
  burst: 15,
  escapeAttempt: 10,
} as const;

/** Provenance: signed under a known root version 100; signed by a named key 90; signed 75; unsigned 40. */
export function provenanceScore(s: Subject): number {
  if (!s.signed) return 40;
  if (s.signer === undefined) return 75;
  return s.rootVersion === undefined ? 90 : 100;
}

export interface BehaviourCounters {
  /** Calls observed. */
  readonly calls: number;
  /** Calls the policy refused (monitor-only denials and rate limits excluded). */
  readonly denials: number;
  /** Calls a monitor-mode layer or limit would have refused. */
  readonly monitored: number;
  readonly rateLimitHits: number;
  /** Calls that returned EFAULT: the guest handed the kernel bad pointers. */
  readonly faults: number;
}

export interface TrustVector {
  readonly provenance: { readonly signed: boolean; readonly signer?: string; readonly rootVersion?: number; readonly score: number };
  readonly behaviour: BehaviourCounters & { readonly score: number };
  readonly anomaly: AnomalySnapshot & { readonly score: number };
  readonly score: number;
}

const clamp = (x: number) => Math.max(0, Math.min(100, x));

/** 100 minus the behaviour penalties, clamped to 0–100. */
export function behaviourScore(b: BehaviourCounters): number {
  const p = TRUST_PENALTIES;
  return clamp(100 - (b.denials * p.denial + b.rateLimitHits * p.rateLimitHit + b.faults * p.fault));
}

/** 100 minus the anomaly penalties, clamped to 0–100. */
export function anomalyScore(a: AnomalySnapshot): number {
  const p = TRUST_PENALTIES;
  return clamp(100 - (a.distinctDeniedPaths * p.distinctDeniedPath + a.secretProbes * p.secretProbe + a.bursts * p.burst + a.escapeAttempts * p.escapeAttempt));
}

/** Builds the vector and its score from the three parts. */
export function trustVector(subject: Subject, behaviour: BehaviourCounters, anomaly: AnomalySnapshot): TrustVector {
  const P = provenanceScore(subject);
  const B = behaviourScore(behaviour);
  const A = anomalyScore(anomaly);
  const w = TRUST_WEIGHTS;
  return {
    provenance: {
      signed: subject.signed,
      ...(subject.signer === undefined ? {} : { signer: subject.signer }),
      ...(subject.rootVersion === undefined ? {} : { rootVersion: subject.rootVersion }),
      score: P,
    },
    behaviour: { ...behaviour, score: B },
    anomaly: { ...anomaly, score: A },
    score: Math.round(w.provenance * P + w.behaviour * B + w.anomaly * A),
  };
}
