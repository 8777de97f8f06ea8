/** Every conformance case, in one list: each runtime's runner runs exactly this list. */
import type { ConformanceCase } from './harness.ts';
import { foundationCases } from './foundation.ts';

export const SUITE: readonly ConformanceCase[] = [
  ...foundationCases,
];
