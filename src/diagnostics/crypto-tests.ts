import { fromHex, toHex, utf8 } from '../lib/encoding.ts';
import { defineSelfTest, expectEqual, flipHex } from './self-test.ts';
import { ED25519_VECTORS, SHA256_VECTORS } from './vectors.ts';

/** SHA-256 of the NIST example messages, through the kernel's own provider. */
export const sha256SelfTest = defineSelfTest({
  name: 'sha256-nist',
  vectors: SHA256_VECTORS,
  corrupt: ([first, ...rest]) => [{ ...first!, digest: flipHex(first!.digest) }, ...rest],
  async run({ crypto }, vectors) {
    for (const v of vectors) expectEqual(toHex(crypto.sha256(utf8.encode(v.input))), v.digest, `SHA-256 of the NIST "${v.name}" message`);
    return undefined;
  },
});

/**
 * RFC 8032 Ed25519: signing is deterministic, so the signature must equal the published one;
 * verification must accept it and refuse it over a changed message and with a flipped bit (a
 * verifier that accepts everything fails here).
 */
export const ed25519SelfTest = defineSelfTest({
  name: 'ed25519-rfc8032',
  vectors: ED25519_VECTORS,
  corrupt: ([first, ...rest]) => [{ ...first!, signature: flipHex(first!.signature) }, ...rest],
  async run({ crypto }, vectors) {
    for (const v of vectors) {
      const sk = fromHex(v.secretKey)!;
      const pk = fromHex(v.publicKey)!;
      const msg = fromHex(v.message)!;
      const expected = fromHex(v.signature)!;
      expectEqual(toHex(await crypto.signEd25519(msg, sk)), v.signature, `Ed25519 signature of ${v.name}`);
      expectEqual(await crypto.verifyEd25519(expected, msg, pk), true, `Ed25519 verification of ${v.name}`);
      const otherMsg = Uint8Array.of(...msg, 0x00);
      expectEqual(await crypto.verifyEd25519(expected, otherMsg, pk), false, `Ed25519 verification of ${v.name} over a changed message`);
      const flipped = expected.slice();
      flipped[0]! ^= 0x01;
      expectEqual(await crypto.verifyEd25519(flipped, msg, pk), false, `Ed25519 verification of ${v.name} with a flipped signature bit`);
    }
    return undefined;
  },
});
