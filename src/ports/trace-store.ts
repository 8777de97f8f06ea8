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
   * Appends `lines` as entries `fromSeq, fromSeq+1, …` of `runId`, all or none of them (the first
   * append, at 0, creates the run). Each line is one line of well-formed text: no `\n`, `\r`, NUL
   * or lone surrogate (hosts would split or mangle it). After STORE_UNAVAILABLE the batch may still
   * have been stored (a lost acknowledgement): retrying then reports TRACE_INVALID, and `list()`'s
   * count tells which.
   * @throws KernelError STORE_UNAVAILABLE when the store cannot write; TRACE_INVALID when
   *   `fromSeq` is not exactly the count already stored (a gap or an overlap), the run is sealed,
   *   or a line is malformed; BAD_REQUEST for an empty or over-long run id
   */
  append(runId: string, fromSeq: number, lines: readonly string[]): Promise<void>;
  /**
   * The same as `append`, stored before it returns — present only where the host can write
   * synchronously (Node's SQLite). The recorder then persists at every checkpoint even while a
   * guest runs without ever yielding to the event loop.
   */
  appendSync?(runId: string, fromSeq: number, lines: readonly string[]): void;
  /** All stored lines of a run, in order. @throws KernelError NOT_FOUND */
  read(runId: string): Promise<string[]>;
  /** Marks the run complete; sealing twice is harmless. @throws KernelError NOT_FOUND */
  seal(runId: string): Promise<void>;
  /** Every stored run, in creation order (oldest first — retention breaks `createdAt` ties by it). */
  list(): Promise<TraceRunInfo[]>;
  /**
   * Deletes a whole trace in one step (retention: src/stores/retention.ts), never a part; removing
   * an unknown run does nothing. The id may then start again from entry 0.
   */
  remove(runId: string): Promise<void>;
}
