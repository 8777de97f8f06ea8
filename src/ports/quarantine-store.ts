/**
 * Quarantine state: the authority on which container identities may not run. In Workers this is
 * a Durable Object so every isolate sees the same answer.
 */
export interface QuarantineRecord {
  /** Container identity: `${tenant}/${packageDigest}`. */
  readonly identity: string;
  readonly quarantined: boolean;
  readonly reason: string;
  /** Wall-clock ms of this change. */
  readonly at: number;
  /** Who made the change: `kernel` for automatic escalation, or an admin key id. */
  readonly by: string;
}

export interface QuarantineStore {
  /** Current state of an identity, or undefined when it was never recorded. */
  get(identity: string): Promise<QuarantineRecord | undefined>;
  /** Records a change; every change is kept in the identity's history. */
  put(record: QuarantineRecord): Promise<void>;
  /** Current state of every identity ever recorded. */
  list(): Promise<QuarantineRecord[]>;
  /** Every change of one identity, oldest first. */
  history(identity: string): Promise<QuarantineRecord[]>;
}

/**
 * What a host implements to keep quarantine state; `createQuarantineStore` (src/stores/create.ts)
 * makes it a `QuarantineStore`. Identities reaching it are checked, and a record passed to `put` is
 * checked and carries exactly the port's fields (the core's own copy); the core copies what the
 * driver returns and turns anything it throws that is not a KernelError into STORE_UNAVAILABLE.
 */
export interface QuarantineDriver {
  get(identity: string): Promise<QuarantineRecord | undefined>;
  /** Appends `record` to its identity's history and makes it the current state, in one atomic step. */
  put(record: QuarantineRecord): Promise<void>;
  /** The current record of every identity. */
  list(): Promise<readonly QuarantineRecord[]>;
  /** Every record of one identity, oldest first. */
  history(identity: string): Promise<readonly QuarantineRecord[]>;
}
