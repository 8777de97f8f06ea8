/**
 * Globs for guest paths and environment variable names. Path globs are absolute guest paths:
 * `*` matches within one segment, `?` one character of a segment, a whole `**` segment zero or
 * more segments (`/data/**` matches `/data` and everything below it). Env globs: `*` any run of
 * characters, `?` one character. There is no escaping and no character class, on purpose: the
 * subset test (subset.ts) stays exact enough for the validator to prove narrowing.
 *
 * A "character" is a Unicode code point (a surrogate pair is one).
 *
 * Patterns come from API callers and package authors and a guest chooses the path, so the worst
 * case of the matcher is an attacker's to pick. A backtracking RegExp of nested quantifiers
 * (`(?:/[^/]+)*` per `**`, `[^/]*` per `*`) took seconds to minutes for one decision — time that
 * fuel, the only budget of a host without a wall clock, does not count. So there is no RegExp:
 * `**` is a state run over segments and `*` the one-backtrack-point wildcard algorithm, at most
 * O(path × pattern) steps; src/trust/schema.ts bounds the pattern (PATTERN_LIMITS).
 */
import { QMARK, STAR, tokenize, type Alphabet, type Token } from './tokens.ts';

/** Literals are code points; `*` is a STAR however many there are (a whole `**` segment is `any`). */
const PATHS: Alphabet = { codePoints: true, globstar: false };
/** Past the last token: equals no code point and no wildcard. */
const END = -3;
/**
 * One segment's pattern. `head`/`tail` (the literal text before the first wildcard and after the
 * last) and `min` (code points it needs) refuse most segments before the wildcard algorithm runs.
 */
export interface SegmentPattern {
  readonly any: false;
  readonly tokens: readonly Token[];
  readonly head: string;
  readonly tail: string;
  readonly min: number;
}
export type Segment = { readonly any: true } | SegmentPattern;

export interface PathGlob {
  readonly source: string;
  readonly segments: readonly Segment[];
  /** The leading literal segments as a path ("" for none): the key of the decision index. */
  readonly literalPrefix: string;
  /** How many segments `literalPrefix` has. */
  readonly depth: number;
  /** exact: no wildcard; subtree: `literalPrefix` + "/**"; else the segment matcher decides. */
  readonly kind: 'exact' | 'subtree' | 'pattern';
  /** The literal text the glob ends with ("" after a wildcard or `**`): a matching path ends with it too. */
  readonly literalSuffix: string;
  /** False when some segment can match no normalized path's segment (`pathGlobProblem`): the glob matches nothing. */
  readonly viable: boolean;
}

export interface EnvGlob {
  readonly source: string;
  readonly tokens: readonly Token[];
  /** Set when the glob has no wildcard: an exact name. */
  readonly literal?: string;
  /** Set when the glob is a literal prefix and one final "*" (`LC_*`). */
  readonly prefix?: string;
  /**
   * @deprecated use `matchEnv`. Kept, backed by the linear matcher rather than a RegExp, only
   * because src/dna/record/redact.ts still calls `regex.test`; remove once it calls `matchEnv`.
   */
  readonly regex: { test(name: string): boolean };
}

/** Counts matcher steps, so tests can bound the work of one match without timing it. */
export interface MatchMeter {
  steps: number;
}

/** Literal tokens back to text (no spread: a redaction glob has no length limit). */
const text = (ts: readonly Token[]) => ts.map((t) => String.fromCodePoint(t)).join('');


/** The code point at s[i] (a surrogate pair is one; a lone half is itself), not reading past `to`. */
function codePointAt(s: string, i: number, to: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= to) return c;
  const c2 = s.charCodeAt(i + 1);
  return c2 < 0xdc00 || c2 > 0xdfff ? c : (c - 0xd800) * 0x400 + (c2 - 0xdc00) + 0x10000;
}

/**
 * Do the tokens match s[from, to) exactly? The classic wildcard algorithm: literals and `?` step
 * forward; on a mismatch only the most recent `*` takes one more character and the tokens after
 * it are retried from there. Earlier stars never need revisiting (a later `*` can absorb whatever
 * they would have), so there is one backtrack point and the cost is O((to − from) × tokens).
 */
function tokensMatch(tokens: readonly Token[], s: string, from: number, to: number, meter: MatchMeter | undefined): boolean {
  let p = 0;
  let i = from;
  let afterStar = -1; // the token after the last `*` seen, or -1
  let starEnd = from; // where that `*`'s run currently ends
  let steps = 0;
  let ok = true;
  while (i < to) {
    steps++;
    const t = p < tokens.length ? tokens[p]! : END;
    if (t === STAR) {
      afterStar = ++p;
      starEnd = i;
      continue;
    }
    const c = codePointAt(s, i, to);
    if (t === QMARK || t === c) {
      p++;
      i += c > 0xffff ? 2 : 1;
      continue;
    }
    if (afterStar < 0) {
      ok = false;
      break;
    }
    starEnd += codePointAt(s, starEnd, to) > 0xffff ? 2 : 1;
    i = starEnd;
    p = afterStar;
  }
  if (meter) meter.steps += steps;
  if (!ok) return false;
  while (p < tokens.length && tokens[p] === STAR) p++;
  return p === tokens.length;
}

function segmentPattern(tokens: Token[]): SegmentPattern {
  const first = tokens.findIndex((t) => t < 0);
  const last = tokens.findLastIndex((t) => t < 0);
  return first === -1
    ? { any: false, tokens, head: text(tokens), tail: '', min: tokens.length }
    : { any: false, tokens, head: text(tokens.slice(0, first)), tail: text(tokens.slice(last + 1)), min: tokens.filter((t) => t !== STAR).length };
}

/** Does one path segment, s[from, to), match? (Each code point takes at least one UTF-16 unit: `min` is safe.) */
function segmentMatch(g: SegmentPattern, s: string, from: number, to: number, meter: MatchMeter | undefined): boolean {
  if (to - from < g.min || !s.startsWith(g.head, from) || !s.endsWith(g.tail, to)) return false;
  return tokensMatch(g.tokens, s, from, to, meter);
}

/** Compiles a path glob (syntax already checked by the schema: absolute, `**` whole segments). */
export function parsePathGlob(source: string): PathGlob {
  const parts = source === '/' ? [] : source.slice(1).split('/');
  const segments: Segment[] = parts.map((p) => (p === '**' ? { any: true } : segmentPattern(tokenize(p, PATHS))));
  let literalPrefix = '';
  let depth = 0;
  for (const s of segments) {
    if (s.any || s.tokens.some((t) => t < 0)) break;
    literalPrefix += `/${parts[depth]!}`;
    depth++;
  }
  const kind = depth === segments.length ? 'exact' : depth === segments.length - 1 && segments[depth]!.any ? 'subtree' : 'pattern';
  const last = segments[segments.length - 1];
  const tail = last === undefined || last.any ? [] : last.tokens.slice(last.tokens.findLastIndex((t) => t < 0) + 1);
  return { source, segments, literalPrefix, depth, kind, literalSuffix: text(tail), viable: pathGlobProblem(source) === undefined };
}

/**
 * The segments after the literal prefix, as a set of states run over the path's segments (an NFA
 * simulation, two rows): state k means "the glob's segments before depth + k match the path read
 * so far". A `**` state stays on any non-empty segment and also passes to the next state without
 * one; a segment pattern moves to the next state when it matches. Each path segment is read once
 * per live state: O(path × pattern), whatever the number of `**`.
 *
 * `below` asks instead whether the glob matches the path or some path below it: after the path's
 * last segment, any live state will do (state m is a match here; from a state k < m the glob's
 * remaining segments match one or more further segments, for a viable glob).
 */
function segmentsMatch(glob: PathGlob, path: string, meter: MatchMeter | undefined, below: boolean): boolean {
  const lit = glob.literalPrefix;
  // The literal prefix is compared at once; pos is then at the "/" before the next segment, or
  // at the end. The root "/" has no segments (so `/**` matches it), and neither has "".
  let pos: number;
  if (lit !== '') {
    if (!path.startsWith(lit) || (path.length > lit.length && path.charCodeAt(lit.length) !== 0x2f)) {
      // Not under the prefix; for `below`, the path may instead lie above it (`/m` above `/m/a/*`).
      return below && isAbove(path, lit);
    }
    pos = lit.length;
  } else if (path === '/' || path === '') pos = path.length;
  else if (path.charCodeAt(0) !== 0x2f) return false;
  else pos = 0;
  // Most patterns end in literal text (`*.key`); most paths a deny rule sees do not.
  if (!below && !path.endsWith(glob.literalSuffix)) return false;
  return glob.segments.length - glob.depth <= 30 ? runNarrow(glob, path, pos, meter, below) : runWide(glob, path, pos, meter, below);
}

/** Is `path` strictly above the literal path `lit` (a proper leading part of it, or the root)? */
function isAbove(path: string, lit: string): boolean {
  if (path === '/') return lit !== '';
  return lit.length > path.length && lit.charCodeAt(path.length) === 0x2f && lit.startsWith(path);
}

/** The state run with the states as bits of one integer: no allocation on the decision path. */
function runNarrow(glob: PathGlob, path: string, pos: number, meter: MatchMeter | undefined, below: boolean): boolean {
  const G = glob.segments;
  const d = glob.depth;
  const m = G.length - d;
  let cur = 1;
  for (let k = 0; k < m && (cur >>> k) & 1 && G[d + k]!.any; k++) cur |= 1 << (k + 1);
  let steps = 0;
  while (pos < path.length) {
    const from = pos + 1;
    const slash = path.indexOf('/', from);
    const to = slash === -1 ? path.length : slash;
    let next = 0;
    for (let k = 0; k < m; k++) {
      if (((cur >>> k) & 1) === 0) continue;
      steps++;
      const g = G[d + k]!;
      // A `**` takes only non-empty segments (a normalized path has no other kind anyway).
      if (g.any) {
        if (to > from) next |= 1 << k;
      } else if (segmentMatch(g, path, from, to, meter)) {
        next |= 1 << (k + 1);
      }
    }
    // Through `**` states without a segment, in order, so a run of them passes on at once.
    for (let k = 0; k < m; k++) if ((next >>> k) & 1 && G[d + k]!.any) next |= 1 << (k + 1);
    cur = next;
    pos = to;
    if (cur === 0) break;
  }
  if (meter) meter.steps += steps;
  if (pos < path.length) return false;
  return below ? cur !== 0 : ((cur >>> m) & 1) === 1;
}

/** The same run with the states in two byte rows, for a glob of more than 30 segments after its prefix. */
function runWide(glob: PathGlob, path: string, pos: number, meter: MatchMeter | undefined, below: boolean): boolean {
  const G = glob.segments;
  const d = glob.depth;
  const m = G.length - d;
  const close = (row: Uint8Array) => {
    let live = false;
    for (let k = 0; k <= m; k++) {
      if (row[k] !== 1) continue;
      live = true;
      if (k < m && G[d + k]!.any) row[k + 1] = 1;
    }
    return live;
  };
  let cur = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  cur[0] = 1;
  let live = close(cur);
  let steps = 0;
  while (pos < path.length) {
    const from = pos + 1;
    const slash = path.indexOf('/', from);
    const to = slash === -1 ? path.length : slash;
    next.fill(0);
    for (let k = 0; k < m; k++) {
      if (cur[k] !== 1) continue;
      steps++;
      const g = G[d + k]!;
      if (g.any) {
        if (to > from) next[k] = 1;
      } else if (segmentMatch(g, path, from, to, meter)) {
        next[k + 1] = 1;
      }
    }
    live = close(next);
    [cur, next] = [next, cur];
    pos = to;
    if (!live) break;
  }
  if (meter) meter.steps += steps;
  if (pos < path.length) return false;
  return below ? live : cur[m] === 1;
}

/** Does a normalized absolute guest path match? Never throws. */
export function matchPath(glob: PathGlob, path: string, meter?: MatchMeter): boolean {
  // The two common shapes without the segment matcher: an exact path, and a whole subtree.
  const lit = glob.literalPrefix;
  if (glob.kind === 'exact') return path === (lit === '' ? '/' : lit);
  if (glob.kind === 'subtree') return lit === '' || path === lit || (path.length > lit.length && path.charCodeAt(lit.length) === 0x2f && path.startsWith(lit));
  return segmentsMatch(glob, path, meter, false);
}

/**
 * Does the glob match a normalized path or some normalized path below it — is it still "alive"
 * after the path's segments? What a deny rule asks of a call that moves a whole subtree
 * (path_rename): "/m/a/secret/**" is alive at "/m/a" and at "/"; "/m/**" followed by "/x" at
 * anything under "/m"; "/k/*" followed by "/key" at "/k/a" but not at "/k/a/b". The
 * same state run as `matchPath` (any live state after the path's last segment), so the
 * same O(path × pattern) bound. Never throws.
 */
export function matchPathOrBelow(glob: PathGlob, path: string, meter?: MatchMeter): boolean {
  // A glob no normalized path can match has nothing below either (the validator refuses it); it
  // keeps exactly what `matchPath` says of it, so this never matches less than `matchPath`.
  if (!glob.viable) return matchPath(glob, path, meter);
  const lit = glob.literalPrefix;
  if (glob.kind === 'exact') return path === (lit === '' ? '/' : lit) || isAbove(path, lit);
  if (glob.kind === 'subtree') {
    return lit === '' || path === lit || (path.length > lit.length && path.charCodeAt(lit.length) === 0x2f && path.startsWith(lit)) || isAbove(path, lit);
  }
  return segmentsMatch(glob, path, meter, true);
}

/** Compiles an environment variable glob. */
export function parseEnvGlob(source: string): EnvGlob {
  const tokens = tokenize(source, PATHS);
  const firstWild = tokens.findIndex((t) => t < 0);
  const shape = firstWild === -1 ? { literal: source } : firstWild === tokens.length - 1 && tokens[firstWild] === STAR ? { prefix: source.slice(0, -1) } : {};
  const glob: EnvGlob = { source, tokens, ...shape, regex: { test: (name: string) => matchEnv(glob, name) } };
  return glob;
}

/** Does an environment variable name match? Never throws. */
export function matchEnv(glob: EnvGlob, name: string, meter?: MatchMeter): boolean {
  if (glob.literal !== undefined) return name === glob.literal;
  if (glob.prefix !== undefined) return name.startsWith(glob.prefix);
  return tokensMatch(glob.tokens, name, 0, name.length, meter);
}

/** Why a path glob can never match a normalized guest path, or undefined when it can. */
export function pathGlobProblem(source: string): string | undefined {
  if (source.includes('\0')) return 'it contains a NUL character, which no guest path can';
  if (source === '/') return undefined;
  const parts = source.slice(1).split('/');
  if (parts.some((p) => p === '')) return 'it has an empty segment ("//" or a trailing "/"), and guest paths are normalized';
  const dot = parts.find((p) => p === '.' || p === '..');
  if (dot !== undefined) return `it has a "${dot}" segment, and guest paths are normalized (no "." or "..")`;
  return undefined;
}

/** Why an env glob can never match a variable name, or undefined when it can. */
export function envGlobProblem(source: string): string | undefined {
  if (source.includes('=')) return 'it contains "=", which no environment variable name can';
  if (source.includes('\0')) return 'it contains a NUL character';
  return undefined;
}

/**
 * Where each leading part of a guest path ends: cuts[d] is the length of the part with d segments
 * (`/a/b` → [0, 2, 4]; `/` → [0]), so `path.slice(0, cuts[d])` is the decision-index key at depth d.
 * Undefined when the path is not normalized (absolute, no empty, "." or ".." segment, no trailing
 * "/", no NUL): such a path is refused, never matched.
 */
export function pathCuts(path: string): number[] | undefined {
  if (path.charCodeAt(0) !== 0x2f) return undefined;
  const cuts = [0];
  if (path.length === 1) return cuts;
  let start = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i === path.length ? 0x2f : path.charCodeAt(i);
    if (c === 0) return undefined;
    if (c !== 0x2f) continue;
    const len = i - start;
    if (len === 0 || (len === 1 && path.charCodeAt(start) === 0x2e) || (len === 2 && path.charCodeAt(start) === 0x2e && path.charCodeAt(start + 1) === 0x2e)) return undefined;
    cuts.push(i);
    start = i + 1;
  }
  return cuts;
}

/** Is this a normalized absolute guest path (the only kind a decision accepts)? */
export function isNormalizedPath(path: string): boolean {
  return pathCuts(path) !== undefined;
}
