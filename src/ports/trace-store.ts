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

/** A run as a driver found it: entries stored and whether it is sealed (an unknown run: 0, false). */
export interface TraceRunState {
  readonly count: number;
  readonly sealed: boolean;
}

/** A driver's answer to an append: stored whole, or refused — nothing written — with what it found. */
export type TraceAppendResult = { readonly stored: true } | { readonly stored: false; readonly found: TraceRunState };

/**
 * What a host implements to keep traces; `createTraceStore` (src/stores/create.ts) makes it a
 * `TraceStore`. The core has checked every argument before a driver sees it (run id, position,
 * lines — and `lines` is the core's own copy), decides every refusal (TRACE_INVALID, NOT_FOUND) from
 * what the driver answers, and turns anything a driver throws that is not a KernelError into
 * STORE_UNAVAILABLE. A driver only stores, atomically, and reports what it finds.
 */
export interface TraceDriver {
  /**
   * In one atomic step: when the run holds exactly `fromSeq` entries and is not sealed (an unknown
   * run holds none), stores `lines` as entries `fromSeq…` — creating the run at `createdAt` when it
   * is new — and answers `stored`; otherwise writes nothing and answers what it found. The check and
   * the write must not be separable, or two racing appends could both be stored.
   */
  append(runId: string, fromSeq: number, lines: readonly string[], createdAt: number): Promise<TraceAppendResult>;
  /** The same, done before it returns — only where the host can write synchronously (Node's SQLite). */
  appendSync?(runId: string, fromSeq: number, lines: readonly string[], createdAt: number): TraceAppendResult;
  /** Every stored line of the run, in order; undefined for an unknown run. */
  read(runId: string): Promise<readonly string[] | undefined>;
  /** Marks the run sealed (already sealed is fine); false for an unknown run. */
  seal(runId: string): Promise<boolean>;
  /** Every run, in creation order. */
  list(): Promise<readonly TraceRunInfo[]>;
  /** Deletes the run and all its entries in one step; an unknown run is no error. */
  remove(runId: string): Promise<void>;
}
