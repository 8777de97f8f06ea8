/**
 * Blocking for poll_oneoff. `Atomics.wait` blocks a thread without spinning, but hosts allow it
 * only in some contexts (Node's main thread and workers: yes; a page or a Service Worker: no). The
 * platform says which (`Capabilities.blockingSleep`); the core does not probe. Without it, sleeps
 * advance the container's clocks instead (the guest observes the time passing, the host is not held).
 */
export type BlockingSleep = (ms: number) => void;

/**
 * A sleep that holds the thread for `ms`, one per container.
 * @throws TypeError (from `Atomics.wait`, when called) on a host that does not allow blocking
 */
export function atomicsSleep(): BlockingSleep {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return (ms) => {
    if (ms > 0) Atomics.wait(cell, 0, 0, ms);
  };
}
