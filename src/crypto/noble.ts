import * as ed from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { KernelError } from '../errors.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';

// noble-ed25519 leaves its sha512 slot empty so it has no dependencies; fill it once, here.
ed.hashes.sha512 = sha512;

/** @throws KernelError KEY_INVALID when the seed is not 32 bytes (noble's own RangeError is not the port's). */
function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== 32) throw new KernelError('KEY_INVALID', `an Ed25519 seed is 32 bytes, got ${secretKey.length}`);
  return ed.sign(message, secretKey);
}

/** The core's crypto: @noble, synchronous, identical in every host. */
export const nobleCrypto: CryptoProvider = {
  sha256: (data) => sha256(data),
  async verifyEd25519(signature, message, publicKey) {
    try {
      // RFC 8032 strict (not ZIP-215) so noble accepts exactly what WebCrypto accepts in every host.
      return ed.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  signEd25519: async (message, secretKey) => sign(message, secretKey),
  signEd25519Sync: (message, secretKey) => sign(message, secretKey),
  randomBytes(length) {
    const out = new Uint8Array(length);
    // getRandomValues fills at most 65536 bytes per call.
    for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
    return out;
  },
};

/** The platform's faster pieces over the core's complete provider. */
export function resolveCrypto(override?: Partial<CryptoProvider>): CryptoProvider {
  return { ...nobleCrypto, ...override };
}
