/**
 * Prefix liveness of path globs (`matchPathOrBelow`): "does the glob match this path or some
 * normalized path below it?" — what a deny rule asks of a path_rename, which moves a whole
 * subtree (docs/policy.md § What "matches" means). Checked against the documented examples, a
 * naive backtracking reference on random globs and paths, paths built from the glob's own
 * instances, and the matcher's step bound on the attack shapes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isNormalizedPath, matchPath, matchPathOrBelow, parsePathGlob, pathGlobProblem, type MatchMeter } from '../../src/lib/glob/index.ts';

// ── the reference: plain backtracking over segments and characters ─────────────────────────

const segs = (p: string) => (p === '/' ? [] : p.slice(1).split('/'));
const chars = (s: string) => [...s];

function segMatch(g: string[], s: string[]): boolean {
  if (g.length === 0) return s.length === 0;
  if (g[0] === '*') return segMatch(g.slice(1), s) || (s.length > 0 && segMatch(g, s.slice(1)));
  if (s.length === 0) return false;
  return (g[0] === '?' || g[0] === s[0]) && segMatch(g.slice(1), s.slice(1));
}

/** Can a (non-"**") glob segment match some normalized segment (not empty, ".", ".." or holding NUL)? */
const segmentViable = (g: string) => g !== '' && g !== '.' && g !== '..' && !g.includes('\0');

/** The glob matches the path, or a path that continues it by one or more normalized segments. */
function referenceBelow(glob: string, path: string): boolean {
  const G = segs(glob);
  const S = segs(path);
  const go = (i: number, j: number): boolean => {
    if (j === S.length) {
      if (i === G.length) return true;
      // The path is used up: what is left of the glob must match at least one more segment.
      return G.slice(i).every((g) => g === '**' || segmentViable(g));
    }
    if (i === G.length) return false;
    if (G[i] === '**') return go(i + 1, j) || go(i, j + 1);
    return segMatch(chars(G[i]!), chars(S[j]!)) && go(i + 1, j + 1);
  };
  // A glob with a segment no normalized path has matches nothing, so nothing below either.
  return G.every((g) => g === '**' || segmentViable(g)) && go(0, 0);
}

/** Globs the validator accepts (it refuses the others as never-matches). */
const viable = (glob: string) => pathGlobProblem(glob) === undefined;

// ── generators ───────────────────────────────────────────────────────────────────────────────

const CHARS = ['a', 'b', '\u{1F600}'];
const segmentOf = (cs: string[], max: number) => fc.array(fc.constantFrom(...cs), { maxLength: max }).map((x) => x.join(''));
const globSegment = fc.oneof(
  { weight: 2, arbitrary: fc.constant('**') },
  { weight: 5, arbitrary: segmentOf([...CHARS, '*', '?'], 3) },
  { weight: 1, arbitrary: fc.constantFrom('.', '..', 'a.', '.*') },
);
const pathGlob = fc.array(globSegment, { maxLength: 5 }).map((s) => `/${s.join('/')}`);
const path = fc.array(fc.oneof(segmentOf(CHARS, 3), fc.constantFrom('.a', 'a.')), { maxLength: 5 }).map((s) => `/${s.join('/')}`).filter(isNormalizedPath);

/** The leading parts of a path: `/a/b` → `/`, `/a`, `/a/b`. */
const prefixes = (p: string) => {
  const s = segs(p);
  return Array.from({ length: s.length + 1 }, (_, n) => `/${s.slice(0, n).join('/')}`);
};

describe('matchPathOrBelow: prefix liveness of a path glob', () => {
  it('the documented examples', () => {
    const cases: [string, string, boolean][] = [
      ['/m/a/secret/**', '/m/a', true], ['/m/a/secret/**', '/m', true], ['/m/a/secret/**', '/', true], ['/m/a/secret/**', '/m/a/secret', true],
      ['/m/a/secret/**', '/m/a/secret/k/l', true], ['/m/a/secret/**', '/m/ab', false], ['/m/a/secret/**', '/m/a/secrets', false], ['/m/a/secret/**', '/n', false],
      ['/m/**/x', '/m', true], ['/m/**/x', '/m/p/q/r', true], ['/m/**/x', '/m/x', true], ['/m/**/x', '/n/x', false],
      ['/k/*/key', '/k', true], ['/k/*/key', '/k/a', true], ['/k/*/key', '/k/a/key', true], ['/k/*/key', '/k/a/key/z', false], ['/k/*/key', '/k/a/b', false],
      ['/a/b', '/', true], ['/a/b', '/a', true], ['/a/b', '/a/b', true], ['/a/b', '/a/b/c', false], ['/a/b', '/ab', false],
      ['/', '/', true], ['/', '/a', false], ['/**', '/', true], ['/**', '/x/y', true],
      ['/d/*.key', '/d', true], ['/d/*.key', '/d/a.key', true], ['/d/*.key', '/d/a.pem', false], ['/d/**/*.key', '/d/a.pem', true],
      ['/a/../b', '/a', false], ['/a/**/./x', '/a', false], ['/a/**', '/a/b', true],
    ];
    for (const [g, p, want] of cases) assert.equal(matchPathOrBelow(parsePathGlob(g), p), want, `${g} below ${p}`);
  });

  it('agrees with the backtracking reference', () => {
    fc.assert(fc.property(pathGlob, path, (g, p) => !viable(g) || matchPathOrBelow(parsePathGlob(g), p) === referenceBelow(g, p)), { seed: 4, numRuns: 6000 });
  });

  it('is alive at every leading part of a path the glob matches, and implies nothing the plain match refuses when dead', () => {
    // Instantiate the glob (each "**" as zero to two segments, each "*" as "" or "ab") and walk its prefixes.
    const built = fc.tuple(pathGlob, fc.array(fc.nat(2), { minLength: 6, maxLength: 6 }), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }))
      .map(([g, reps, fill]) => {
        const out = segs(g).flatMap((s, i) => (s === '**' ? Array<string>(reps[i]!).fill('x') : [s.replace(/\*/g, fill[i] ? 'ab' : '').replace(/\?/g, 'b')]));
        return [g, `/${out.join('/')}`] as const;
      });
    fc.assert(fc.property(built, ([g, p]) => {
      const G = parsePathGlob(g);
      if (pathGlobProblem(g) !== undefined || !isNormalizedPath(p) || !matchPath(G, p)) return true;
      return prefixes(p).every((q) => matchPathOrBelow(G, q));
    }), { seed: 5, numRuns: 3000 });
    // Never less than the plain match, for any glob (the ones the validator refuses included).
    fc.assert(fc.property(pathGlob, path, (g, p) => {
      const G = parsePathGlob(g);
      return !matchPath(G, p) || matchPathOrBelow(G, p);
    }), { seed: 6, numRuns: 3000 });
  });

  it('glob shapes beyond 30 segments after the prefix (the wide state rows) agree too', () => {
    const wide = '/?'.repeat(31);
    const under = '/a'.repeat(31);
    fc.assert(fc.property(pathGlob, path, fc.nat(31), (g, p, cut) => {
      const glob = `${wide}${g === '/' ? '' : g}`;
      const q = `${under.slice(0, cut * 2)}${cut === 31 && p !== '/' ? p : ''}` || '/';
      return !viable(glob) || matchPathOrBelow(parsePathGlob(glob), q) === referenceBelow(glob, q);
    }), { seed: 8, numRuns: 2000 });
  });

  it('costs O(path × pattern) steps on the attack shapes', () => {
    const long = '/' + Array(400).fill('a'.repeat(20)).join('/');
    for (const g of ['/' + Array(16).fill('**').join('/') + '/' + '*a'.repeat(14) + '*b*', '/**/' + 'a*'.repeat(16) + 'b/x', `/${'?'.repeat(40)}/**/*a*/**/q`]) {
      const m: MatchMeter = { steps: 0 };
      matchPathOrBelow(parsePathGlob(g), long, m);
      assert.ok(m.steps <= 4 * (long.length + 1) * (g.length + 1), `${m.steps} steps for ${g}`);
    }
  });
});
