/**
 * What the host can do. The core branches on these flags — never on "which runtime am I in".
 * Each platform adapter fills them by what it knows of its host. A flag nothing reads is removed.
 */
export interface Capabilities {
  /** `WebAssembly.compile(bytes)` works at run time (false in Workers: modules arrive bundled). */
  readonly dynamicCompile: boolean;
  /** The stores survive a restart of the host process. */
  readonly persistentStorage: boolean;
  /**
   * `Atomics.wait` may block the thread a guest runs on, so a guest's sleep holds the host for its
   * length; otherwise the container's clocks move instead (wasi/sleep.ts). The HTML standard lets
   * no window or Service Worker agent block; Node lets every thread.
   */
  readonly blockingSleep: boolean;
}
