/** Packages (`.forgepkg` bytes) by the lowercase hex SHA-256 of those bytes. */
export interface PackageStore {
  put(digest: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or undefined when absent. */
  get(digest: string): Promise<Uint8Array | undefined>;
  list(): Promise<string[]>;
  remove(digest: string): Promise<void>;
}
