/**
 * verifyPackage: the one gate between package bytes and the kernel. It fails closed: every
 * signature in the package must be by a known, unrevoked key, valid now, allowed to sign this
 * package name, and cryptographically valid; then the distinct signers must meet the root's
 * package threshold. Any other exception becomes a KernelError INTERNAL, never a raw throw.
 */
import { KernelError } from '../errors.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';
import { digestContent } from './content.ts';
import { pae } from './dsse.ts';
import { toHex } from '../lib/encoding.ts';
import { DEFAULT_MAX_PACKAGE_BYTES, parsePackage } from './format.ts';
import { anyGlobMatch } from '../lib/glob/index.ts';
import type { Manifest } from './manifest.ts';
import { checkStatement } from './statement.ts';
import type { TrustRoot } from './trust-root.ts';
import { validateWasm } from '../lib/wasm-check.ts';

export interface VerifyOptions {
  crypto: CryptoProvider;
  /** Milliseconds since the epoch: key validity windows and root expiry are judged at this time. */
  now: number;
  maxBytes?: number;
}

export interface VerifiedPackage {
  manifest: Manifest;
  module: Uint8Array;
  files: Map<string, Uint8Array>;
  /** Hex SHA-256 of the signed in-toto statement: identifies the content, unchanged by co-signing. */
  packageDigest: string;
  /** Hex SHA-256 of the module bytes (the digest WasmLoader.load expects). */
  moduleDigest: string;
  signers: { keyId: string; name?: string }[];
  rootVersion: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

function checkSigner(root: TrustRoot, keyId: string, name: string, now: number) {
  const revoked = root.revoked.get(keyId);
  if (revoked) throw new KernelError('PKG_KEY_REVOKED', `key ${keyId} is revoked by trust root v${root.version}: ${revoked.reason}`, { keyId });
  const key = root.keys.get(keyId);
  if (!key) throw new KernelError('PKG_UNKNOWN_KEY', `the package is signed by key ${keyId}, which trust root v${root.version} does not hold`, { keyId });
  if (key.notBefore !== undefined && now < key.notBefore) throw new KernelError('PKG_KEY_NOT_YET_VALID', `key ${keyId} is valid only from ${iso(key.notBefore)}`, { keyId, notBefore: key.notBefore });
  if (key.expires !== undefined && now >= key.expires) throw new KernelError('PKG_KEY_EXPIRED', `key ${keyId} expired at ${iso(key.expires)}`, { keyId, expires: key.expires });
  if (!key.roles.includes('package')) throw new KernelError('PKG_SIGNER_NOT_ALLOWED', `key ${keyId} may sign roots only, not packages`, { keyId, name });
  if (!anyGlobMatch(key.packages, name)) {
    throw new KernelError('PKG_SIGNER_NOT_ALLOWED', `key ${keyId} may not sign "${name}" (it may sign ${key.packages.map((p) => `"${p}"`).join(', ')})`, { keyId, name });
  }
  return key;
}

async function verify(bytes: Uint8Array, root: TrustRoot, opts: VerifyOptions): Promise<VerifiedPackage> {
  // NaN compares false with everything and would pass every validity window: refuse it.
  if (!Number.isFinite(opts.now)) throw new KernelError('INTERNAL', `verifyPackage needs a finite time in opts.now, got ${opts.now}`);
  if (opts.now >= root.expires) throw new KernelError('TRUST_ROOT_EXPIRED', `trust root v${root.version} expired at ${iso(root.expires)}`, { version: root.version });
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_PACKAGE_BYTES;
  if (bytes.length > maxBytes) throw new KernelError('PKG_TOO_LARGE', `the package is ${bytes.length} bytes; the maximum is ${maxBytes}`, { size: bytes.length, maxBytes });
  // A private copy: the caller's buffer may change while we await, the verified bytes may not.
  const pkg = parsePackage(new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), { maxBytes });
  const { moduleDigest, subjects } = digestContent(opts.crypto, pkg.manifestBytes, pkg.module, pkg.files);
  checkStatement(pkg.envelope.payload, subjects, pkg.formatVersion);
  const { signatures, payloadType, payload } = pkg.envelope;
  if (signatures.length === 0) throw new KernelError('PKG_UNSIGNED', 'the package carries no signature');

  const message = pae(payloadType, payload);
  const signers = new Map<string, { keyId: string; name?: string }>();
  for (const s of signatures) {
    const key = checkSigner(root, s.keyid, pkg.manifest.name, opts.now);
    if (s.sig.length !== 64 || !(await opts.crypto.verifyEd25519(s.sig, message, key.publicKey))) {
      throw new KernelError('PKG_SIGNATURE_INVALID', `the signature by key ${s.keyid} does not verify`, { keyId: s.keyid });
    }
    signers.set(s.keyid, { keyId: s.keyid, ...(key.name !== undefined && { name: key.name }) });
  }
  if (signers.size < root.packageThreshold) {
    throw new KernelError('PKG_THRESHOLD_NOT_MET', `the package is signed by ${signers.size} distinct trusted keys; trust root v${root.version} requires ${root.packageThreshold}`, { signers: signers.size, threshold: root.packageThreshold });
  }
  validateWasm(pkg.module);
  return {
    manifest: pkg.manifest, module: pkg.module, files: new Map(pkg.files), packageDigest: toHex(opts.crypto.sha256(payload)),
    moduleDigest, signers: [...signers.values()], rootVersion: root.version,
  };
}

/**
 * Verifies a package against a trust root and returns what it holds and who signed it.
 * @throws KernelError — PKG_* for the package, TRUST_ROOT_EXPIRED for the root; nothing else
 */
export async function verifyPackage(bytes: Uint8Array, root: TrustRoot, opts: VerifyOptions): Promise<VerifiedPackage> {
  try {
    return await verify(bytes, root, opts);
  } catch (e) {
    if (e instanceof KernelError) throw e;
    throw new KernelError('INTERNAL', `package verification failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
  }
}
