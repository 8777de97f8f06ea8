/**
 * RFC 6962 Merkle trees (0x00 leaf / 0x01 node prefixes) over SHA-256: the incremental root the
 * recorder and the verifier keep while they walk a trace, a whole tree for proofs, and proof
 * verification as RFC 9162 §2.1.3.2 and §2.1.4.2 state it. An RFC 6962 tree of any size is the
 * tree whose lone rightmost nodes are promoted unchanged to the level above, which is how the
 * level arrays below are built.
 */
import { equalBytes } from '../../lib/encoding.ts';
import { Hasher } from './hasher.ts';

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT = new Hasher().digest(new Uint8Array(0));

/**
 * The perfect subtrees of the leaves pushed so far (largest first), in one preallocated buffer:
 * pushing a leaf merges the subtrees its index's trailing one bits name and allocates nothing; the
 * root of the current size costs O(log n). Up to 2^53 leaves.
 */
export class MerkleFrontier {
  readonly #h: Hasher;
  /** Subtree roots, 32 bytes each, largest subtree first. */
  readonly #nodes = new Uint8Array(64 * 32);
  #depth = 0;
  #size = 0;

  constructor(h: Hasher = new Hasher()) {
    this.#h = h;
  }

  get size(): number {
    return this.#size;
  }

  /** Adds the leaf hash at `leaf[at..at+32)`. */
  push(leaf: Uint8Array, at = 0): void {
    const nodes = this.#nodes;
    let d = this.#depth;
    for (let i = 0; i < 32; i++) nodes[d * 32 + i] = leaf[at + i]!;
    d++;
    for (let k = this.#size; k % 2 === 1; k = Math.floor(k / 2)) {
      d--;
      this.#h.nodeInto(nodes, (d - 1) * 32, nodes, d * 32, nodes, (d - 1) * 32);
    }
    this.#depth = d;
    this.#size++;
  }

  /** MTH of the leaves pushed so far: a fresh 32-byte array. */
  root(): Uint8Array {
    const d = this.#depth;
    if (d === 0) return EMPTY_ROOT.slice();
    const r = this.#nodes.slice((d - 1) * 32, d * 32);
    for (let i = d - 2; i >= 0; i--) this.#h.nodeInto(this.#nodes, i * 32, r, 0, r, 0);
    return r;
  }
}

/** A complete tree over `n` leaf hashes, for inclusion and consistency proofs. */
export class MerkleTree {
  readonly size: number;
  /** levels[k]: the node hashes of level k, 32 bytes each, flat. */
  readonly #levels: Uint8Array[] = [];

  constructor(leafHashes: readonly Uint8Array[], h: Hasher = new Hasher()) {
    this.size = leafHashes.length;
    let count = leafHashes.length;
    let level = new Uint8Array(count * 32);
    leafHashes.forEach((l, i) => level.set(l, i * 32));
    this.#levels.push(level);
    while (count > 1) {
      const next = new Uint8Array(Math.ceil(count / 2) * 32);
      for (let i = 0; i + 1 < count; i += 2) {
        next.set(h.node(level.subarray(i * 32, i * 32 + 32), level.subarray(i * 32 + 32, i * 32 + 64)), i * 16);
      }
      if (count % 2 === 1) next.set(level.subarray((count - 1) * 32, count * 32), (count - 1) * 16);
      level = next;
      count = Math.ceil(count / 2);
      this.#levels.push(level);
    }
  }

  #node(level: number, index: number): Uint8Array {
    return this.#levels[level]!.slice(index * 32, index * 32 + 32);
  }

  root(): Uint8Array {
    return this.size === 0 ? EMPTY_ROOT : this.#node(this.#levels.length - 1, 0);
  }

  /** MTH(D[lo:hi]); every range the RFC 6962 recursions visit is one node of this tree. */
  #range(lo: number, hi: number): Uint8Array {
    const level = Math.ceil(Math.log2(hi - lo));
    return this.#node(level, lo >> level);
  }

  /** RFC 6962 PATH(m, D[n]): sibling hashes from the leaf up. */
  inclusionPath(m: number): Uint8Array[] {
    const path: Uint8Array[] = [];
    let i = m;
    for (let level = 0; level < this.#levels.length - 1; level++) {
      const sibling = i ^ 1;
      if (sibling * 32 < this.#levels[level]!.length) path.push(this.#node(level, sibling));
      i >>= 1;
    }
    return path;
  }

  /** RFC 6962 PROOF(m, D[n]) for 0 < m <= n. */
  consistencyProof(m: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    const sub = (m: number, lo: number, hi: number, whole: boolean): void => {
      const n = hi - lo;
      if (m === n) {
        if (!whole) out.push(this.#range(lo, hi));
        return;
      }
      const k = largestPowerOfTwoBelow(n);
      if (m <= k) {
        sub(m, lo, lo + k, whole);
        out.push(this.#range(lo + k, hi));
      } else {
        sub(m - k, lo + k, hi, false);
        out.push(this.#range(lo, lo + k));
      }
    };
    if (m > 0 && m < this.size) sub(m, 0, this.size, true);
    return out;
  }
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 9162 §2.1.3.2: does `path` lead from the leaf at `index` to `root` in a tree of `size`? */
export function verifyInclusionPath(leafHash: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array, h: Hasher = new Hasher()): boolean {
  if (!(index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = h.node(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = h.node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}

/** RFC 9162 §2.1.4.2: is the tree of `size2` (root2) an append-only extension of the one of `size1` (root1)? */
export function verifyConsistencyPath(size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, proof: readonly Uint8Array[], h: Hasher = new Hasher()): boolean {
  if (!(size1 >= 1 && size1 <= size2)) return false;
  if (size1 === size2) return proof.length === 0 && equalBytes(root1, root2);
  if (proof.length === 0) return false;
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = h.node(c, fr);
      sr = h.node(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = h.node(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(fr, root1) && equalBytes(sr, root2);
}
