/** The statement subjects of a package's content, hashed with the caller's provider. */
import type { CryptoProvider } from '../ports/crypto-provider.ts';
import { toHex } from '../lib/encoding.ts';
import { fileSubject, MANIFEST_SUBJECT, MODULE_SUBJECT, type Subject } from './statement.ts';

export interface ContentDigests {
  readonly moduleDigest: string;
  readonly subjects: Subject[];
}

/** Digests the module, the manifest bytes and each mounted file (in package order). */
export function digestContent(crypto: CryptoProvider, manifestBytes: Uint8Array, module: Uint8Array, files: ReadonlyMap<string, Uint8Array>): ContentDigests {
  const moduleDigest = toHex(crypto.sha256(module));
  const subjects: Subject[] = [
    { name: MODULE_SUBJECT, sha256: moduleDigest },
    { name: MANIFEST_SUBJECT, sha256: toHex(crypto.sha256(manifestBytes)) },
  ];
  for (const [path, data] of files) subjects.push({ name: fileSubject(path), sha256: toHex(crypto.sha256(data)) });
  return { moduleDigest, subjects };
}
