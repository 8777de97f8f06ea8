/**
 * The recorder's rendered output, in order: segments of JSON lines and checkpoint slots (placed
 * at their exact position, filled in once signed). A segment holds one batch joined into a single
 * string: hundreds of thousands of separate long-lived line strings cost the garbage collector
 * more than rendering them (measured: ~4× the rendering time), one string per batch does not.
 * Lines are split out again only when handed to a sink or to `lines()`.
 */
export interface CheckpointSlot {
  readonly size: number;
  readonly root: Uint8Array;
  readonly head: Uint8Array;
  /** The signed checkpoint line, once signed. */
  text?: string;
}

type Segment =
  | { readonly text: string; readonly lines: number; readonly entries: number }
  | { readonly slot: CheckpointSlot; readonly lines: 1; readonly entries: number };

export interface Batch {
  /** Absolute index of the first line. */
  readonly from: number;
  readonly lines: string[];
  readonly segments: number;
  /** Entries counted through the batch's last line. */
  readonly entries: number;
}

const textOf = (s: Segment): string | undefined => ('slot' in s ? s.slot.text : s.text);

export class LineLog {
  readonly #retain: boolean;
  #segs: Segment[] = [];
  /** Index in #segs of the first segment the sink has not accepted. */
  #first = 0;
  #flushedLines = 0;
  #persisted = 0;

  constructor(retain: boolean) {
    this.#retain = retain;
  }

  /** Entries whose lines the sink accepted. */
  get persisted(): number {
    return this.#persisted;
  }

  addLines(lines: readonly string[], entries: number): void {
    if (lines.length > 0) this.#segs.push({ text: lines.join('\n'), lines: lines.length, entries });
  }

  addCheckpoint(slot: CheckpointSlot, entries: number): void {
    this.#segs.push({ slot, lines: 1, entries });
  }

  /** The lines from the first unaccepted one up to the first checkpoint still unsigned. */
  nextBatch(): Batch | undefined {
    const lines: string[] = [];
    let i = this.#first;
    let entries = this.#persisted;
    for (; i < this.#segs.length; i++) {
      const s = this.#segs[i]!;
      const text = textOf(s);
      if (text === undefined) break;
      if (s.lines === 1) lines.push(text);
      else for (const l of text.split('\n')) lines.push(l);
      entries = s.entries;
    }
    return lines.length === 0 ? undefined : { from: this.#flushedLines, lines, segments: i - this.#first, entries };
  }

  /** Records that the sink stored `b`. */
  accept(b: Batch): void {
    this.#first += b.segments;
    this.#flushedLines += b.lines.length;
    this.#persisted = b.entries;
    if (!this.#retain) {
      this.#segs.splice(0, this.#first);
      this.#first = 0;
    }
  }

  /** Every line held (all of them unless lines are dropped once stored), leaving out unsigned checkpoints. */
  all(): string[] {
    const out: string[] = [];
    for (const s of this.#segs) {
      const text = textOf(s);
      if (text === undefined) continue;
      if (s.lines === 1) out.push(text);
      else for (const l of text.split('\n')) out.push(l);
    }
    return out;
  }
}
