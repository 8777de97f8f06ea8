/**
 * The in-toto Statement v1 a `.forgepkg` signs: one subject per component (the module, the
 * manifest, each mounted file) with its SHA-256, and a predicate naming the format version.
 * The statement is a pure function of the package content, serialized as canonical JSON, so
 * the verifier recomputes it and demands the signed payload be exactly those bytes.
 */
import { z } from 'zod';
import { KernelError } from '../errors.ts';
import { issueText } from '../lib/zod-issues.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { utf8 } from '../lib/encoding.ts';
import { HEX64 } from '../crypto/keys.ts';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://forgeone.dev/forgepkg/v1';
/** The DSSE payload type of an in-toto statement. */
export const STATEMENT_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export const MODULE_SUBJECT = 'module.wasm';
export const MANIFEST_SUBJECT = 'manifest.json';
/** A mounted file's subject name: `files` + its guest path (`files/etc/app.conf`). */
export const fileSubject = (guestPath: string): string => `files${guestPath}`;

export interface Subject {
  readonly name: string;
  readonly sha256: string;
}

const statementSchema = z.strictObject({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(z.strictObject({
    name: z.string(),
    digest: z.strictObject({ sha256: z.string().regex(HEX64) }),
  })).min(2),
  predicateType: z.literal(PREDICATE_TYPE),
  predicate: z.strictObject({ formatVersion: z.number().int() }),
});

/** The canonical statement bytes for a package's subjects (module, manifest, files in order). */
export function statementBytes(subjects: readonly Subject[], formatVersion: number): Uint8Array {
  return utf8.encode(canonicalJson({
    _type: STATEMENT_TYPE,
    subject: subjects.map((s) => ({ name: s.name, digest: { sha256: s.sha256 } })),
    predicateType: PREDICATE_TYPE,
    predicate: { formatVersion },
  }));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Checks that a signed payload is exactly the statement of this content.
 * @throws KernelError PKG_MALFORMED (not a forgepkg statement, or not canonical),
 *   PKG_DIGEST_MISMATCH (a subject's digest, a subject list or the format version differs)
 */
export function checkStatement(payload: Uint8Array, expected: readonly Subject[], formatVersion: number): void {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(payload));
  } catch {
    throw new KernelError('PKG_MALFORMED', 'the signed payload is not UTF-8 JSON');
  }
  const r = statementSchema.safeParse(value);
  if (!r.success) {
    throw new KernelError('PKG_MALFORMED', `the signed payload is not an in-toto Statement v1 for a forgepkg: ${issueText(r.error.issues[0], { dotted: true })}`);
  }
  const signed = r.data.subject;
  for (let i = 0; i < Math.max(signed.length, expected.length); i++) {
    const s = signed[i];
    const e = expected[i];
    if (!s || !e || s.name !== e.name) {
      throw new KernelError('PKG_DIGEST_MISMATCH', `the signed statement lists ${s ? `"${s.name}"` : 'nothing'} where the package holds ${e ? `"${e.name}"` : 'nothing'}`, { subject: s?.name ?? e?.name });
    }
    if (s.digest.sha256 !== e.sha256) {
      throw new KernelError('PKG_DIGEST_MISMATCH', `${e.name}: signed sha256 ${s.digest.sha256}, but the content hashes to ${e.sha256}`, { subject: e.name, signed: s.digest.sha256, actual: e.sha256 });
    }
  }
  if (r.data.predicate.formatVersion !== formatVersion) {
    throw new KernelError('PKG_DIGEST_MISMATCH', `the statement was signed for format version ${r.data.predicate.formatVersion}, the package is version ${formatVersion}`);
  }
  const canonical = statementBytes(expected, formatVersion);
  if (canonical.length !== payload.length || !canonical.every((b, i) => b === payload[i])) {
    throw new KernelError('PKG_MALFORMED', 'the signed statement is not in canonical form');
  }
}
