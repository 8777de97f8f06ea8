/**
 * The canonical binary form of an entry — the bytes the chain hashes. A fixed layout (docs/dna.md
 * § Canonical encoding): version, kind, seq, then (tag, value) fields in ascending tag order,
 * absent optional fields omitted. The recorder writes call entries straight from the gate's
 * values (call-entry.ts); everything else goes through `encodeEntry`, and `decodeEntry`
 * (canonical-decode.ts) reads them back, so a JSON line is only ever a view of these bytes.
 */
import { GROUP_INDEX, SYSCALL_INDEX } from '../../ports/syscalls.ts';
import type { ByteWriter } from '../../lib/bytes.ts';
import type { Hasher } from '../hash/hasher.ts';
import { CANONICAL_VERSION, DATA_NOTES, type CallEntry, type DropEntry, type GenesisEntry, type TraceEntry } from '../format.ts';

export const KIND = { genesis: 0, call: 1, drop: 2 } as const;
export const ACCESS = ['read', 'write', 'readwrite'] as const;
export const DROP_REASONS = ['buffer-full', 'sink-failed'] as const;

/** Appends the canonical bytes of `e` to `w`. */
export function encodeEntry(w: ByteWriter, e: TraceEntry): void {
  w.u8(CANONICAL_VERSION);
  w.u8(KIND[e.kind]);
  w.uint(e.seq);
  if (e.kind === 'call') encodeCall(w, e);
  else if (e.kind === 'genesis') encodeGenesis(w, e);
  else encodeDrop(w, e);
}

/** The canonical bytes of `e` (a view into `w`: copy it before `w` is reused). */
export function canonicalOf(w: ByteWriter, e: TraceEntry): Uint8Array {
  w.reset();
  encodeEntry(w, e);
  return w.view();
}

/** The chain hash of `e` after `prev`: SHA-256(0x00 ‖ prev ‖ canonical) — also its RFC 6962 leaf hash. */
export function entryHash(w: ByteWriter, h: Hasher, e: TraceEntry, prev: Uint8Array): Uint8Array {
  return h.link(prev, canonicalOf(w, e));
}

function str(w: ByteWriter, tag: number, v: string | undefined): void {
  if (v === undefined) return;
  w.u8(tag);
  w.str(v);
}
function uint(w: ByteWriter, tag: number, v: number | undefined): void {
  if (v === undefined) return;
  w.u8(tag);
  w.uint(v);
}
function hash(w: ByteWriter, tag: number, v: Uint8Array | undefined): void {
  if (v === undefined) return;
  w.u8(tag);
  w.raw(v);
}
function list(w: ByteWriter, tag: number, v: readonly string[]): void {
  w.u8(tag);
  w.uint(v.length);
  for (const s of v) w.str(s);
}

function encodeCall(w: ByteWriter, e: CallEntry): void {
  const a = e.args;
  const d = e.decision;
  const r = e.result;
  uint(w, 1, SYSCALL_INDEX.get(e.syscall));
  uint(w, 2, GROUP_INDEX.get(e.group));
  uint(w, 3, a.fd);
  str(w, 4, a.path);
  hash(w, 5, a.pathDigest);
  str(w, 6, a.path2);
  hash(w, 7, a.path2Digest);
  str(w, 8, a.env);
  hash(w, 9, a.envDigest);
  uint(w, 10, a.bytes);
  uint(w, 11, a.access === undefined ? undefined : ACCESS.indexOf(a.access));
  uint(w, 16, d.effect === 'allow' ? 0 : 1);
  list(w, 17, d.rules);
  str(w, 18, d.reason);
  if (d.monitored) w.u8(19);
  str(w, 20, d.limited);
  uint(w, 32, r.errno);
  uint(w, 33, r.size);
  if (r.data !== undefined) {
    w.u8(34);
    w.bytes(r.data);
  }
  uint(w, 35, r.dataLen);
  hash(w, 36, r.dataDigest);
  uint(w, 37, r.dataNote === undefined ? undefined : DATA_NOTES.indexOf(r.dataNote));
  w.u8(48);
  w.big(e.fuel);
  w.u8(49);
  w.f64(e.trust);
}

function encodeGenesis(w: ByteWriter, e: GenesisEntry): void {
  str(w, 1, e.format);
  str(w, 2, e.runId);
  str(w, 3, e.kernelId);
  hash(w, 4, e.kernelKey);
  hash(w, 5, e.configDigest);
  hash(w, 6, e.package.digest);
  str(w, 7, e.package.name);
  str(w, 8, e.package.version);
  str(w, 9, e.package.signer);
  hash(w, 10, e.policyDigest);
  str(w, 11, e.identity);
  w.u8(12);
  w.uint(e.limits.length);
  for (const [k, v] of e.limits) {
    w.str(k);
    w.uint(v);
  }
  w.u8(13);
  w.bytes(e.nonce);
  uint(w, 14, e.checkpointInterval);
  uint(w, 15, e.startedAt);
  uint(w, 16, e.dataCap.entry);
  uint(w, 17, e.dataCap.run);
  list(w, 18, e.redact.paths);
  list(w, 19, e.redact.env);
  uint(w, 20, e.redact.data === 'keep' ? 0 : 1);
}

function encodeDrop(w: ByteWriter, e: DropEntry): void {
  uint(w, 1, e.count);
  uint(w, 2, e.denied);
  list(w, 3, e.flags);
  uint(w, 4, DROP_REASONS.indexOf(e.reason));
}
