/**
 * RFC 6962 proofs for every tree size 1..64 and every leaf / every smaller size, checked against a
 * naive reference written straight from RFC 6962 §2.1 (recursive MTH, PATH, PROOF over arrays),
 * and verified with the RFC 9162 algorithms — which must also reject every altered proof.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { MerkleFrontier, MerkleTree, verifyConsistencyPath, verifyInclusionPath, EMPTY_ROOT } from '../../src/dna/hash/merkle.ts';
import { Hasher } from '../../src/dna/hash/hasher.ts';

// The reference uses node:crypto, not the hasher under test.
const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
const leafOf = (d: Uint8Array) => sha(Uint8Array.of(0), d);
const k = (n: number) => { let p = 1; while (p * 2 < n) p *= 2; return p; };
function MTH(D: Uint8Array[]): Uint8Array {
  if (D.length === 0) return sha();
  if (D.length === 1) return leafOf(D[0]!);
  const s = k(D.length);
  return sha(Uint8Array.of(1), MTH(D.slice(0, s)), MTH(D.slice(s)));
}
function PATH(m: number, D: Uint8Array[]): Uint8Array[] {
  if (D.length <= 1) return [];
  const s = k(D.length);
  return m < s ? [...PATH(m, D.slice(0, s)), MTH(D.slice(s))] : [...PATH(m - s, D.slice(s)), MTH(D.slice(0, s))];
}
function SUBPROOF(m: number, D: Uint8Array[], b: boolean): Uint8Array[] {
  const n = D.length;
  if (m === n) return b ? [] : [MTH(D)];
  const s = k(n);
  return m <= s ? [...SUBPROOF(m, D.slice(0, s), b), MTH(D.slice(s))] : [...SUBPROOF(m - s, D.slice(s), false), MTH(D.slice(0, s))];
}
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const data = Array.from({ length: 64 }, (_, i) => new TextEncoder().encode(`leaf ${i} ${'x'.repeat(i % 7)}`));
const flip = (b: Uint8Array) => { const c = b.slice(); c[0]! ^= 1; return c; };

test('the empty tree and single leaves hash as RFC 6962 says', () => {
  assert.equal(hex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hex(new Hasher().leaf(new Uint8Array(0))), hex(leafOf(new Uint8Array(0))));
});

test('roots, inclusion paths and consistency proofs match the naive reference for sizes 1..64', () => {
  const h = new Hasher();
  for (let n = 1; n <= 64; n++) {
    const D = data.slice(0, n);
    const leaves = D.map((d) => h.leaf(d));
    const tree = new MerkleTree(leaves);
    const frontier = new MerkleFrontier();
    leaves.forEach((l) => frontier.push(l));
    const root = MTH(D);
    assert.equal(hex(tree.root()), hex(root), `root of ${n}`);
    assert.equal(hex(frontier.root()), hex(root), `incremental root of ${n}`);
    for (let m = 0; m < n; m++) {
      const path = tree.inclusionPath(m);
      assert.deepEqual(path.map(hex), PATH(m, D).map(hex), `PATH(${m}, ${n})`);
      assert.ok(verifyInclusionPath(leaves[m]!, m, n, path, root), `inclusion ${m} in ${n}`);
      assert.ok(!verifyInclusionPath(flip(leaves[m]!), m, n, path, root), `altered leaf ${m}/${n}`);
      assert.ok(!verifyInclusionPath(leaves[m]!, m, n, path, flip(root)), `altered root ${m}/${n}`);
      if (n > 1) assert.ok(!verifyInclusionPath(leaves[m]!, (m + 1) % n, n, path, root), `wrong index ${m}/${n}`);
      path.forEach((_, j) => {
        const bad = path.map((p, i) => (i === j ? flip(p) : p));
        assert.ok(!verifyInclusionPath(leaves[m]!, m, n, bad, root), `altered path[${j}] ${m}/${n}`);
      });
      if (path.length > 0) assert.ok(!verifyInclusionPath(leaves[m]!, m, n, path.slice(0, -1), root), `short path ${m}/${n}`);
      assert.ok(!verifyInclusionPath(leaves[m]!, m, n, [...path, root], root), `long path ${m}/${n}`);
    }
    for (let m = 1; m <= n; m++) {
      const proof = tree.consistencyProof(m);
      assert.deepEqual(proof.map(hex), SUBPROOF(m, D, true).map(hex), `PROOF(${m}, ${n})`);
      const old = MTH(D.slice(0, m));
      assert.ok(verifyConsistencyPath(m, n, old, root, proof), `consistency ${m} → ${n}`);
      assert.ok(!verifyConsistencyPath(m, n, flip(old), root, proof), `altered old root ${m} → ${n}`);
      assert.ok(!verifyConsistencyPath(m, n, old, flip(root), proof), `altered new root ${m} → ${n}`);
      proof.forEach((_, j) => {
        const bad = proof.map((p, i) => (i === j ? flip(p) : p));
        assert.ok(!verifyConsistencyPath(m, n, old, root, bad), `altered proof[${j}] ${m} → ${n}`);
      });
      if (m < n) {
        assert.ok(!verifyConsistencyPath(m, n, old, root, proof.slice(1)), `short proof ${m} → ${n}`);
        // A tree that is not an extension: the last old leaf changed.
        const forked = MTH([...D.slice(0, m - 1), new TextEncoder().encode('forged'), ...D.slice(m)]);
        assert.ok(!verifyConsistencyPath(m, n, old, forked, proof), `forked tree ${m} → ${n}`);
      }
    }
  }
});

test('an index or size out of range never verifies', () => {
  const h = new Hasher();
  const leaves = data.slice(0, 5).map((d) => h.leaf(d));
  const tree = new MerkleTree(leaves);
  assert.ok(!verifyInclusionPath(leaves[0]!, 5, 5, tree.inclusionPath(0), tree.root()));
  assert.ok(!verifyInclusionPath(leaves[0]!, -1, 5, tree.inclusionPath(0), tree.root()));
  assert.ok(!verifyConsistencyPath(0, 5, EMPTY_ROOT, tree.root(), []));
  assert.ok(!verifyConsistencyPath(6, 5, tree.root(), tree.root(), []));
  assert.ok(!verifyConsistencyPath(3, 5, MTH(data.slice(0, 3)), tree.root(), []));
});
