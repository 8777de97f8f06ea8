/**
 * DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse v1): signatures are made over
 * PAE(payloadType, payload), never over the JSON around them. Envelopes inside a `.forgepkg`
 * must be in canonical form (fixed key order, no whitespace, canonical base64) so that no byte
 * of a package can change without the verifier noticing.
 */
import { z } from 'zod';
import { KernelError } from '../errors.ts';
import { issueText } from '../lib/zod-issues.ts';
import { concatBytes, fromBase64, toBase64, utf8 } from '../lib/encoding.ts';
import { HEX64 } from '../crypto/keys.ts';

export interface DsseSignature {
  readonly keyid: string;
  readonly sig: Uint8Array;
}

export interface DsseEnvelope {
  readonly payloadType: string;
  readonly payload: Uint8Array;
  readonly signatures: readonly DsseSignature[];
}

/** Most signatures one envelope (or one trust root) may carry: bounds the verifier's work. */
export const MAX_SIGNATURES = 64;

/** DSSE v1 Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8.encode(payloadType);
  return concatBytes(utf8.encode(`DSSEv1 ${type.length} `), type, utf8.encode(` ${payload.length} `), payload);
}

/** Standard base64 that re-encodes to itself (no whitespace, zero padding bits); else undefined. */
export function decodeCanonicalBase64(text: string): Uint8Array | undefined {
  const bytes = fromBase64(text);
  return bytes && toBase64(bytes) === text ? bytes : undefined;
}

const b64 = z.string().refine((s) => decodeCanonicalBase64(s) !== undefined, 'must be canonical standard base64');
export const signatureEntrySchema = z.strictObject({
  keyid: z.string().regex(HEX64, 'must be a key id: 64 lowercase hex digits'),
  sig: b64,
});

const envelopeSchema = z.strictObject({
  payload: b64,
  payloadType: z.string().max(256),
  signatures: z.array(signatureEntrySchema).max(MAX_SIGNATURES, `at most ${MAX_SIGNATURES} signatures`),
});

/** The canonical JSON text of an envelope. */
export function serializeEnvelope(env: DsseEnvelope): string {
  const sigs = env.signatures.map((s) => `{"keyid":${JSON.stringify(s.keyid)},"sig":"${toBase64(s.sig)}"}`);
  return `{"payload":"${toBase64(env.payload)}","payloadType":${JSON.stringify(env.payloadType)},"signatures":[${sigs.join(',')}]}`;
}

/**
 * Parses an envelope's JSON text and checks that it is in canonical form.
 * @throws KernelError PKG_MALFORMED
 */
export function parseEnvelope(text: string): DsseEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new KernelError('PKG_MALFORMED', 'the signature section is not JSON');
  }
  const r = envelopeSchema.safeParse(value);
  if (!r.success) {
    throw new KernelError('PKG_MALFORMED', `the signature section is not a DSSE envelope: ${issueText(r.error.issues[0], { dotted: true })}`);
  }
  const env: DsseEnvelope = {
    payloadType: r.data.payloadType,
    payload: decodeCanonicalBase64(r.data.payload)!,
    signatures: r.data.signatures.map((s) => ({ keyid: s.keyid, sig: decodeCanonicalBase64(s.sig)! })),
  };
  if (serializeEnvelope(env) !== text) throw new KernelError('PKG_MALFORMED', 'the signature section is not in canonical form (key order, whitespace)');
  return env;
}
