/**
 * Evidence export (docs/dna.md § Evidence): one ustar file holding the trace, its checkpoints,
 * the signed attestation, the manifest and policy the run used, and the linear-memory snapshot of
 * a run that trapped or was quarantined — with an index naming each member's SHA-256. The
 * snapshot must match the digest the signed summary states, so it is bound to the run.
 */
import { z } from 'zod';
import { serializeEnvelope } from '../../packages/dsse.ts';
import { toHex, utf8 } from '../../lib/encoding.ts';
import { KernelError } from '../../errors.ts';
import { analyzeTrace } from './analyze.ts';
import { Hasher } from '../hash/hasher.ts';
import { renderCheckpoint } from '../codec/lines.ts';
import { readTar, writeTar } from '../../lib/tar.ts';

export const EVIDENCE_FORMAT = 'forgeone-evidence/1';

export interface EvidenceInput {
  /** The trace text (JSON lines). */
  readonly trace: string;
  /** The package manifest (a JSON value, or its text). */
  readonly manifest?: unknown;
  /** The policy documents the run was decided by (a JSON value, or its text). */
  readonly policy?: unknown;
  /** Linear memory at the end of a trapped or quarantined run. */
  readonly memorySnapshot?: Uint8Array;
  /** Archive member time (seconds since the epoch); 0 keeps the file reproducible. */
  readonly createdAt?: number;
}

export interface EvidenceIndex {
  readonly format: typeof EVIDENCE_FORMAT;
  readonly runId: string;
  readonly entries: number;
  readonly sealed: boolean;
  readonly summary?: { readonly integrityScore: number; readonly riskFlags: readonly string[]; readonly outcome: unknown; readonly root: string; readonly head: string };
  readonly members: readonly { readonly name: string; readonly bytes: number; readonly sha256: string }[];
}

const asBytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : utf8.encode(typeof v === 'string' ? v : `${JSON.stringify(v, null, 2)}\n`));

/**
 * Builds the evidence file of a run.
 * @throws KernelError TRACE_INVALID when the trace is not a DNA trace, or the memory snapshot does not
 *   match the digest its signed summary states
 */
export function exportEvidence(input: EvidenceInput): Uint8Array {
  const a = analyzeTrace(input.trace);
  if (!a.genesis) throw new KernelError('TRACE_INVALID', `not a DNA trace: ${a.fault?.reason ?? 'no genesis entry'}`);
  const h = new Hasher();
  const files: { name: string; data: Uint8Array }[] = [{ name: 'trace.jsonl', data: utf8.encode(input.trace) }];
  files.push({ name: 'checkpoints.jsonl', data: utf8.encode(a.checkpoints.map((c) => `${renderCheckpoint(c)}\n`).join('')) });
  const s = a.summary;
  if (s) files.push({ name: 'attestation.dsse.json', data: utf8.encode(`${serializeEnvelope(s.envelope)}\n`) });
  if (input.manifest !== undefined) files.push({ name: 'manifest.json', data: asBytes(input.manifest) });
  if (input.policy !== undefined) files.push({ name: 'policy.json', data: asBytes(input.policy) });
  if (input.memorySnapshot) {
    const stated = s?.summary.outcome.memory;
    const digest = toHex(h.digest(input.memorySnapshot));
    if (stated && (stated.sha256 !== digest || stated.bytes !== input.memorySnapshot.length)) {
      throw new KernelError('TRACE_INVALID', `the memory snapshot (${input.memorySnapshot.length} bytes, sha256 ${digest}) is not the one the signed summary states (${stated.bytes} bytes, sha256 ${stated.sha256})`);
    }
    files.push({ name: 'memory.bin', data: input.memorySnapshot });
  }
  const index: EvidenceIndex = {
    format: EVIDENCE_FORMAT, runId: a.genesis.runId, entries: a.count, sealed: s !== undefined,
    ...(s ? { summary: { integrityScore: s.summary.integrityScore, riskFlags: s.summary.riskFlags, outcome: s.summary.outcome, root: s.summary.root, head: s.summary.head } } : {}),
    members: files.map((f) => ({ name: f.name, bytes: f.data.length, sha256: toHex(h.digest(f.data)) })),
  };
  return writeTar([{ name: 'evidence.json', data: utf8.encode(`${JSON.stringify(index, null, 2)}\n`) }, ...files], input.createdAt ?? 0);
}

const indexSchema = z.object({
  format: z.literal(EVIDENCE_FORMAT),
  runId: z.string(),
  members: z.array(z.strictObject({ name: z.string(), bytes: z.int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
});

/**
 * Reads an evidence file back, checking every member against the index.
 * @throws KernelError TRACE_INVALID for a corrupt archive, a missing or altered member
 */
export function readEvidence(bytes: Uint8Array): { index: EvidenceIndex; trace: string; files: Map<string, Uint8Array> } {
  const files = readTar(bytes);
  const raw = files.get('evidence.json');
  if (!raw) throw new KernelError('TRACE_INVALID', 'evidence archive: no evidence.json index');
  let v: unknown;
  try {
    v = JSON.parse(utf8.decode(raw));
  } catch {
    throw new KernelError('TRACE_INVALID', 'evidence archive: evidence.json is not JSON');
  }
  const r = indexSchema.safeParse(v);
  if (!r.success) throw new KernelError('TRACE_INVALID', `evidence archive: evidence.json is not a ${EVIDENCE_FORMAT} index`);
  const h = new Hasher();
  for (const m of r.data.members) {
    const data = files.get(m.name);
    if (!data) throw new KernelError('TRACE_INVALID', `evidence archive: member ${m.name} is missing`, { member: m.name });
    if (data.length !== m.bytes || toHex(h.digest(data)) !== m.sha256) throw new KernelError('TRACE_TAMPERED', `evidence archive: member ${m.name} does not match its digest in evidence.json`, { member: m.name });
  }
  const trace = files.get('trace.jsonl');
  if (!trace) throw new KernelError('TRACE_INVALID', 'evidence archive: no trace.jsonl');
  return { index: v as EvidenceIndex, trace: utf8.decode(trace), files };
}
