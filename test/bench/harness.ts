/**
 * Benchmarks print each figure beside a baseline measured in the same run, so the ratio means
 * something on any machine. A bench module exports `default: () => Promise<BenchRow[]>`.
 */
export interface BenchRow {
  /** What was measured, e.g. "verify 1 MiB package". */
  readonly name: string;
  readonly value: number;
  /** Unit of `value`, e.g. "ms", "ns/call", "MB/s". */
  readonly unit: string;
  /** The baseline measured in the same run, in the same unit. */
  readonly baseline: { readonly name: string; readonly value: number };
}

/** Times `fn` over `iterations` after a warm-up; returns nanoseconds per iteration (median of `rounds`). */
export function timeNs(fn: () => void, iterations: number, rounds = 5): number {
  for (let i = 0; i < Math.min(iterations, 1000); i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(((performance.now() - t0) * 1e6) / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** Like timeNs for async work. */
export async function timeNsAsync(fn: () => Promise<unknown>, iterations: number, rounds = 5): Promise<number> {
  for (let i = 0; i < Math.min(iterations, 50); i++) await fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) await fn();
    samples.push(((performance.now() - t0) * 1e6) / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}
