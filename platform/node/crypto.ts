import { webcrypto } from 'node:crypto';
import type { CryptoProvider } from '../../src/ports/crypto-provider.ts';

const SPKI_ED25519_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** Ed25519 verification through Node's WebCrypto: about ten times faster than pure JS. */
export const nodeCrypto: Partial<CryptoProvider> = {
  async verifyEd25519(signature, message, publicKey) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      const spki = new Uint8Array(44);
      spki.set(SPKI_ED25519_PREFIX);
      spki.set(publicKey, 12);
      const key = await webcrypto.subtle.importKey('spki', spki, { name: 'Ed25519' }, false, ['verify']);
      return await webcrypto.subtle.verify({ name: 'Ed25519' }, key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>);
    } catch {
      return false;
    }
  },
};
