/**
 * Trust roots (docs/trust-root.md): the keys a kernel trusts to sign packages and to sign the
 * next version of the root itself. A root document is `{ signed, signatures }`; signatures are
 * DSSE PAE over the canonical JSON of `signed`. Parsing here is structural and synchronous;
 * root-signing.ts checks signatures, thresholds and rotation.
 */
import { z } from 'zod';
import { KernelError } from '../errors.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { pae, signatureEntrySchema, decodeCanonicalBase64, MAX_SIGNATURES, type DsseSignature } from './dsse.ts';
import { fromHex, toBase64, utf8 } from '../lib/encoding.ts';
import { HEX64, isUsablePublicKey, keyIdOf } from '../crypto/keys.ts';
import { firstIssue } from '../lib/zod-issues.ts';

export const ROOT_TYPE = 'https://forgeone.dev/trust-root/v1';
/** The DSSE payload type root signatures are made under. */
export const ROOT_PAYLOAD_TYPE = 'application/vnd.forgeone.trust-root+json';
export type KeyRole = 'root' | 'package';

const hex64 = z.string().regex(HEX64, 'must be 64 lowercase hex digits');
const isoTime = z.iso.datetime({ message: 'must be an ISO 8601 UTC time such as 2027-01-01T00:00:00Z' });
const glob = z.string().min(1).max(128).regex(/^[a-z0-9._\-/*?]+$/, 'must be a package-name glob (letters, digits, . _ - /, and * ** ?)');

export const rootKeySchema = z.strictObject({
  /** Lowercase hex SHA-256 of the raw public key. */
  id: hex64,
  publicKey: hex64,
  /** A human label; never used to look a key up. */
  name: z.string().min(1).max(128).optional(),
  /** What the key may sign; both when absent. */
  roles: z.array(z.enum(['root', 'package'])).min(1).max(2).optional(),
  /** Package names the key may sign (globs); every name (`**`) when absent. */
  packages: z.array(glob).max(64).optional(),
  notBefore: isoTime.optional(),
  expires: isoTime.optional(),
});

export const rootBodySchema = z.strictObject({
  _type: z.literal(ROOT_TYPE),
  version: z.number().int().min(1).max(2 ** 31 - 1),
  /** The root itself is refused after this time. */
  expires: isoTime,
  /** Distinct root-role keys of this version that must sign the next version. */
  threshold: z.number().int().min(1).max(MAX_SIGNATURES),
  /** Distinct package-role keys that must sign a package; 1 when absent. */
  packageThreshold: z.number().int().min(1).max(MAX_SIGNATURES).optional(),
  keys: z.array(rootKeySchema).min(1).max(256),
  revoked: z.array(z.strictObject({ id: hex64, reason: z.string().max(1024), at: isoTime.optional() })).max(4096).optional(),
});

const rootDocumentSchema = z.strictObject({
  signed: z.unknown(),
  signatures: z.array(signatureEntrySchema).max(MAX_SIGNATURES),
});

export type RootBody = z.input<typeof rootBodySchema>;
export type RootKeyJson = z.input<typeof rootKeySchema>;

export interface TrustRootKey {
  readonly id: string;
  readonly publicKey: Uint8Array;
  readonly name?: string;
  readonly roles: readonly KeyRole[];
  readonly packages: readonly string[];
  readonly notBefore?: number;
  readonly expires?: number;
}

export interface TrustRoot {
  readonly version: number;
  /** Milliseconds since the epoch. */
  readonly expires: number;
  readonly threshold: number;
  readonly packageThreshold: number;
  readonly keys: ReadonlyMap<string, TrustRootKey>;
  readonly revoked: ReadonlyMap<string, { readonly reason: string; readonly at?: number }>;
  readonly signatures: readonly DsseSignature[];
  /** The exact bytes every root signature covers: PAE(ROOT_PAYLOAD_TYPE, canonical JSON of `signed`). */
  readonly signingBytes: Uint8Array;
  /** The signed body as JSON, for writing the document back out. */
  readonly body: Readonly<RootBody>;
}

function invalid(path: string, message: string): never {
  throw new KernelError('TRUST_ROOT_INVALID', `trust root field ${path}: ${message}`, { path });
}

/** The bytes root signatures cover for a body. */
export function rootSigningBytes(body: RootBody): Uint8Array {
  return pae(ROOT_PAYLOAD_TYPE, utf8.encode(canonicalJson(body)));
}

/** Keys that may sign the next root: root role, not revoked. */
export function rootSigners(root: TrustRoot): TrustRootKey[] {
  return [...root.keys.values()].filter((k) => k.roles.includes('root') && !root.revoked.has(k.id));
}

/**
 * Parses a trust root document; checks structure and invariants, not signatures.
 * @throws KernelError TRUST_ROOT_INVALID with `details.path` naming the bad field
 */
export function parseTrustRoot(json: unknown): TrustRoot {
  const doc = rootDocumentSchema.safeParse(json);
  if (!doc.success) {
    const { path, message } = firstIssue(doc.error);
    invalid(path, message);
  }
  const r = rootBodySchema.safeParse(doc.data.signed);
  if (!r.success) {
    const { path, message } = firstIssue(r.error, ['signed']);
    invalid(path, message);
  }
  const body = r.data;
  const keys = new Map<string, TrustRootKey>();
  body.keys.forEach((k, i) => {
    const publicKey = fromHex(k.publicKey)!;
    if (!isUsablePublicKey(publicKey)) invalid(`signed.keys[${i}].publicKey`, 'is not a usable Ed25519 public key');
    if (keyIdOf(publicKey) !== k.id) invalid(`signed.keys[${i}].id`, 'must be the hex SHA-256 of publicKey');
    if (keys.has(k.id)) invalid(`signed.keys[${i}].id`, 'repeats an earlier key');
    const notBefore = k.notBefore === undefined ? undefined : Date.parse(k.notBefore);
    const expires = k.expires === undefined ? undefined : Date.parse(k.expires);
    if (notBefore !== undefined && expires !== undefined && notBefore >= expires) invalid(`signed.keys[${i}].expires`, 'must be later than notBefore');
    keys.set(k.id, {
      id: k.id, publicKey, roles: k.roles ?? ['root', 'package'], packages: k.packages ?? ['**'],
      ...(k.name !== undefined && { name: k.name }), ...(notBefore !== undefined && { notBefore }), ...(expires !== undefined && { expires }),
    });
  });
  const revoked = new Map<string, { reason: string; at?: number }>();
  (body.revoked ?? []).forEach((e, i) => {
    if (revoked.has(e.id)) invalid(`signed.revoked[${i}].id`, 'repeats an earlier revocation');
    revoked.set(e.id, { reason: e.reason, ...(e.at !== undefined && { at: Date.parse(e.at) }) });
  });
  const live = (role: KeyRole) => [...keys.values()].filter((k) => k.roles.includes(role) && !revoked.has(k.id)).length;
  if (body.threshold > live('root')) invalid('signed.threshold', `${body.threshold} exceeds the ${live('root')} unrevoked root-role keys: this root could never be rotated`);
  const packageThreshold = body.packageThreshold ?? 1;
  if (packageThreshold > live('package')) invalid('signed.packageThreshold', `${packageThreshold} exceeds the ${live('package')} unrevoked package-role keys: no package could ever verify`);
  // A private, key-ordered copy: the caller's object may change later, the signed bytes may not.
  const canonical = canonicalJson(doc.data.signed);
  return {
    version: body.version, expires: Date.parse(body.expires), threshold: body.threshold, packageThreshold, keys, revoked,
    signatures: doc.data.signatures.map((s) => ({ keyid: s.keyid, sig: decodeCanonicalBase64(s.sig)! })),
    signingBytes: pae(ROOT_PAYLOAD_TYPE, utf8.encode(canonical)),
    body: JSON.parse(canonical) as RootBody,
  };
}

/** The JSON document of a root (what `forge trust` writes). */
export function trustRootDocument(root: TrustRoot): { signed: RootBody; signatures: { keyid: string; sig: string }[] } {
  return { signed: root.body, signatures: root.signatures.map((s) => ({ keyid: s.keyid, sig: toBase64(s.sig) })) };
}
