/** Packages (`.forgepkg` bytes) by the lowercase hex SHA-256 of those bytes. */
export interface PackageStore {
  /** Stores a copy of exactly `bytes` (a view stores only its own bytes). @throws KernelError STORE_UNAVAILABLE */
  put(digest: string, bytes: Uint8Array): Promise<void>;
  /** A fresh copy of the bytes, or undefined when absent. @throws KernelError STORE_UNAVAILABLE */
  get(digest: string): Promise<Uint8Array | undefined>;
  /** Every stored digest, in no particular order (eventually consistent in Workers KV). */
  list(): Promise<string[]>;
  /** Removing an absent package does nothing. */
  remove(digest: string): Promise<void>;
}

/** Package bytes as a driver holds them, with the size recorded when they were stored. */
export interface StoredPackage {
  readonly bytes: Uint8Array;
  readonly size: number;
}

/**
 * What a host implements to keep packages; `createPackageStore` (src/stores/create.ts) makes it a
 * `PackageStore`. Digests reaching it are checked; `put` receives the core's own copy of the bytes
 * (the driver may keep it). The core refuses bytes whose length is not the recorded size (damage
 * is STORE_UNAVAILABLE, never short bytes), hands out a fresh copy, and turns anything a driver
 * throws that is not a KernelError into STORE_UNAVAILABLE.
 */
export interface PackageDriver {
  /** Stores (or replaces) the bytes under `digest`. */
  put(digest: string, bytes: Uint8Array): Promise<void>;
  /** The stored bytes and their recorded size, or undefined when absent. */
  get(digest: string): Promise<StoredPackage | undefined>;
  list(): Promise<readonly string[]>;
  /** Removing an absent package is no error. */
  remove(digest: string): Promise<void>;
}
