/**
 * Glob matching cost: a security review found that a path pattern with many `**` (or a segment
 * like `a*a*a*…b`) made one decision backtrack for seconds, and hosts without a wall clock only
 * have fuel, which does not count it. The matcher is now linear in the path for a bounded
 * pattern; these tests count its steps (no timing asserts, except one generous sanity bound),
 * check it against the old RegExp construction on small random inputs, and check the schema
 * limits on request-supplied patterns.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isKernelError } from '../../src/errors.ts';
import {
  envGlobSubset, isNormalizedPath, matchEnv, matchPath, parseEnvGlob, parsePathGlob, pathGlobSubset, type MatchMeter,
} from '../../src/lib/glob/index.ts';
import { parsePolicy, policyJsonSchema } from '../../src/trust/index.ts';
import { PATTERN_LIMITS } from '../../src/trust/schema.ts';

// ── the reference: the RegExp construction glob.ts used before (exponential, small inputs only) ──

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const tokensToRe = (p: string, anyChar: string) =>
  [...p].map((c) => (c === '*' ? `${anyChar}*` : c === '?' ? anyChar : escapeRe(c))).join('');

/** The old matchPath: its fast paths for exact and subtree globs, else the RegExp. */
function oldMatchPath(source: string, path: string): boolean {
  const parts = source === '/' ? [] : source.slice(1).split('/');
  let lit = '';
  let depth = 0;
  for (const p of parts) {
    if (p === '**' || /[*?]/.test(p)) break;
    lit += `/${p}`;
    depth++;
  }
  if (depth === parts.length) return path === (lit === '' ? '/' : lit);
  if (depth === parts.length - 1 && parts[depth] === '**') {
    return lit === '' || path === lit || (path.length > lit.length && path.charCodeAt(lit.length) === 0x2f && path.startsWith(lit));
  }
  const body = parts.map((p) => (p === '**' ? '(?:/[^/]+)*' : `/${tokensToRe(p, '[^/]')}`)).join('');
  return new RegExp(`^${body}$`, 'u').test(path === '/' ? '' : path);
}

/** The old matchEnv: exact, literal prefix + "*", else the RegExp. */
function oldMatchEnv(source: string, name: string): boolean {
  const chars = [...source];
  const firstWild = chars.findIndex((c) => c === '*' || c === '?');
  if (firstWild === -1) return name === source;
  if (firstWild === chars.length - 1 && chars[firstWild] === '*') return name.startsWith(source.slice(0, -1));
  return new RegExp(`^${tokensToRe(source, '[^]')}$`, 'u').test(name);
}

const metered = (f: (m: MatchMeter) => boolean) => {
  const m: MatchMeter = { steps: 0 };
  const matched = f(m);
  return { matched, steps: m.steps };
};

/** A generous bound for O(path × pattern): a small constant times the product of the lengths. */
const bound = (path: string, glob: string) => 4 * (path.length + 1) * (glob.length + 1);

// ── the attack ──────────────────────────────────────────────────────────────────────────────

describe('glob matching cost (the review\'s attack)', () => {
  // Each path ends the way its glob does and is long enough, so the cheap refusals (literal
  // prefix, suffix, minimum length) pass and the state run and the wildcard algorithm do the work.
  const segs = (n: number, seg: string) => '/' + Array(n).fill(seg).join('/');
  const attacks: Record<string, readonly [glob: string, path: string]> = {
    // The old RegExp took about 2 s at 8 "**" against a 30-segment path, 37 s at 10, 90 s at 12.
    globstars: ['/' + Array(16).fill('**').join('/') + '/x/*', segs(200, 'a')],
    manyGlobstars: ['/' + Array(64).fill('**').join('/') + '/x/*', segs(200, 'a')],
    // About 0.5 s at 8 stars against 40 characters, 47 s at 12.
    starRun: ['/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b*', `/${'a'.repeat(4000)}`],
    longBlock: ['/*aaaaaaaaaaaaaaab*', `/${'a'.repeat(4000)}`],
    globstarsAndStars: ['/**/*a*a*a*/**/*a*a*b*/**/*a*c*', segs(300, 'aaaaaaaa')],
    globstarsUnderPrefix: ['/data/' + Array(16).fill('**').join('/') + '/*.key/*', `/data${segs(500, 'k')}/x.pem`],
  };

  for (const [name, [glob, path]] of Object.entries(attacks)) {
    it(`${name}: decided in O(path × pattern) steps`, () => {
      const g = parsePathGlob(glob);
      const started = performance.now();
      const r = metered((m) => matchPath(g, path, m));
      const ms = performance.now() - started;
      assert.equal(r.matched, false);
      assert.ok(r.steps >= path.length / 8, `the matcher really ran: ${r.steps} steps`);
      assert.ok(r.steps <= bound(path, glob), `${r.steps} steps for a ${path.length}-character path and a ${glob.length}-character glob`);
      assert.ok(ms < 2000, `sanity bound only: took ${ms.toFixed(0)} ms`);
    });
  }

  it('steps grow linearly with the path for a fixed pattern', () => {
    const g = parsePathGlob('/**/*a*a*a*a*a*b*/**/**/**/*c*');
    const small = metered((m) => matchPath(g, segs(100, 'aaaaaaaaaa'), m)).steps;
    const large = metered((m) => matchPath(g, segs(800, 'aaaaaaaaaa'), m)).steps;
    assert.ok(small > 1000, `100 segments: ${small} steps`);
    assert.ok(large <= 8.5 * small, `100 segments: ${small} steps; 800 segments: ${large}`);
  });

  it('a match is still found behind the attack shapes', () => {
    assert.equal(matchPath(parsePathGlob('/' + Array(64).fill('**').join('/') + '/x'), '/' + Array(200).fill('a').join('/') + '/x'), true);
    assert.equal(matchPath(parsePathGlob('/a*a*a*a*a*a*a*a*b'), '/' + 'a'.repeat(4000) + 'b'), true);
    assert.equal(matchPath(parsePathGlob('/data/**/*.key'), '/data/a/b/c/id.key'), true);
  });

  it('env globs: `A*A*…B` and `*AAA…B*` against a long name', () => {
    const glob = Array(16).fill('A*').join('') + 'B';
    const name = 'A'.repeat(100_000);
    const g = parseEnvGlob(glob);
    const r = metered((m) => matchEnv(g, name, m));
    assert.equal(r.matched, false);
    assert.ok(r.steps >= name.length && r.steps <= bound(name, glob), `${r.steps} steps`);
    const block = `*${'A'.repeat(30)}B*`;
    const r2 = metered((m) => matchEnv(parseEnvGlob(block), name, m));
    assert.equal(r2.matched, false);
    assert.ok(r2.steps <= bound(name, block), `${r2.steps} steps`);
    assert.equal(matchEnv(g, `${name}B`), true);
    // The redaction code still reads `regex.test`: it must be the linear matcher too.
    assert.equal(g.regex.test(name), false);
    assert.equal(g.regex.test(`${name}B`), true);
  });
});

// ── agreement with the reference ────────────────────────────────────────────────────────────

// A small alphabet, with a surrogate pair and lone surrogate halves: a "character" is a code point.
const CHARS = ['a', 'b', '\u{1F600}', '\uD83D', '\uDE00'];
const segmentOf = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { maxLength: max }).map((cs) => cs.join(''));
const globSegment = fc.oneof(
  { weight: 1, arbitrary: fc.constant('**') },
  { weight: 4, arbitrary: segmentOf([...CHARS, '*', '?'], 4) },
);
const pathGlob = fc.array(globSegment, { maxLength: 5 }).map((s) => `/${s.join('/')}`);
const path = fc.oneof(
  { weight: 6, arbitrary: fc.array(segmentOf(CHARS, 4), { maxLength: 6 }).map((s) => `/${s.join('/')}`) },
  // Not normalized, not absolute, empty: decisions refuse these first, but the matcher still agrees.
  { weight: 1, arbitrary: segmentOf([...CHARS, '/'], 8) },
);
const envGlob = segmentOf([...CHARS, '*', '?', '/'], 6);
const envName = segmentOf([...CHARS, '/'], 8);

describe('the linear matcher agrees with the old RegExp', () => {
  it('path globs', () => {
    fc.assert(fc.property(pathGlob, path, (g, p) => matchPath(parsePathGlob(g), p) === oldMatchPath(g, p)), { seed: 20260511, numRuns: 5000 });
  });

  it('path globs, paths built to match', () => {
    // Random paths rarely match random globs; instantiate the glob's wildcards instead.
    const fill = (seg: string, pick: string[]) => [...seg].map((c) => (c === '*' ? pick.shift() ?? '' : c === '?' ? 'a' : c)).join('');
    const built = fc.tuple(pathGlob, fc.array(segmentOf(CHARS, 3), { minLength: 8, maxLength: 8 }), fc.array(fc.nat(2), { minLength: 6, maxLength: 6 }))
      .map(([g, fills, reps]) => {
        const segs = g === '/' ? [] : g.slice(1).split('/');
        const out = segs.flatMap((s, i) => (s === '**' ? Array<string>(reps[i % reps.length]!).fill(fills[i % fills.length] || 'x') : [fill(s, [...fills])]));
        return [g, `/${out.join('/')}`] as const;
      });
    fc.assert(fc.property(built, ([g, p]) => matchPath(parsePathGlob(g), p) === oldMatchPath(g, p)), { seed: 7, numRuns: 3000 });
  });

  it('path globs of more than 30 segments after the prefix (the matcher\'s other state representation)', () => {
    // 31 one-character segments in front: the states no longer fit one integer.
    const wide = '/?'.repeat(31);
    const under = '/a'.repeat(31);
    fc.assert(fc.property(pathGlob, path, fc.boolean(), (g, p, prefixed) => {
      const glob = `${wide}${g === '/' ? '' : g}`;
      const q = prefixed && p.startsWith('/') ? `${under}${p === '/' ? '' : p}` : p;
      return matchPath(parsePathGlob(glob), q) === oldMatchPath(glob, q);
    }), { seed: 3, numRuns: 2000 });
  });

  it('env globs', () => {
    fc.assert(fc.property(envGlob, envName, (g, n) => matchEnv(parseEnvGlob(g), n) === oldMatchEnv(g, n)), { seed: 20260511, numRuns: 5000 });
  });

  it('the subset test stays sound: a proven-narrower glob matches no normalized path the wider one does not', () => {
    // Normalized paths only: decisions refuse the others before matching, and the fast paths
    // (`/**` matches anything) and the segment matcher read them differently.
    fc.assert(fc.property(pathGlob, pathGlob, fc.array(path, { maxLength: 20 }), (a, b, paths) => {
      const A = parsePathGlob(a);
      const B = parsePathGlob(b);
      if (!pathGlobSubset(A, B)) return true;
      return paths.concat([a.replace(/\*\*?|\?/g, 'a')]).filter(isNormalizedPath).every((p) => !matchPath(A, p) || matchPath(B, p));
    }), { seed: 11, numRuns: 3000 });
    fc.assert(fc.property(envGlob, envGlob, fc.array(envName, { maxLength: 20 }), (a, b, names) => {
      const A = parseEnvGlob(a);
      const B = parseEnvGlob(b);
      if (!envGlobSubset(A, B)) return true;
      return names.every((n) => !matchEnv(A, n) || matchEnv(B, n));
    }), { seed: 11, numRuns: 3000 });
  });

  it('the documented examples', () => {
    const cases: [string, string, boolean][] = [
      ['/data/**', '/data', true], ['/data/**', '/data/a', true], ['/data/**', '/data/a/b', true], ['/data/**', '/database', false],
      ['/data/*', '/data/a', true], ['/data/*', '/data/a/b', false], ['/**', '/', true], ['/**', '/x/y', true], ['/', '/', true],
      ['/', '/a', false], ['/data/**/*.key', '/data/k.key', true], ['/data/**/*.key', '/data/a/b/.k.key', true],
      ['/data/**/*.key', '/data/a/k.pem', false], ['/*/x', '/a/x', true], ['/*/x', '/x', false], ['/a/?', '/a/\u{1F600}', true],
      ['/**/**', '/', true], ['/a/**/**', '/a', true], ['/a/*/**', '/a', false],
    ];
    for (const [g, p, want] of cases) assert.equal(matchPath(parsePathGlob(g), p), want, `${g} ~ ${p}`);
    assert.equal(matchEnv(parseEnvGlob('LC_*'), 'LC_ALL'), true);
    assert.equal(matchEnv(parseEnvGlob('*_TOKEN'), 'GH_TOKEN'), true);
    assert.equal(matchEnv(parseEnvGlob('A?C'), 'ABC'), true);
    assert.equal(matchEnv(parseEnvGlob('A?C'), 'AC'), false);
  });
});

// ── the limits on request-supplied patterns ─────────────────────────────────────────────────

const doc = (rules: unknown[]) => ({ version: 1, id: 'api', layer: 'run', rules });
const rule = (resources: Record<string, unknown>) => ({ id: 'r.big', effect: 'deny', actions: ['path_open', 'env'], resources });

function refused(json: unknown, path: string, message: RegExp): void {
  assert.throws(() => parsePolicy(json), (e) => {
    assert.ok(isKernelError(e, 'POLICY_INVALID'), String(e));
    assert.equal(e.details['path'], path);
    assert.match(e.message, message);
    return true;
  });
}

describe('pattern limits (schema)', () => {
  const L = PATTERN_LIMITS;

  it('refuses a path glob over the length limit, naming the rule and the limit', () => {
    refused(doc([rule({ paths: ['/ok/**', `/${'a'.repeat(L.pathGlobLength)}`] })]), 'rules[0].resources.paths[1]',
      new RegExp(`rule "r\\.big": path glob is ${L.pathGlobLength + 1} characters long, over the limit of ${L.pathGlobLength}`));
  });

  it('refuses too many "**" segments', () => {
    refused(doc([rule({ paths: ['/' + Array(L.globstars + 1).fill('**').join('/') + '/x'] })]), 'rules[0].resources.paths[0]',
      new RegExp(`rule "r\\.big": path glob has ${L.globstars + 1} "\\*\\*" segments, over the limit of ${L.globstars}`));
  });

  it('refuses too many "*" in a path glob (not counting "**" segments)', () => {
    refused(doc([rule({ paths: [`/${'a*'.repeat(L.stars + 1)}b`] })]), 'rules[0].resources.paths[0]',
      new RegExp(`rule "r\\.big": path glob has ${L.stars + 1} "\\*" wildcards .*over the limit of ${L.stars}`));
  });

  it('refuses env globs over the limits', () => {
    refused(doc([rule({ env: [`${'A*'.repeat(L.stars + 1)}B`] })]), 'rules[0].resources.env[0]',
      new RegExp(`rule "r\\.big": env glob has ${L.stars + 1} "\\*" wildcards, over the limit of ${L.stars}`));
    refused(doc([rule({ env: ['X'.repeat(L.envGlobLength + 1)] })]), 'rules[0].resources.env[0]', /over the limit of 256/);
  });

  it('refuses too many globs in a rule and too many rules in a document', () => {
    refused(doc([rule({ paths: Array.from({ length: L.globsPerRule + 1 }, (_, i) => `/d/${i}`) })]), 'rules[0].resources.paths',
      new RegExp(`rule "r\\.big" lists ${L.globsPerRule + 1} path globs, over the limit of ${L.globsPerRule} per rule`));
    const many = Array.from({ length: L.rulesPerDocument + 1 }, (_, i) => ({ id: `r${i}`, effect: 'allow', actions: ['clock'] }));
    refused(doc(many), 'rules', new RegExp(`at most ${L.rulesPerDocument} rules`));
  });

  it('accepts patterns at the limits, and the matcher decides the worst of them quickly', () => {
    const worst = '/' + Array(L.globstars).fill('**').join('/') + `/${'*a'.repeat(L.stars - 2)}*b*`;
    const long = `/${'a'.repeat(L.pathGlobLength - 1)}`;
    const p = parsePolicy(doc([rule({ paths: [worst, long], env: [`${'A*'.repeat(L.stars)}B`] })]));
    assert.deepEqual(p.rules[0]!.resources!.paths, [worst, long]);
    const attack = '/' + Array(400).fill('a'.repeat(20)).join('/');
    const r = metered((m) => matchPath(parsePathGlob(worst), attack, m));
    assert.equal(r.matched, false);
    assert.ok(r.steps >= attack.length && r.steps <= bound(attack, worst), `${r.steps} steps`);
  });

  it('the JSON Schema shows the limits to editors', () => {
    const text = JSON.stringify(policyJsonSchema());
    assert.match(text, new RegExp(`"maxLength":${L.pathGlobLength}`));
    assert.match(text, new RegExp(`"maxItems":${L.globsPerRule}`));
    assert.match(text, new RegExp(`"maxItems":${L.rulesPerDocument}`));
  });
});
