import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { webCryptoEd25519 } from '../../src/crypto/webcrypto.ts';
import { KernelError } from '../../src/errors.ts';
import type { CryptoProvider } from '../../src/ports/crypto-provider.ts';

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Node's native, synchronous Ed25519 signing (OpenSSL, ~15× noble) for the recorder's `signSync`:
 * byte-identical signatures (RFC 8032 signing is deterministic). Keeps the last key it imported.
 */
export function nodeEd25519Signer(): (message: Uint8Array, secretKey: Uint8Array) => Uint8Array {
  let seed: Buffer | undefined;
  let key: KeyObject | undefined;
  return (message, secretKey) => {
    if (!key || !seed || !seed.equals(secretKey)) {
      if (secretKey.length !== 32) throw new KernelError('KEY_INVALID', `an Ed25519 seed is 32 bytes, got ${secretKey.length}`);
      key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secretKey]), format: 'der', type: 'pkcs8' });
      seed = Buffer.from(secretKey);
    }
    return new Uint8Array(sign(null, message, key));
  };
}

const signSync = nodeEd25519Signer();

/**
 * Node's native crypto where it is faster than pure JS: SHA-256 through OpenSSL (4–9× noble on
 * large inputs, test/bench/packages.bench.ts), Ed25519 signing through OpenSSL (~15× noble: every
 * trace checkpoint is signed) and verification through WebCrypto.
 */
export const nodeCrypto: Partial<CryptoProvider> = {
  ...webCryptoEd25519(),
  sha256: (data) => Uint8Array.from(createHash('sha256').update(data).digest()),
  signEd25519Sync: signSync,
  signEd25519: async (message, secretKey) => signSync(message, secretKey),
};
