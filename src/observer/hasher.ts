/**
 * SHA-256 for the trace's many small inputs (chain links, Merkle leaves and nodes). Each entry
 * costs three hashes of 33–200 bytes, where noble's one-shot `sha256()` spends more on building a
 * hasher than on the one or two compression blocks (measured: ~0.4 µs of a ~1 µs call). So one
 * hasher is reset from a pristine copy and reused, and callers pass one contiguous input where
 * they can (each extra `update` of a full block builds a DataView). Same function, same bytes as
 * the CryptoProvider's sha256; nothing here is new cryptography.
 */
import { _SHA256 } from '@noble/hashes/sha2.js';

const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);

export class Hasher {
  readonly #iv = new _SHA256();
  readonly #h = new _SHA256();

  /** SHA-256 of the concatenation of the parts: a fresh 32-byte array. */
  digest(a: Uint8Array, b?: Uint8Array, c?: Uint8Array): Uint8Array {
    const h = this.#iv._cloneInto(this.#h);
    h.update(a);
    if (b !== undefined) h.update(b);
    if (c !== undefined) h.update(c);
    // digest() reads out of the hasher's own buffer (no DataView over a new array) and leaves it
    // destroyed, which the next _cloneInto undoes.
    return h.digest();
  }

  /** RFC 6962 leaf hash: SHA-256(0x00 ‖ data). */
  leaf(data: Uint8Array): Uint8Array {
    return this.digest(LEAF, data);
  }

  /** RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
  node(left: Uint8Array, right: Uint8Array): Uint8Array {
    return this.digest(NODE, left, right);
  }
}
