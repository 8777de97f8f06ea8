/**
 * Blocking for poll_oneoff. `Atomics.wait` blocks a thread without spinning, but hosts allow it
 * only in some contexts (Node's main thread and workers: yes; a page or a Service Worker: no), so
 * it is feature-detected here, once per container. Without it, sleeps advance the container's
 * clocks instead (the guest observes the time passing, the host is not held).
 */
export type BlockingSleep = (ms: number) => void;

export function blockingSleep(): BlockingSleep | undefined {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics?.wait !== 'function') return undefined;
  try {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(cell, 0, 0, 0);
    return (ms) => {
      if (ms > 0) Atomics.wait(cell, 0, 0, ms);
    };
  } catch {
    return undefined;
  }
}
