// Modules the conformance bundlers generate at build time (see test/runners/bundle.ts).
declare module 'forge:fixtures' {
  /** Every built fixture: name → module bytes. */
  export const fixtures: Record<string, Uint8Array>;
}
declare module 'forge:stores' {
  import type { Stores } from '../../src/ports/index.ts';
  /** Fresh real stores of this host, when its adapter exists. */
  export const makeStores: (() => Promise<Stores>) | undefined;
}
declare module 'forge:modules' {
  /** Modules compiled at deploy time, by the hex SHA-256 of their bytes. */
  export const modules: Map<string, WebAssembly.Module>;
}
