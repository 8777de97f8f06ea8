/**
 * A wall-clock guard: runs a synchronous function and interrupts it — wherever it is, WebAssembly
 * loops included — once `timeoutMs` passed. Optional: a host that cannot interrupt synchronous
 * code (Workers freeze timers while it runs) leaves it out, and only fuel stops a runaway guest.
 */
export type WallClockGuard = <T>(fn: () => T, timeoutMs: number) => T;
