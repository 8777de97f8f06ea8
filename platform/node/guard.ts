/**
 * The Node wall-clock guard: runs the guest under `vm`'s timeout. V8's watchdog calls
 * TerminateExecution, which interrupts WebAssembly loops as well as JavaScript (verified on
 * Node 24: a `(loop (br 0))` is stopped at the deadline), and the isolate stays usable after.
 */
import vm from 'node:vm';
import { KernelError } from '../../src/errors.ts';
import type { WallClockGuard } from '../../src/ports/guard.ts';

// The script calls whatever function sits in this slot. The slot is filled only for the length
// of one synchronous call (nothing else can run meanwhile), so no run ever sees another's function.
const SLOT = Symbol.for('forgeone.guard.run');
const CALL = new vm.Script(`globalThis[Symbol.for('forgeone.guard.run')]()`, { filename: 'forge-guard' });
const slot = globalThis as unknown as Record<symbol, (() => unknown) | undefined>;

/** @throws KernelError TIMEOUT when `fn` runs past `timeoutMs`; rethrows whatever `fn` throws */
export const vmGuard: WallClockGuard = <T>(fn: () => T, timeoutMs: number): T => {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  const previous = slot[SLOT];
  slot[SLOT] = fn;
  try {
    return CALL.runInThisContext({ timeout: ms, breakOnSigint: false }) as T;
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new KernelError('TIMEOUT', `the guest ran past its ${ms} ms wall-clock limit`, { timeoutMs: ms });
    }
    throw e;
  } finally {
    slot[SLOT] = previous;
  }
};
