/**
 * Append-only log of Execution DNA. A run's trace is a sequence of JSON lines (the DNA issue
 * defines their content); the store keeps them in order and never rewrites one.
 */
export interface TraceRunInfo {
  readonly runId: string;
  /** Entries stored so far. */
  readonly count: number;
  /** Wall-clock ms when the run's first batch was stored. */
  readonly createdAt: number;
  /** True once `seal` stored the closing summary. */
  readonly sealed: boolean;
}

export interface TraceStore {
  /**
   * Appends `lines` as entries `fromSeq, fromSeq+1, …` of `runId`.
   * @throws KernelError STORE_UNAVAILABLE when the store cannot write; TRACE_INVALID when
   *   `fromSeq` is not exactly the count already stored (a gap or an overlap)
   */
  append(runId: string, fromSeq: number, lines: readonly string[]): Promise<void>;
  /** All stored lines of a run, in order. @throws KernelError NOT_FOUND */
  read(runId: string): Promise<string[]>;
  /** Marks the run complete. @throws KernelError NOT_FOUND */
  seal(runId: string): Promise<void>;
  list(): Promise<TraceRunInfo[]>;
  /** Deletes a whole trace (retention), never a part. */
  remove(runId: string): Promise<void>;
}
