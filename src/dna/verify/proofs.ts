/**
 * Self-contained proofs over a trace (docs/dna.md § Proofs). An inclusion proof carries the entry's
 * line, its RFC 6962 audit path and the signed checkpoint it leads to; a consistency proof carries
 * two signed checkpoints and the RFC 6962 PROOF between them. Either verifies with nothing else
 * than itself (and, to pin it, the kernel's public key).
 */
import { z } from 'zod';
import { equalBytes, fromHex, toHex } from '../../lib/encoding.ts';
import { firstIssue } from '../../lib/zod-issues.ts';
import { nobleCrypto } from '../../crypto/noble.ts';
import { KernelError, isKernelError } from '../../errors.ts';
import type { CryptoProvider } from '../../ports/crypto-provider.ts';
import { analyzeTrace, type Analysis, type CheckpointAt } from '../inspect/analyze.ts';
import { checkpointBody } from './attestation.ts';
import { ByteWriter } from '../../lib/bytes.ts';
import { entryHash } from '../codec/canonical.ts';
import { Hasher } from '../hash/hasher.ts';
import { renderCheckpoint, renderEntry, type CheckpointLine } from '../codec/lines.ts';
import { MerkleTree, verifyConsistencyPath, verifyInclusionPath } from '../hash/merkle.ts';
import { parseLine } from '../codec/parse.ts';

export const INCLUSION_FORMAT = 'forgeone-dna-inclusion/2';
export const CONSISTENCY_FORMAT = 'forgeone-dna-consistency/2';

export interface InclusionProof {
  readonly format: typeof INCLUSION_FORMAT;
  readonly runId: string;
  readonly kernelKey: string;
  readonly index: number;
  /** The entry's JSON line exactly as stored. */
  readonly entry: string;
  /** The chain hash of the entry before it (zeros for entry 0): with the entry, its RFC 6962 leaf data. */
  readonly prev: string;
  readonly treeSize: number;
  readonly path: readonly string[];
  /** The signed checkpoint line over `treeSize` entries. */
  readonly checkpoint: string;
}

export interface ConsistencyProof {
  readonly format: typeof CONSISTENCY_FORMAT;
  readonly runId: string;
  readonly kernelKey: string;
  readonly from: string;
  readonly to: string;
  readonly proof: readonly string[];
}

export interface ProofCheck {
  readonly ok: boolean;
  readonly message: string;
}

function usable(a: Analysis): Analysis & { genesis: NonNullable<Analysis['genesis']> } {
  if (!a.genesis) throw new KernelError('TRACE_INVALID', `not a DNA trace: ${a.fault?.reason ?? 'no genesis entry'}`);
  return a as Analysis & { genesis: NonNullable<Analysis['genesis']> };
}

function lineOf(c: CheckpointAt): string {
  return renderCheckpoint(c);
}

/**
 * An inclusion proof of entry `index` against the last signed checkpoint that covers it (or the one of `size`).
 * @throws KernelError TRACE_INVALID (not a trace, no such entry, no checkpoint covers it)
 */
export function inclusionProof(text: string, index: number, opts: { size?: number } = {}): InclusionProof {
  const a = usable(analyzeTrace(text));
  if (!Number.isSafeInteger(index) || index < 0 || index >= a.count) {
    throw new KernelError('TRACE_INVALID', `entry ${index} is not in the trace's intact part (entries 0..${a.count - 1})`, { entry: index });
  }
  const candidates = a.checkpoints.filter((c) => c.size > index && (opts.size === undefined || c.size === opts.size));
  const ck = candidates[candidates.length - 1];
  if (!ck) {
    const why = opts.size !== undefined ? `no checkpoint of size ${opts.size} covers it` : 'it comes after the last signed checkpoint';
    throw new KernelError('TRACE_INVALID', `entry ${index} cannot be proven: ${why}`, { entry: index });
  }
  const tree = new MerkleTree(a.hashes.slice(0, ck.size));
  return {
    format: INCLUSION_FORMAT, runId: a.genesis.runId, kernelKey: toHex(a.genesis.kernelKey), index,
    entry: renderEntry(a.entries[index]!, a.hashes[index]!), prev: toHex(index === 0 ? new Uint8Array(32) : a.hashes[index - 1]!), treeSize: ck.size,
    path: tree.inclusionPath(index).map(toHex), checkpoint: lineOf(ck),
  };
}

/**
 * A consistency proof between the signed checkpoints of `fromSize` and `toSize` entries.
 * @throws KernelError TRACE_INVALID when either size is not a signed checkpoint of the trace
 */
export function consistencyProof(text: string, fromSize: number, toSize: number): ConsistencyProof {
  const a = usable(analyzeTrace(text));
  const find = (size: number) => {
    const c = a.checkpoints.find((x) => x.size === size);
    if (!c) throw new KernelError('TRACE_INVALID', `the trace has no checkpoint of size ${size} (it has ${a.checkpoints.map((x) => x.size).join(', ') || 'none'})`, { size });
    return c;
  };
  const from = find(fromSize);
  const to = find(toSize);
  if (fromSize > toSize) throw new KernelError('TRACE_INVALID', `a consistency proof goes from a smaller tree to a larger one (${fromSize} > ${toSize})`);
  const tree = new MerkleTree(a.hashes.slice(0, toSize));
  return {
    format: CONSISTENCY_FORMAT, runId: a.genesis.runId, kernelKey: toHex(a.genesis.kernelKey),
    from: lineOf(from), to: lineOf(to), proof: tree.consistencyProof(fromSize).map(toHex),
  };
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const common = { runId: z.string().min(1), kernelKey: hex64 };
const inclusionSchema = z.strictObject({
  format: z.literal(INCLUSION_FORMAT), ...common, index: z.int().min(0), entry: z.string(), prev: hex64, treeSize: z.int().min(1),
  path: z.array(hex64).max(64), checkpoint: z.string(),
});
const consistencySchema = z.strictObject({ format: z.literal(CONSISTENCY_FORMAT), ...common, from: z.string(), to: z.string(), proof: z.array(hex64).max(128) });

export interface ProofOptions {
  /** Pins the kernel key; without it the proof is checked against the key it names. */
  readonly publicKey?: Uint8Array;
  readonly crypto?: CryptoProvider;
}

function parseProof<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = firstIssue(r.error);
    throw new KernelError('TRACE_INVALID', `${what} field "${i.path}": ${i.message}`, { field: i.path });
  }
  return r.data;
}

function checkpointOf(line: string, what: string): CheckpointLine {
  const p = parseLine(line);
  if (p.t !== 'checkpoint' || renderCheckpoint(p.checkpoint) !== line) throw new KernelError('TRACE_INVALID', `${what} is not a checkpoint line in canonical form`);
  return p.checkpoint;
}

async function signed(c: CheckpointLine, runId: string, key: Uint8Array, crypto: CryptoProvider): Promise<boolean> {
  return crypto.verifyEd25519(c.sig, checkpointBody(runId, c.size, c.root, c.head), key);
}

function keyOf(hex: string, opts: ProofOptions): Uint8Array | string {
  const key = fromHex(hex)!;
  if (opts.publicKey && !equalBytes(opts.publicKey, key)) return `the proof names kernel key ${hex}, not the key given (${toHex(opts.publicKey)})`;
  return key;
}

/** Checks an inclusion proof (a parsed JSON value); never throws: the result says why it fails. */
export async function verifyInclusion(value: unknown, opts: ProofOptions = {}): Promise<ProofCheck> {
  try {
    const p = parseProof(inclusionSchema, value, 'inclusion proof');
    const key = keyOf(p.kernelKey, opts);
    if (typeof key === 'string') return { ok: false, message: key };
    const e = parseLine(p.entry);
    if (e.t === 'checkpoint' || e.t === 'summary') return { ok: false, message: 'the proof\'s entry is not an entry line' };
    if (renderEntry(e.entry, e.hash) !== p.entry) return { ok: false, message: 'the proof\'s entry line is not in canonical form (altered)' };
    if (e.entry.seq !== p.index) return { ok: false, message: `the entry is entry ${e.entry.seq}, the proof claims index ${p.index}` };
    const ck = checkpointOf(p.checkpoint, 'the proof\'s checkpoint');
    if (ck.size !== p.treeSize) return { ok: false, message: `the checkpoint covers ${ck.size} entries, the proof claims ${p.treeSize}` };
    const leaf = entryHash(new ByteWriter(), new Hasher(), e.entry, fromHex(p.prev)!);
    if (!equalBytes(leaf, e.hash)) return { ok: false, message: `entry ${p.index} does not chain onto the stated previous hash: the entry or its "prev" was altered` };
    if (!verifyInclusionPath(leaf, p.index, p.treeSize, p.path.map((x) => fromHex(x)!), ck.root)) {
      return { ok: false, message: `entry ${p.index} does not lead to the checkpoint's root through this audit path: the entry or the path was altered` };
    }
    if (!(await signed(ck, p.runId, key, opts.crypto ?? nobleCrypto))) return { ok: false, message: 'the checkpoint\'s signature does not verify under the kernel key: forged or altered' };
    const pinned = opts.publicKey ? '' : ' (key not pinned: it is the one the proof names)';
    return { ok: true, message: `entry ${p.index} of run ${p.runId} is in the signed tree of ${p.treeSize} entries (root ${toHex(ck.root)})${pinned}` };
  } catch (e) {
    return { ok: false, message: isKernelError(e) ? e.message : String(e) };
  }
}

/** Checks a consistency proof (a parsed JSON value); never throws. */
export async function verifyConsistency(value: unknown, opts: ProofOptions = {}): Promise<ProofCheck> {
  try {
    const p = parseProof(consistencySchema, value, 'consistency proof');
    const key = keyOf(p.kernelKey, opts);
    if (typeof key === 'string') return { ok: false, message: key };
    const from = checkpointOf(p.from, 'the proof\'s "from" checkpoint');
    const to = checkpointOf(p.to, 'the proof\'s "to" checkpoint');
    if (!verifyConsistencyPath(from.size, to.size, from.root, to.root, p.proof.map((x) => fromHex(x)!))) {
      return { ok: false, message: `the tree of ${to.size} entries is not shown to extend the tree of ${from.size}: the proof or a checkpoint was altered` };
    }
    const crypto = opts.crypto ?? nobleCrypto;
    for (const [c, name] of [[from, 'from'], [to, 'to']] as const) {
      if (!(await signed(c, p.runId, key, crypto))) return { ok: false, message: `the "${name}" checkpoint's signature does not verify under the kernel key: forged or altered` };
    }
    return { ok: true, message: `the signed tree of ${to.size} entries extends the signed tree of ${from.size} entries of run ${p.runId}` };
  } catch (e) {
    return { ok: false, message: isKernelError(e) ? e.message : String(e) };
  }
}
