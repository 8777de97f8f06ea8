/**
 * What the kernel key signs: checkpoints as C2SP tlog-checkpoint note bodies (so a checkpoint is
 * also a valid signed note), and the closing summary as an in-toto Statement v1 in a DSSE
 * envelope whose subject is the package that ran.
 */
import { z } from 'zod';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { pae, type DsseEnvelope } from '../../packages/dsse.ts';
import { toBase64, toHex, utf8 } from '../../lib/encoding.ts';
import { keyIdOf } from '../../crypto/keys.ts';
import { STATEMENT_PAYLOAD_TYPE, STATEMENT_TYPE } from '../../packages/statement.ts';
import { KernelError } from '../../errors.ts';
import type { CryptoProvider } from '../../ports/crypto-provider.ts';
import { issueText } from '../../lib/zod-issues.ts';
import { RUN_STATUSES, type SummaryOutcome } from '../format.ts';
import type { Deduction } from '../inspect/score.ts';

export const DNA_PREDICATE_TYPE = 'https://forgeone.dev/attestations/dna-summary/v1';

/** The signed note body of a checkpoint: origin, size, base64 root, then the chain head as an extension line. */
export function checkpointBody(runId: string, size: number, root: Uint8Array, head: Uint8Array): Uint8Array {
  return utf8.encode(`forgeone.dev/dna/${runId}\n${size}\n${toBase64(root)}\nhead ${toHex(head)}\n`);
}

/** The predicate of the closing attestation. */
export interface DnaSummary {
  readonly runId: string;
  readonly kernelId: string;
  readonly identity: string;
  readonly package: { readonly digest: string; readonly name?: string; readonly version?: string; readonly signer?: string };
  readonly configDigest: string;
  readonly policyDigest: string;
  /** Entries in the trace, genesis and drop records included. */
  readonly count: number;
  readonly head: string;
  readonly root: string;
  /** Calls lost to drop records. */
  readonly dropped: number;
  readonly outcome: SummaryOutcome;
  readonly integrityScore: number;
  readonly riskFlags: readonly string[];
  readonly deductions: readonly Deduction[];
}

export interface SignedSummary {
  readonly envelope: DsseEnvelope;
  readonly summary: DnaSummary;
}

/** The statement bytes for a summary (canonical JSON). */
export function statementBytes(s: DnaSummary): Uint8Array {
  return utf8.encode(canonicalJson({
    _type: STATEMENT_TYPE,
    subject: [{ name: s.package.name ?? 'package', digest: { sha256: s.package.digest } }],
    predicateType: DNA_PREDICATE_TYPE,
    predicate: s,
  }));
}

export async function signSummary(s: DnaSummary, crypto: CryptoProvider, secretKey: Uint8Array, publicKey: Uint8Array): Promise<SignedSummary> {
  const payload = statementBytes(s);
  const sig = await crypto.signEd25519(pae(STATEMENT_PAYLOAD_TYPE, payload), secretKey);
  return { summary: s, envelope: { payloadType: STATEMENT_PAYLOAD_TYPE, payload, signatures: [{ keyid: keyIdOf(publicKey), sig }] } };
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const deductionSchema = z.strictObject({ category: z.enum(['provenance', 'denials', 'anomalies', 'limits']), reason: z.string(), points: z.int() });
const summarySchema = z.strictObject({
  runId: z.string(), kernelId: z.string(), identity: z.string(),
  package: z.strictObject({ digest: hex64, name: z.string().optional(), version: z.string().optional(), signer: z.string().optional() }),
  configDigest: hex64, policyDigest: hex64, count: z.int().min(1), head: hex64, root: hex64, dropped: z.int().min(0),
  outcome: z.strictObject({
    status: z.enum(RUN_STATUSES), exitCode: z.int().optional(), code: z.string().optional(), message: z.string().optional(),
    memory: z.strictObject({ bytes: z.int().min(0), sha256: hex64 }).optional(),
  }),
  integrityScore: z.int().min(0).max(100), riskFlags: z.array(z.string()), deductions: z.array(deductionSchema),
});
const statementSchema = z.strictObject({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(z.strictObject({ name: z.string(), digest: z.strictObject({ sha256: hex64 }) })).length(1),
  predicateType: z.literal(DNA_PREDICATE_TYPE),
  predicate: summarySchema,
});

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads the summary out of a DSSE envelope's payload (signature not checked here).
 * @throws KernelError TRACE_INVALID when the payload is not a DNA summary statement in canonical form
 */
export function parseSummaryPayload(envelope: DsseEnvelope): DnaSummary {
  if (envelope.payloadType !== STATEMENT_PAYLOAD_TYPE) throw new KernelError('TRACE_INVALID', `summary payloadType is ${envelope.payloadType}, expected ${STATEMENT_PAYLOAD_TYPE}`);
  let v: unknown;
  try {
    v = JSON.parse(strictUtf8.decode(envelope.payload));
  } catch {
    throw new KernelError('TRACE_INVALID', 'the summary payload is not UTF-8 JSON');
  }
  const r = statementSchema.safeParse(v);
  if (!r.success) {
    throw new KernelError('TRACE_INVALID', `the summary is not a DNA summary statement: ${issueText(r.error.issues[0], { dotted: true })}`);
  }
  const s = r.data.predicate as DnaSummary;
  const again = statementBytes(s);
  if (again.length !== envelope.payload.length || !again.every((b, i) => b === envelope.payload[i])) {
    throw new KernelError('TRACE_INVALID', 'the summary statement is not in canonical form');
  }
  return s;
}

/** Does one of the envelope's signatures verify under `publicKey`? */
export async function verifySummarySignature(envelope: DsseEnvelope, publicKey: Uint8Array, crypto: CryptoProvider): Promise<boolean> {
  const keyid = keyIdOf(publicKey);
  const msg = pae(envelope.payloadType, envelope.payload);
  for (const s of envelope.signatures) {
    if (s.keyid === keyid && (await crypto.verifyEd25519(s.sig, msg, publicKey))) return true;
  }
  return false;
}
