/** Time as the kernel sees it. Injected so tests (rate limits, expiry) and replay can control it. */
export interface Clock {
  /** Wall-clock time, milliseconds since the Unix epoch. */
  now(): number;
  /** Monotonic time in nanoseconds from an arbitrary origin; never goes backwards. */
  monotonicNs(): bigint;
}

/** A clock over `Date.now()` and `performance.now()`, both web standards present in every host. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicNs: () => BigInt(Math.round(performance.now() * 1e6)),
};

/** A clock that only moves when told to; for tests and deterministic replay. */
export function manualClock(startMs = 0): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = startMs;
  return {
    now: () => t,
    monotonicNs: () => BigInt(Math.round(t * 1e6)),
    advance(ms: number) { t += ms; },
    set(ms: number) { t = ms; },
  };
}
