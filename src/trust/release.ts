/**
 * Releasing a quarantined identity: only by an admin, proven by an Ed25519 signature over a
 * release statement (canonical JSON, signed as a DSSE PAE so the bytes cannot be confused with
 * any other signed document). The statement names the quarantine it lifts (`quarantinedAt`, the
 * time of the current quarantine record), so a captured release cannot be replayed to lift a
 * later quarantine of the same identity.
 */
import { canonicalJson } from '../lib/canonical-json.ts';
import { pae } from '../packages/dsse.ts';
import { utf8 } from '../lib/encoding.ts';
import { keyIdOf, type PublicKey } from '../crypto/keys.ts';
import { nobleCrypto } from '../crypto/noble.ts';
import { KernelError } from '../errors.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';
import type { QuarantineRecord, QuarantineStore } from '../ports/quarantine-store.ts';
import { quarantineState, storeFailure } from './quarantine.ts';

export const RELEASE_TYPE = 'https://forgeone.dev/quarantine-release/v1';
export const RELEASE_PAYLOAD_TYPE = 'application/vnd.forgeone.quarantine-release+json';

export interface ReleaseStatement {
  readonly _type: typeof RELEASE_TYPE;
  readonly identity: string;
  /** `at` of the quarantine record being lifted (ms since the epoch). */
  readonly quarantinedAt: number;
  /** Why the admin releases it; kept in the store's history. */
  readonly reason: string;
  /** When the admin released it (ms since the epoch): the release record's time. */
  readonly at: number;
  /** Key id (SHA-256 of the public key, hex) of the signing admin key. */
  readonly adminKeyId: string;
}

/** The bytes an admin signs: DSSE PAE(RELEASE_PAYLOAD_TYPE, canonical JSON of the statement). */
export function releaseStatementBytes(s: ReleaseStatement): Uint8Array {
  return pae(RELEASE_PAYLOAD_TYPE, utf8.encode(canonicalJson({ ...s })));
}

/** Signs a release statement with an admin's 32-byte Ed25519 secret seed. */
export async function signRelease(s: ReleaseStatement, secretKey: Uint8Array, crypto: CryptoProvider = nobleCrypto): Promise<Uint8Array> {
  return crypto.signEd25519(releaseStatementBytes(s), secretKey);
}

export interface ReleaseOptions {
  readonly adminKeyId: string;
  readonly signature: Uint8Array;
  readonly reason: string;
  readonly at: number;
  readonly quarantinedAt: number;
  /** The admin keys this kernel trusts to release (from configuration, never from the request). */
  readonly adminKeys: readonly PublicKey[];
  readonly crypto?: CryptoProvider;
}

/**
 * Lifts the current quarantine of `identity` after checking the admin's signed statement; the
 * release is appended to the identity's history with `by` = the admin key id.
 * @throws KernelError NOT_FOUND (not quarantined), UNAUTHORIZED (unknown key, stale statement,
 *   bad signature), BAD_REQUEST (release time before the quarantine), STORE_UNAVAILABLE
 */
export async function releaseQuarantine(store: QuarantineStore, identity: string, opts: ReleaseOptions): Promise<QuarantineRecord> {
  const current = await quarantineState(store, identity);
  if (!current?.quarantined) throw new KernelError('NOT_FOUND', `container ${identity} is not quarantined; there is nothing to release`, { identity });
  const key = opts.adminKeys.find((k) => k.keyId === opts.adminKeyId && keyIdOf(k.publicKey) === k.keyId);
  if (!key) throw new KernelError('UNAUTHORIZED', `key ${opts.adminKeyId} is not one of this kernel's admin keys; only an admin can release a quarantine`, { identity, adminKeyId: opts.adminKeyId });
  if (opts.quarantinedAt !== current.at) {
    throw new KernelError('UNAUTHORIZED',
      `the release statement lifts the quarantine of ${new Date(opts.quarantinedAt).toISOString()}, but the current one dates from ${new Date(current.at).toISOString()}: sign a statement for the current quarantine`,
      { identity, quarantinedAt: opts.quarantinedAt, current: current.at });
  }
  if (opts.at < current.at) throw new KernelError('BAD_REQUEST', `the release time ${opts.at} is before the quarantine it lifts (${current.at})`, { identity });
  const statement: ReleaseStatement = { _type: RELEASE_TYPE, identity, quarantinedAt: opts.quarantinedAt, reason: opts.reason, at: opts.at, adminKeyId: key.keyId };
  const ok = await (opts.crypto ?? nobleCrypto).verifyEd25519(opts.signature, releaseStatementBytes(statement), key.publicKey);
  if (!ok) throw new KernelError('UNAUTHORIZED', `the release signature of ${identity} does not verify with admin key ${key.keyId}`, { identity, adminKeyId: key.keyId });
  const record: QuarantineRecord = { identity, quarantined: false, reason: `released: ${opts.reason}`, at: opts.at, by: key.keyId };
  try {
    await store.put(record);
  } catch (e) {
    throw storeFailure(e, `record the release of ${identity}`, identity);
  }
  return record;
}
