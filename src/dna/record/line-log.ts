/**
 * The recorder's output, in order: segments of hashed entries, checkpoint slots (placed at their
 * exact position, filled in once signed) and the closing summary line. A segment keeps its
 * entries as canonical bytes back to back with their chain hashes — about a third of the memory
 * of their JSON lines, and no long-lived strings for the garbage collector to trace — and its
 * lines are rendered only when they are handed to a sink or to `lines()`. Segments the sink stored
 * are released unless the log retains them; `released` tells how many entries that freed.
 */
import { ByteWriter } from '../../lib/bytes.ts';
import { renderCanonical } from '../codec/render.ts';

export interface CheckpointSlot {
  readonly size: number;
  readonly root: Uint8Array;
  readonly head: Uint8Array;
  /** The signed checkpoint line, once signed. */
  text?: string;
}

/** A batch of entries as the recorder hashed them. */
export interface Segment {
  /** Seq of the first entry. */
  readonly first: number;
  /** Canonical bytes of each entry, back to back; `ends[i]` is where entry `first + i` ends. */
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
  /** Chain hash of each entry, 32 bytes apiece. */
  readonly hashes: Uint8Array;
}

type Item =
  | { readonly seg: Segment; readonly entries: number }
  | { readonly slot: CheckpointSlot; readonly entries: number }
  | { readonly text: string; readonly entries: number };

export interface Batch {
  /** Absolute index of the first line. */
  readonly from: number;
  readonly lines: string[];
  readonly items: number;
  /** Entries counted through the batch's last line. */
  readonly entries: number;
}

const decoder = new TextDecoder();

/** Appends the JSON lines of a segment's entries to `out`: rendered into one buffer `w`, decoded once, split. */
export function renderSegment(s: Segment, out: string[], w: ByteWriter = new ByteWriter()): void {
  w.reset();
  let start = 0;
  for (let i = 0; i < s.ends.length; i++) {
    const end = s.ends[i]!;
    if (i > 0) w.u8(0x0a);
    renderCanonical(w, s.bytes, start, end, s.hashes, i * 32);
    start = end;
  }
  for (const line of decoder.decode(w.view()).split('\n')) out.push(line);
}

function render(item: Item, out: string[], w: ByteWriter): boolean {
  if ('seg' in item) renderSegment(item.seg, out, w);
  else if ('slot' in item) {
    if (item.slot.text === undefined) return false;
    out.push(item.slot.text);
  } else out.push(item.text);
  return true;
}

export class LineLog {
  readonly #retain: boolean;
  readonly #w = new ByteWriter(256 * 1024);
  #items: Item[] = [];
  /** Index in #items of the first item the sink has not accepted. */
  #first = 0;
  #flushedLines = 0;
  #persisted = 0;
  #released = 0;

  constructor(retain: boolean) {
    this.#retain = retain;
  }

  /** Entries whose lines the sink accepted. */
  get persisted(): number {
    return this.#persisted;
  }

  /** Entries no longer held in memory (stored, and not retained). */
  get released(): number {
    return this.#released;
  }

  addSegment(seg: Segment): void {
    this.#items.push({ seg, entries: seg.first + seg.ends.length });
  }

  addCheckpoint(slot: CheckpointSlot): void {
    this.#items.push({ slot, entries: slot.size });
  }

  addLine(text: string, entries: number): void {
    this.#items.push({ text, entries });
  }

  /**
   * The lines from the first unaccepted one up to the first checkpoint still unsigned, and not
   * many more than `maxLines`: a long backlog goes to the sink a batch at a time, so rendering it
   * never holds more than one batch of lines.
   */
  nextBatch(maxLines = 8192): Batch | undefined {
    const lines: string[] = [];
    let i = this.#first;
    let entries = this.#persisted;
    for (; i < this.#items.length && lines.length < maxLines; i++) {
      const item = this.#items[i]!;
      if (!render(item, lines, this.#w)) break;
      entries = item.entries;
    }
    return i === this.#first ? undefined : { from: this.#flushedLines, lines, items: i - this.#first, entries };
  }

  /** Records that the sink stored `b`. */
  accept(b: Batch): void {
    this.#first += b.items;
    this.#flushedLines += b.lines.length;
    this.#persisted = b.entries;
    if (!this.#retain) {
      this.#items.splice(0, this.#first);
      this.#first = 0;
      this.#released = b.entries;
    }
  }

  /** Every line held (all of them unless stored lines are released), leaving out unsigned checkpoints. */
  all(): string[] {
    const out: string[] = [];
    for (const item of this.#items) render(item, out, this.#w);
    return out;
  }
}
