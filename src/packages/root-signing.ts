/**
 * Signing and checking trust roots: self-signature of an anchor, rotation to version n+1 signed
 * by a threshold of version n's root keys, counted over DISTINCT key ids (the same key listed
 * twice counts once — the bug python-tuf's advisories describe).
 */
import { KernelError } from '../errors.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';
import type { KeyPair } from '../crypto/keys.ts';
import { parseTrustRoot, rootSigners, rootSigningBytes, ROOT_TYPE, trustRootDocument, type RootBody, type TrustRoot } from './trust-root.ts';
import { toBase64 } from '../lib/encoding.ts';

export interface RootCheckOptions {
  crypto: CryptoProvider;
  /** Milliseconds since the epoch. */
  now: number;
}

/** A root body without the fields the signing functions set. */
export type RootDraft = Omit<RootBody, '_type' | 'version'>;

/**
 * The distinct key ids of `signer` (root role, unrevoked, inside their validity window) whose
 * signature on `doc` verifies. Invalid or foreign signatures simply do not count.
 */
export async function countRootSignatures(doc: TrustRoot, signer: TrustRoot, opts: RootCheckOptions): Promise<Set<string>> {
  // NaN compares false with everything and would pass every validity window: refuse it.
  if (!Number.isFinite(opts.now)) throw new KernelError('INTERNAL', `root checks need a finite time in opts.now, got ${opts.now}`);
  const eligible = new Map(rootSigners(signer).filter((k) => (k.notBefore ?? -Infinity) <= opts.now && opts.now < (k.expires ?? Infinity)).map((k) => [k.id, k]));
  const counted = new Set<string>();
  for (const s of doc.signatures) {
    const key = eligible.get(s.keyid);
    if (!key || counted.has(s.keyid)) continue;
    if (await opts.crypto.verifyEd25519(s.sig, doc.signingBytes, key.publicKey)) counted.add(s.keyid);
  }
  return counted;
}

/**
 * Checks that a root has not expired and carries a threshold of its own keys' signatures.
 * @throws KernelError TRUST_ROOT_EXPIRED, TRUST_ROOT_INVALID
 */
export async function verifyTrustRoot(root: TrustRoot, opts: RootCheckOptions): Promise<TrustRoot> {
  if (opts.now >= root.expires) throw new KernelError('TRUST_ROOT_EXPIRED', `trust root v${root.version} expired at ${new Date(root.expires).toISOString()}`, { version: root.version });
  const own = await countRootSignatures(root, root, opts);
  if (own.size < root.threshold) {
    throw new KernelError('TRUST_ROOT_INVALID', `trust root v${root.version} is signed by ${own.size} distinct keys of its own; it needs ${root.threshold}`, { version: root.version });
  }
  return root;
}

/**
 * Accepts `next` as the successor of the trusted `prev`: version n+1, signed by a threshold of
 * prev's distinct root keys and by a threshold of its own (so its keys are really held).
 * @throws KernelError TRUST_ROOT_ROTATION_INVALID, TRUST_ROOT_EXPIRED
 */
export async function verifyRootRotation(prev: TrustRoot, next: TrustRoot, opts: RootCheckOptions): Promise<TrustRoot> {
  if (next.version !== prev.version + 1) {
    throw new KernelError('TRUST_ROOT_ROTATION_INVALID', `root v${next.version} cannot follow v${prev.version}: versions advance by exactly one`, { from: prev.version, to: next.version });
  }
  const byPrev = await countRootSignatures(next, prev, opts);
  if (byPrev.size < prev.threshold) {
    throw new KernelError('TRUST_ROOT_ROTATION_INVALID', `root v${next.version} is signed by ${byPrev.size} distinct root keys of v${prev.version}; v${prev.version} requires ${prev.threshold}`, { from: prev.version, to: next.version, signers: [...byPrev] });
  }
  const byNext = await countRootSignatures(next, next, opts);
  if (byNext.size < next.threshold) {
    throw new KernelError('TRUST_ROOT_ROTATION_INVALID', `root v${next.version} is signed by ${byNext.size} distinct keys of its own; it requires ${next.threshold}`, { from: prev.version, to: next.version });
  }
  if (opts.now >= next.expires) throw new KernelError('TRUST_ROOT_EXPIRED', `trust root v${next.version} expired at ${new Date(next.expires).toISOString()}`, { version: next.version });
  return next;
}

/**
 * Walks from a trusted anchor through successive root documents; returns the newest root.
 * @throws KernelError TRUST_ROOT_INVALID, TRUST_ROOT_ROTATION_INVALID, TRUST_ROOT_EXPIRED
 */
export async function verifyRootChain(anchor: TrustRoot, chain: readonly unknown[], opts: RootCheckOptions): Promise<TrustRoot> {
  let current = anchor;
  for (const doc of chain) current = await verifyRootRotation(current, parseTrustRoot(doc), opts);
  if (opts.now >= current.expires) throw new KernelError('TRUST_ROOT_EXPIRED', `trust root v${current.version} expired at ${new Date(current.expires).toISOString()}`, { version: current.version });
  return current;
}

async function signBody(body: RootBody, signers: readonly KeyPair[], crypto: CryptoProvider): Promise<TrustRoot> {
  const bytes = rootSigningBytes(body);
  const seen = new Set<string>();
  const signatures: { keyid: string; sig: string }[] = [];
  for (const k of signers) {
    if (seen.has(k.keyId)) continue;
    seen.add(k.keyId);
    signatures.push({ keyid: k.keyId, sig: toBase64(await crypto.signEd25519(bytes, k.secretKey)) });
  }
  return parseTrustRoot({ signed: body, signatures });
}

/**
 * Creates a version-1 root (a trust anchor) and signs it with `signers`.
 * @throws KernelError TRUST_ROOT_INVALID (bad draft or too few of its own keys signed), TRUST_ROOT_EXPIRED
 */
export async function createTrustRoot(draft: RootDraft, signers: readonly KeyPair[], opts: RootCheckOptions): Promise<TrustRoot> {
  return verifyTrustRoot(await signBody({ ...draft, _type: ROOT_TYPE, version: 1 }, signers, opts.crypto), opts);
}

/**
 * Makes root v(n+1) from a draft, signed by `signers`, and checks the rotation as a verifier would.
 * @throws KernelError TRUST_ROOT_INVALID (bad draft), TRUST_ROOT_ROTATION_INVALID (thresholds not met), TRUST_ROOT_EXPIRED
 */
export async function rotateRoot(prev: TrustRoot, draft: RootDraft, signers: readonly KeyPair[], opts: RootCheckOptions): Promise<TrustRoot> {
  const next = await signBody({ ...draft, _type: ROOT_TYPE, version: prev.version + 1 }, signers, opts.crypto);
  return verifyRootRotation(prev, next, opts);
}

/** An editable copy of a root's body without `_type` and `version`, to draft the next version. */
export function draftFrom(root: TrustRoot): RootDraft {
  const { _type: _t, version: _v, ...rest } = trustRootDocument(root).signed;
  return JSON.parse(JSON.stringify(rest)) as RootDraft;
}
