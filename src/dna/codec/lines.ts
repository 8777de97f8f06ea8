/**
 * The JSON-lines view of a trace (docs/dna.md § Lines). Each line has exactly one rendering —
 * fixed key order, no whitespace, lowercase hex for every byte string — so the verifier can demand
 * that a line re-renders to itself and no byte of a stored trace can change unnoticed. Entry lines
 * are rendered from canonical bytes (render.ts); checkpoints and the summary here.
 */
import { serializeEnvelope, type DsseEnvelope } from '../../packages/dsse.ts';
import { toHex } from '../../lib/encoding.ts';
import { ByteWriter } from '../../lib/bytes.ts';
import { encodeEntry } from './canonical.ts';
import type { TraceEntry } from '../format.ts';
import { renderCanonical } from './render.ts';

export interface CheckpointLine {
  readonly size: number;
  readonly root: Uint8Array;
  readonly head: Uint8Array;
  readonly sig: Uint8Array;
}

const decoder = new TextDecoder();

/** Renders an entry with its chain hash, through its canonical bytes. */
export function renderEntry(e: TraceEntry, hash: Uint8Array, w: ByteWriter = new ByteWriter(), out: ByteWriter = new ByteWriter()): string {
  w.reset();
  encodeEntry(w, e);
  out.reset();
  renderCanonical(out, w.buf, 0, w.pos, hash, 0);
  return decoder.decode(out.view());
}

export function renderCheckpoint(c: CheckpointLine): string {
  return `{"t":"checkpoint","size":${c.size},"root":"${toHex(c.root)}","head":"${toHex(c.head)}","sig":"${toHex(c.sig)}"}`;
}

export function renderSummary(envelope: DsseEnvelope): string {
  return `{"t":"summary","envelope":${serializeEnvelope(envelope)}}`;
}
