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
