/**
 * Ed25519 keys. A key id is the lowercase hex SHA-256 of the raw 32-byte public key: derived,
 * never chosen, so two keys cannot share an id and an id cannot be pointed at another key.
 * Human names are a separate, optional label (`name`) in trust roots.
 */
import * as ed from '@noble/ed25519';
import { z } from 'zod';
import { KernelError } from '../errors.ts';
import { fromHex, toHex } from '../lib/encoding.ts';
import { nobleCrypto } from './noble.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';
import { issueText } from '../lib/zod-issues.ts';

export interface KeyPair {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  /** The 32-byte Ed25519 secret seed. */
  readonly secretKey: Uint8Array;
}

export interface PublicKey {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
}

export const HEX64 = /^[0-9a-f]{64}$/;

/** The key id of a raw Ed25519 public key. */
export function keyIdOf(publicKey: Uint8Array): string {
  return toHex(nobleCrypto.sha256(publicKey));
}

/** Whether 32 bytes encode an Ed25519 point that is canonical and not of small order. */
export function isUsablePublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  try {
    return !ed.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}

/** A fresh key pair from the provider's (or the platform's) cryptographic random source. */
export function generateKeyPair(opts: { crypto?: CryptoProvider } = {}): KeyPair {
  const secretKey = (opts.crypto ?? nobleCrypto).randomBytes(32);
  return keyPairFromSecret(secretKey);
}

/**
 * The key pair of a 32-byte secret seed.
 * @throws KernelError KEY_INVALID when the seed is not 32 bytes
 */
export function keyPairFromSecret(secretKey: Uint8Array): KeyPair {
  if (secretKey.length !== 32) throw new KernelError('KEY_INVALID', `an Ed25519 secret key is 32 bytes, got ${secretKey.length}`);
  const publicKey = ed.getPublicKey(secretKey);
  return { keyId: keyIdOf(publicKey), publicKey, secretKey: secretKey.slice() };
}

const hex64 = z.string().regex(HEX64, 'must be 64 lowercase hex digits');
const keyFileSchema = z.strictObject({
  type: z.literal('ed25519'),
  keyId: hex64,
  publicKey: hex64,
  secretKey: hex64.optional(),
});

/** The JSON of a private key file (`forge keygen`). */
export function keyFileJson(key: KeyPair): { type: 'ed25519'; keyId: string; publicKey: string; secretKey: string } {
  return { type: 'ed25519', keyId: key.keyId, publicKey: toHex(key.publicKey), secretKey: toHex(key.secretKey) };
}

/** The JSON of a public key document (`forge keygen --public`). */
export function publicKeyJson(key: PublicKey): { type: 'ed25519'; keyId: string; publicKey: string } {
  return { type: 'ed25519', keyId: key.keyId, publicKey: toHex(key.publicKey) };
}

function parseKeyDoc(json: unknown, what: string) {
  const r = keyFileSchema.safeParse(json);
  if (!r.success) {
    throw new KernelError('KEY_INVALID', `${what}: ${issueText(r.error.issues[0], { dotted: true })}`);
  }
  const publicKey = fromHex(r.data.publicKey)!;
  if (!isUsablePublicKey(publicKey)) throw new KernelError('KEY_INVALID', `${what}: publicKey is not a usable Ed25519 point`);
  if (keyIdOf(publicKey) !== r.data.keyId) throw new KernelError('KEY_INVALID', `${what}: keyId is not the SHA-256 of publicKey`);
  return { doc: r.data, publicKey };
}

/**
 * Parses a private key file, checking that its public key and id derive from its secret.
 * @throws KernelError KEY_INVALID
 */
export function parseKeyFile(json: unknown): KeyPair {
  const { doc, publicKey } = parseKeyDoc(json, 'key file');
  if (doc.secretKey === undefined) throw new KernelError('KEY_INVALID', 'key file: holds no secretKey (is it a public key document?)');
  const pair = keyPairFromSecret(fromHex(doc.secretKey)!);
  if (pair.keyId !== keyIdOf(publicKey)) throw new KernelError('KEY_INVALID', 'key file: publicKey does not derive from secretKey');
  return pair;
}

/**
 * Parses a public key given as a key document (public or private) or as 64 hex digits.
 * @throws KernelError KEY_INVALID
 */
export function parsePublicKey(input: unknown): PublicKey {
  if (typeof input === 'string') {
    const bytes = HEX64.test(input) ? fromHex(input) : undefined;
    if (!bytes || !isUsablePublicKey(bytes)) throw new KernelError('KEY_INVALID', 'a public key is 64 lowercase hex digits encoding a usable Ed25519 point');
    return { keyId: keyIdOf(bytes), publicKey: bytes };
  }
  const { doc, publicKey } = parseKeyDoc(input, 'public key');
  return { keyId: doc.keyId, publicKey };
}
