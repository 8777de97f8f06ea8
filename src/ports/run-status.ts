/**
 * How a run ends — one vocabulary for the container's result, the HTTP and CLI reports and the
 * trace's signed summary. A container ends in one of the first eight; `memory-limit` (a memory
 * that starts above the cap), `replay-diverged` and `failed` are said only by a trace.
 */
export const RUN_STATUSES = [
  'exited', 'trapped', 'fuel-exhausted', 'timeout', 'memory-limit', 'output-limit', 'killed', 'quarantined',
  'denied', 'replay-diverged', 'failed',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** How a container ended. */
export type ContainerStatus = Exclude<RunStatus, 'memory-limit' | 'replay-diverged' | 'failed'>;
