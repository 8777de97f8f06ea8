/** How a run ended, from the error that ended it — one mapping the sandbox and the replay share. */
import { isKernelError, type ErrorCode } from '../../errors.ts';
import type { RunOutcome, RunStatus } from '../format.ts';

const STATUS: Partial<Record<ErrorCode, RunStatus>> = {
  WASM_TRAP: 'trapped', FUEL_EXHAUSTED: 'fuel-exhausted', TIMEOUT: 'timeout', MEMORY_LIMIT: 'memory-limit',
  OUTPUT_LIMIT: 'output-limit', KILLED: 'killed', QUARANTINED: 'quarantined', POLICY_DENIED: 'denied',
  RATE_LIMITED: 'denied', REPLAY_DIVERGED: 'replay-diverged',
};

/** The outcome of a run that ended by throwing `e` (anything not a known KernelError is `failed`). */
export function outcomeFromError(e: unknown, memory?: Uint8Array): RunOutcome {
  const code = isKernelError(e) ? e.code : 'INTERNAL';
  const message = e instanceof Error ? e.message : String(e);
  return { status: STATUS[code] ?? 'failed', code, message, ...(memory ? { memory } : {}) };
}
