/**
 * The trace's SHA-256 with the shapes its callers want: fresh arrays for the verifier, the proofs
 * and redaction (`digest`, `leaf`, `node`), and the allocation-free `linkInto` / `nodeInto` of
 * sha256.ts for the recorder's batches. Same function, same bytes as the CryptoProvider's sha256.
 */
import { Sha256 } from '../../crypto/sha256.ts';

const LEAF = Uint8Array.of(0x00);

export class Hasher extends Sha256 {
  /** RFC 6962 leaf hash: SHA-256(0x00 ‖ data). */
  leaf(data: Uint8Array): Uint8Array {
    return this.digest(LEAF, data);
  }

  /** RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
  node(left: Uint8Array, right: Uint8Array): Uint8Array {
    const out = new Uint8Array(32);
    this.nodeInto(left, 0, right, 0, out, 0);
    return out;
  }

  /** The chain link of an entry: SHA-256(0x00 ‖ prev ‖ canonical) — also its RFC 6962 leaf hash. */
  link(prev: Uint8Array, canonical: Uint8Array): Uint8Array {
    const out = new Uint8Array(32);
    this.linkInto(prev, 0, canonical, 0, canonical.length, out, 0);
    return out;
  }
}
