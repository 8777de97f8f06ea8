import { z } from 'zod';
import { pae } from '../packages/dsse.ts';
import { fromBase64, toBase64 } from '../lib/encoding.ts';
import { parsePublicKey, type KeyPair, type PublicKey } from '../crypto/keys.ts';
import { formatIssuePath } from '../lib/zod-issues.ts';
import { KernelError } from '../errors.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';

/**
 * A signed config is a DSSE envelope (github.com/secure-systems-lab/dsse) around the config's
 * JSON bytes: one file, a standard format, and the signature covers the exact bytes the signer
 * saw — no canonicalisation needed to verify. The keys that may sign come from the boot options
 * or FORGE_CONFIG_KEYS, never from the file itself.
 */
export const CONFIG_PAYLOAD_TYPE = 'application/vnd.forgeone.config+json';

const envelopeSchema = z.strictObject({
  payloadType: z.literal(CONFIG_PAYLOAD_TYPE),
  payload: z.string().min(1),
  // bounded: each signature costs the verifier one Ed25519 check per trusted key
  signatures: z.array(z.strictObject({ keyid: z.string().optional(), sig: z.string().min(1) })).min(1).max(16),
});

export type ConfigEnvelope = z.infer<typeof envelopeSchema>;

/** True when a parsed config file is a DSSE envelope rather than a bare config. */
export function isEnvelope(value: unknown): boolean {
  return !!value && typeof value === 'object' && !Array.isArray(value) && 'payloadType' in value;
}

/**
 * Parses a config-signing key: 64 hex digits or a key document (`forge keygen` output).
 * @throws KernelError CONFIG_SIGNATURE_INVALID naming where the key came from
 */
export function parseConfigKey(input: unknown, source: string): PublicKey {
  try {
    return parsePublicKey(typeof input === 'string' ? input.trim().toLowerCase() : input);
  } catch (e) {
    throw new KernelError('CONFIG_SIGNATURE_INVALID', `${source}: not a config-signing key: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Reads an envelope's shape and payload without checking a signature.
 * @throws KernelError CONFIG_SIGNATURE_INVALID when the envelope is malformed
 */
export function readEnvelope(value: unknown): { envelope: ConfigEnvelope; payload: Uint8Array } {
  const parsed = envelopeSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new KernelError('CONFIG_SIGNATURE_INVALID', `the signed config envelope is malformed at "${formatIssuePath(issue.path)}": ${issue.message}`);
  }
  const payload = fromBase64(parsed.data.payload);
  if (!payload) throw new KernelError('CONFIG_SIGNATURE_INVALID', 'the signed config envelope\'s payload is not base64');
  return { envelope: parsed.data, payload };
}

/**
 * Opens an envelope: its payload, and the id of the trusted key whose signature verified.
 * @throws KernelError CONFIG_SIGNATURE_INVALID when the envelope is malformed, no key is trusted,
 *   or no signature verifies under a trusted key
 */
export async function openEnvelope(value: unknown, keys: readonly PublicKey[], crypto: CryptoProvider): Promise<{ payload: Uint8Array; keyId: string }> {
  const { envelope, payload } = readEnvelope(value);
  if (keys.length === 0) {
    throw new KernelError('CONFIG_SIGNATURE_INVALID', 'the config is signed but no config-signing key is trusted: set FORGE_CONFIG_KEYS or the configKeys boot option');
  }
  const message = pae(envelope.payloadType, payload);
  for (const s of envelope.signatures) {
    const sig = fromBase64(s.sig);
    if (!sig || sig.length !== 64) continue;
    // a keyid names the key to try; when it names none of ours every trusted key is tried
    const named = keys.filter((k) => k.keyId === s.keyid);
    for (const key of named.length ? named : keys) {
      if (await crypto.verifyEd25519(sig, message, key.publicKey)) return { payload, keyId: key.keyId };
    }
  }
  throw new KernelError('CONFIG_SIGNATURE_INVALID', `none of the config's ${envelope.signatures.length} signature(s) verifies under a trusted config-signing key: the config was altered, or signed by another key`);
}

/** Wraps config JSON bytes in a DSSE envelope signed by `key` (a `forge keygen` key pair). */
export async function signConfig(configJson: Uint8Array, key: KeyPair, crypto: CryptoProvider): Promise<ConfigEnvelope> {
  const sig = await crypto.signEd25519(pae(CONFIG_PAYLOAD_TYPE, configJson), key.secretKey);
  return { payloadType: CONFIG_PAYLOAD_TYPE, payload: toBase64(configJson), signatures: [{ keyid: key.keyId, sig: toBase64(sig) }] };
}
