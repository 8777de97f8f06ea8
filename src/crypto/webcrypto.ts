/**
 * Ed25519 verification through the host's WebCrypto (`crypto.subtle`), a web standard present
 * in Node, Chromium and workerd: about ten times faster than pure JS where the host implements
 * Ed25519. Where it does not — or for any key it will not import — noble gives the answer, so
 * the result never depends on which host ran it.
 */
import type { CryptoProvider } from '../ports/crypto-provider.ts';
import { toHex } from '../lib/encoding.ts';
import { nobleCrypto } from './noble.ts';

const ED25519 = { name: 'Ed25519' } as const;

/** A verify-only provider over `subtle`; each provider keeps its own small cache of imported keys. */
export function webCryptoEd25519(subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle, maxCachedKeys = 64): Partial<CryptoProvider> {
  const keys = new Map<string, Promise<CryptoKey>>();
  const importKey = (publicKey: Uint8Array): Promise<CryptoKey> => {
    const id = toHex(publicKey);
    let k = keys.get(id);
    if (!k) {
      k = subtle!.importKey('raw', publicKey as Uint8Array<ArrayBuffer>, ED25519, false, ['verify']);
      k.catch(() => keys.delete(id));
      keys.set(id, k);
      if (keys.size > maxCachedKeys) keys.delete(keys.keys().next().value!);
    }
    return k;
  };
  return {
    async verifyEd25519(signature, message, publicKey) {
      if (signature.length !== 64 || publicKey.length !== 32) return false;
      if (!subtle) return nobleCrypto.verifyEd25519(signature, message, publicKey);
      try {
        return await subtle.verify(ED25519, await importKey(publicKey), signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>);
      } catch {
        return nobleCrypto.verifyEd25519(signature, message, publicKey);
      }
    },
  };
}
