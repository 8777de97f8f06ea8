import { createHash } from 'node:crypto';
import { webCryptoEd25519 } from '../../src/crypto/webcrypto.ts';
import type { CryptoProvider } from '../../src/ports/crypto-provider.ts';

/**
 * Node's native crypto where it is faster than pure JS: SHA-256 through OpenSSL (4–9× noble on
 * large inputs, measured in test/bench/packages.bench.ts) and Ed25519 verification through WebCrypto.
 */
export const nodeCrypto: Partial<CryptoProvider> = {
  ...webCryptoEd25519(),
  sha256: (data) => Uint8Array.from(createHash('sha256').update(data).digest()),
};
