/**
 * Fault injection for tests (web standards only, so it runs in every host): wraps real stores and
 * makes chosen operations fail the way a host fails — a quota exceeded, a KV or Durable Object
 * outage, a closed database — translated exactly as the store core translates (STORE_UNAVAILABLE with
 * the platform error as `cause`). Used by the store fault tests and the gate's fail-closed tests.
 */
import type { PackageStore } from '../ports/package-store.ts';
import type { Stores } from '../ports/platform.ts';
import type { QuarantineStore } from '../ports/quarantine-store.ts';
import type { TraceStore } from '../ports/trace-store.ts';
import { storeError } from './store-error.ts';

type Methods<T> = { [K in keyof T]: T[K] extends (...a: never[]) => unknown ? K : never }[keyof T] & string;
export type StoreOp = `traces.${Methods<TraceStore>}` | `quarantine.${Methods<QuarantineStore>}` | `packages.${Methods<PackageStore>}`;

export interface FaultRule {
  /** The operation to fail: `traces.append`, all of one store (`traces.*`), or everything (`*`). */
  readonly op: StoreOp | 'traces.*' | 'quarantine.*' | 'packages.*' | '*';
  /** The platform error to throw; a `QuotaExceededError` DOMException when absent. */
  readonly error?: () => unknown;
  /** Matching calls that succeed before the fault starts (default 0). */
  readonly after?: number;
  /** How many matching calls fail once it starts (default: all of them). */
  readonly times?: number;
  /**
   * `before` (default): the call fails without reaching the store. `after`: the store performs it
   * and then the caller gets the error — a lost acknowledgement (a dropped Durable Object reply).
   */
  readonly when?: 'before' | 'after';
}

export interface FaultyStores extends Stores {
  /** Every fault injected so far, in order. */
  readonly injected: readonly { readonly op: StoreOp; readonly error: unknown }[];
  /** Stops injecting; later calls reach the inner stores untouched. */
  heal(): void;
}

/** A quota error as browsers raise it (IndexedDB, Cache API). */
export function quotaExceeded(): DOMException {
  return new DOMException('The quota has been exceeded.', 'QuotaExceededError');
}

/** Wraps `inner` so the calls `plan` names fail. Never throws itself. */
export function faultyStores(inner: Stores, plan: readonly FaultRule[]): FaultyStores {
  const injected: { op: StoreOp; error: unknown }[] = [];
  const seen = plan.map(() => 0);
  let healed = false;

  const faultFor = (op: StoreOp): FaultRule | undefined => {
    if (healed) return undefined;
    let hit: FaultRule | undefined;
    plan.forEach((rule, i) => {
      const matches = rule.op === '*' || rule.op === op || (rule.op.endsWith('.*') && op.startsWith(rule.op.slice(0, -1)));
      if (!matches) return;
      const n = seen[i]!++;
      const after = rule.after ?? 0;
      if (!hit && n >= after && n - after < (rule.times ?? Infinity)) hit = rule;
    });
    return hit;
  };

  const wrap = <T extends object>(store: string, target: T, methods: readonly (keyof T & string)[]): T => {
    const out: Record<string, unknown> = {};
    for (const key of methods) {
      const fn = target[key];
      const op = `${store}.${key}` as StoreOp;
      out[key] = async (...args: unknown[]) => {
        const rule = faultFor(op);
        const fail = () => {
          const error = rule?.error ? rule.error() : quotaExceeded();
          injected.push({ op, error });
          throw storeError(error, op, store);
        };
        if (rule && rule.when !== 'after') fail();
        const result: unknown = await (fn as (...a: unknown[]) => unknown).apply(target, args);
        if (rule) fail();
        return result;
      };
    }
    return out as T;
  };

  return {
    traces: wrap('traces', inner.traces, ['append', 'read', 'seal', 'list', 'remove']),
    quarantine: wrap('quarantine', inner.quarantine, ['get', 'put', 'list', 'history']),
    packages: wrap('packages', inner.packages, ['put', 'get', 'list', 'remove']),
    injected,
    heal() { healed = true; },
  };
}
