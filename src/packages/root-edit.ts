/**
 * Edits that draft the next root version. Each returns a new draft and leaves the input as is;
 * rotateRoot then signs the draft and checks the thresholds.
 */
import { KernelError } from '../errors.ts';
import { toHex } from '../lib/encoding.ts';
import type { PublicKey } from '../crypto/keys.ts';
import type { RootDraft } from './root-signing.ts';
import type { KeyRole, RootKeyJson } from './trust-root.ts';

export interface KeyConstraints {
  name?: string;
  roles?: KeyRole[];
  /** Package-name globs the key may sign. */
  packages?: string[];
  /** Milliseconds since the epoch. */
  notBefore?: number;
  expires?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Adds a key.
 * @throws KernelError TRUST_ROOT_INVALID when the root already holds this key
 */
export function withKey(draft: RootDraft, key: PublicKey, c: KeyConstraints = {}): RootDraft {
  if (draft.keys.some((k) => k.id === key.keyId)) throw new KernelError('TRUST_ROOT_INVALID', `the root already holds key ${key.keyId}`, { keyId: key.keyId });
  const entry: RootKeyJson = {
    id: key.keyId, publicKey: toHex(key.publicKey),
    ...(c.name !== undefined && { name: c.name }), ...(c.roles !== undefined && { roles: c.roles }),
    ...(c.packages !== undefined && { packages: c.packages }),
    ...(c.notBefore !== undefined && { notBefore: iso(c.notBefore) }), ...(c.expires !== undefined && { expires: iso(c.expires) }),
  };
  return { ...draft, keys: [...draft.keys, entry] };
}

/**
 * Revokes a key id: from now on a signature by it fails with PKG_KEY_REVOKED and never counts
 * toward a threshold. The key stays listed so the error names it.
 * @throws KernelError TRUST_ROOT_INVALID when the id is already revoked
 */
export function withRevocation(draft: RootDraft, keyId: string, reason: string, at: number): RootDraft {
  if ((draft.revoked ?? []).some((r) => r.id === keyId)) throw new KernelError('TRUST_ROOT_INVALID', `key ${keyId} is already revoked`, { keyId });
  return { ...draft, revoked: [...(draft.revoked ?? []), { id: keyId, reason, at: iso(at) }] };
}

/**
 * Removes a key (retirement). A removed key is unknown to the next root, not revoked.
 * @throws KernelError NOT_FOUND when the root does not hold the key
 */
export function withoutKey(draft: RootDraft, keyId: string): RootDraft {
  if (!draft.keys.some((k) => k.id === keyId)) throw new KernelError('NOT_FOUND', `the root holds no key ${keyId}`, { keyId });
  return { ...draft, keys: draft.keys.filter((k) => k.id !== keyId) };
}
