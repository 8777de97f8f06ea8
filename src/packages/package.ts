/**
 * Building packages: pack (module + manifest + mounted files, signed by zero or more keys) and
 * co-sign (add one signature to an existing package without touching its content).
 */
import { KernelError } from '../errors.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { digestContent } from './content.ts';
import { MAX_SIGNATURES, pae, serializeEnvelope, type DsseSignature } from './dsse.ts';
import { concatBytes, utf8 } from '../lib/encoding.ts';
import { DEFAULT_MAX_PACKAGE_BYTES, encodePackage, FORMAT_VERSION, parsePackage, SECTION, SECTION_LIMITS, sortPaths } from './format.ts';
import type { KeyPair } from '../crypto/keys.ts';
import { isGuestPath, validateManifest } from './manifest.ts';
import { checkStatement, STATEMENT_PAYLOAD_TYPE, statementBytes } from './statement.ts';
import { validateWasm } from '../lib/wasm-check.ts';

export interface PackInput {
  module: Uint8Array;
  /** The manifest value (validated here; stored as canonical JSON of what was given). */
  manifest: unknown;
  /** Files to mount, by absolute guest path. */
  files?: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>;
}

export interface PackOptions {
  crypto: CryptoProvider;
  /** Signers; an empty list makes an unsigned package (verification refuses it until signed). */
  keys?: readonly KeyPair[];
  maxBytes?: number;
}

function checkFiles(input: PackInput['files']): Map<string, Uint8Array> {
  const entries = input instanceof Map ? [...input] : Object.entries(input ?? {});
  if (entries.length > SECTION_LIMITS.files) throw new KernelError('PKG_TOO_LARGE', `at most ${SECTION_LIMITS.files} mounted files, got ${entries.length}`);
  const byPath = new Map<string, Uint8Array>(entries);
  for (const path of byPath.keys()) {
    if (!isGuestPath(path) || path === '/') throw new KernelError('PKG_MALFORMED', `mounted file path ${JSON.stringify(path)} is not an absolute guest file path`, { path });
  }
  return new Map(sortPaths(byPath.keys()).map((p) => [p, byPath.get(p)!]));
}

async function sign(crypto: CryptoProvider, payload: Uint8Array, key: KeyPair): Promise<DsseSignature> {
  return { keyid: key.keyId, sig: await crypto.signEd25519(pae(STATEMENT_PAYLOAD_TYPE, payload), key.secretKey) };
}

/**
 * Builds a `.forgepkg` from a module, a manifest and optional mounted files, signed by `keys`.
 * @throws KernelError PKG_MANIFEST_INVALID, PKG_INVALID_WASM, PKG_MALFORMED (a bad file path), PKG_TOO_LARGE
 */
export async function packPackage(input: PackInput, opts: PackOptions): Promise<Uint8Array> {
  validateManifest(input.manifest);
  const manifestBytes = utf8.encode(canonicalJson(input.manifest));
  if (manifestBytes.length > SECTION_LIMITS.manifestBytes) throw new KernelError('PKG_TOO_LARGE', `the manifest is ${manifestBytes.length} bytes; at most ${SECTION_LIMITS.manifestBytes}`);
  validateWasm(input.module);
  const module = input.module.slice();
  const files = checkFiles(input.files);
  const payload = statementBytes(digestContent(opts.crypto, manifestBytes, module, files).subjects, FORMAT_VERSION);
  const signatures: DsseSignature[] = [];
  for (const key of opts.keys ?? []) {
    if (!signatures.some((s) => s.keyid === key.keyId)) signatures.push(await sign(opts.crypto, payload, key));
  }
  const bytes = encodePackage({ manifestBytes, module, files, envelope: { payloadType: STATEMENT_PAYLOAD_TYPE, payload, signatures } });
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_PACKAGE_BYTES;
  if (bytes.length > maxBytes) throw new KernelError('PKG_TOO_LARGE', `the package would be ${bytes.length} bytes; the maximum is ${maxBytes}`, { size: bytes.length, maxBytes });
  return bytes;
}

/**
 * Co-signs a package: checks its content still matches its statement, then adds `key`'s
 * signature. Signing twice with the same key returns the package unchanged.
 * @throws KernelError any parse failure of parsePackage, PKG_DIGEST_MISMATCH, PKG_TOO_LARGE
 */
export async function signPackage(bytes: Uint8Array, key: KeyPair, opts: { crypto: CryptoProvider; maxBytes?: number }): Promise<Uint8Array> {
  const copy = bytes.slice();
  const pkg = parsePackage(copy, opts);
  const { subjects } = digestContent(opts.crypto, pkg.manifestBytes, pkg.module, pkg.files);
  checkStatement(pkg.envelope.payload, subjects, pkg.formatVersion);
  if (pkg.envelope.signatures.some((s) => s.keyid === key.keyId)) return copy;
  if (pkg.envelope.signatures.length >= MAX_SIGNATURES) throw new KernelError('PKG_TOO_LARGE', `the package already carries ${MAX_SIGNATURES} signatures, the most a package may hold`);
  const envelope = { ...pkg.envelope, signatures: [...pkg.envelope.signatures, await sign(opts.crypto, pkg.envelope.payload, key)] };
  const sigText = utf8.encode(serializeEnvelope(envelope));
  const head = new Uint8Array(5);
  head[0] = SECTION.signatures;
  new DataView(head.buffer).setUint32(1, sigText.length);
  return concatBytes(copy.subarray(0, pkg.contentLength), head, sigText);
}
