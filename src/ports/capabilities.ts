/**
 * What the host can do. The core branches on these flags — never on "which runtime am I in".
 * Each platform adapter fills them by feature detection or by what it knows of its host.
 */
export interface Capabilities {
  /** `WebAssembly.compile(bytes)` works at run time (false in Workers: modules arrive bundled). */
  readonly dynamicCompile: boolean;
  /** A guest can run on another thread that the host can terminate (Node worker_threads). */
  readonly workerThreads: boolean;
  /** WebAssembly JS Promise Integration (`WebAssembly.Suspending` / `WebAssembly.promising`). */
  readonly jspi: boolean;
  /** The stores survive a restart of the host process. */
  readonly persistentStorage: boolean;
  /** Timers keep running while a guest runs synchronously, so a wall-clock guard can interrupt it. */
  readonly wallClockInterrupt: boolean;
}

/** Feature-detects JSPI in the current global scope (a web-standard check, not runtime sniffing). */
export function detectJspi(): boolean {
  const wa = WebAssembly as unknown as Record<string, unknown>;
  return typeof wa['Suspending'] === 'function' && typeof wa['promising'] === 'function';
}
