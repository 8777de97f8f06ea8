/**
 * Rate limits and quotas: one token bucket (and/or one run-long quota) per container × limit,
 * where a limit names syscalls or groups. Time comes from the injected Clock, so tests and replay
 * control it. A refused call consumes nothing; a call passes only if every enforced limit has room.
 */
import type { SyscallRequest } from '../ports/gate-hooks.ts';
import { isActionGroup, isSyscallName } from '../ports/syscalls.ts';
import type { Clock } from '../ports/clock.ts';
import type { PolicyLimit } from './schema.ts';

export interface CompiledLimit {
  readonly id: string;
  /** Position among the graph's limits: the slot of its bucket. */
  readonly index: number;
  readonly layerId: string;
  readonly monitor: boolean;
  readonly kind: 'calls' | 'bytes' | 'opens';
  readonly perSecond: number | undefined;
  readonly burst: number;
  readonly total: number | undefined;
  readonly everyAction: boolean;
  readonly syscalls: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
}

/** A limit ready for the buckets; absent `actions` means every syscall. */
export function compileLimit(limit: PolicyLimit, index: number, layerId: string, monitor: boolean): CompiledLimit {
  const actions = limit.actions ?? ['*'];
  return {
    id: limit.id,
    index,
    layerId,
    monitor,
    kind: limit.kind,
    perSecond: limit.perSecond,
    burst: limit.burst ?? limit.perSecond ?? Infinity,
    total: limit.total,
    everyAction: actions.includes('*'),
    syscalls: new Set(actions.filter(isSyscallName)),
    groups: new Set(actions.filter(isActionGroup)),
  };
}

/** What one call costs against a limit (0: the limit does not count this call). */
export function costOf(limit: CompiledLimit, req: SyscallRequest): number {
  if (limit.kind === 'calls') return 1;
  if (limit.kind === 'bytes') return req.bytes ?? 0;
  return req.syscall === 'path_open' ? 1 : 0;
}

/** Describes a limit for reasons and tables: `100 calls/s (burst 200), 1000 calls in total`. */
export function describeLimit(l: CompiledLimit): string {
  const unit = l.kind;
  const parts: string[] = [];
  if (l.perSecond !== undefined) parts.push(`${l.perSecond} ${unit}/s (burst ${l.burst})`);
  if (l.total !== undefined) parts.push(`${l.total} ${unit} in total`);
  return parts.join(', ');
}

export interface LimitHit {
  readonly limit: CompiledLimit;
  /** false when only monitor-mode limits would refuse: the call proceeds. */
  readonly enforced: boolean;
  readonly why: 'rate' | 'quota' | 'too-large';
}

/** The buckets of one container. */
export class LimitState {
  private readonly tokens: Float64Array;
  private readonly last: Float64Array;
  private readonly used: Float64Array;
  private readonly clock: Clock;
  /** Refusals per limit id (monitor-mode ones included). */
  readonly hits = new Map<string, number>();

  constructor(limits: readonly CompiledLimit[], clock: Clock) {
    this.clock = clock;
    this.tokens = Float64Array.from(limits, (l) => l.burst);
    this.last = new Float64Array(limits.length).fill(clock.now());
    this.used = new Float64Array(limits.length);
  }

  /** Checks and, when the call passes the enforced limits, consumes. Returns the first refusal, if any. */
  take(limits: readonly CompiledLimit[], req: SyscallRequest): LimitHit | undefined {
    if (limits.length === 0) return undefined;
    const now = this.clock.now();
    let enforced: LimitHit | undefined;
    let monitored: LimitHit | undefined;
    for (const l of limits) {
      const cost = costOf(l, req);
      if (cost === 0) continue;
      const why = this.refusal(l, cost, now);
      if (why === undefined) continue;
      this.hits.set(l.id, (this.hits.get(l.id) ?? 0) + 1);
      if (!l.monitor) { enforced ??= { limit: l, enforced: true, why }; } else monitored ??= { limit: l, enforced: false, why };
    }
    if (enforced) return enforced;
    for (const l of limits) {
      const cost = costOf(l, req);
      if (cost === 0 || (l.monitor && this.refusal(l, cost, now) !== undefined)) continue;
      if (l.perSecond !== undefined) this.tokens[l.index] = this.tokens[l.index]! - cost;
      this.used[l.index] = this.used[l.index]! + cost;
    }
    return monitored;
  }

  private refusal(l: CompiledLimit, cost: number, now: number): LimitHit['why'] | undefined {
    if (l.total !== undefined && this.used[l.index]! + cost > l.total) return 'quota';
    if (l.perSecond === undefined) return undefined;
    if (cost > l.burst) return 'too-large';
    const elapsed = Math.max(0, now - this.last[l.index]!);
    this.tokens[l.index] = Math.min(l.burst, this.tokens[l.index]! + (elapsed * l.perSecond) / 1000);
    this.last[l.index] = Math.max(now, this.last[l.index]!);
    return this.tokens[l.index]! >= cost ? undefined : 'rate';
  }
}
