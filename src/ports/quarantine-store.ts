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
