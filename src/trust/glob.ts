/**
 * Globs for guest paths and environment variable names. Path globs are absolute guest paths:
 * `*` matches within one segment, `?` one character of a segment, a whole `**` segment zero or
 * more segments (`/data/**` matches `/data` and everything below it). Env globs: `*` any run of
 * characters, `?` one character. There is no escaping and no character class, on purpose: the
 * subset test below stays exact enough for the validator to prove narrowing.
 */

const STAR = 0;
const QMARK = 1;
/** A segment pattern: literal characters, or STAR / QMARK. */
type Token = string | typeof STAR | typeof QMARK;
type Segment = { readonly any: true } | { readonly any: false; readonly tokens: readonly Token[] };

export interface PathGlob {
  readonly source: string;
  readonly segments: readonly Segment[];
  /** The leading literal segments as a path ("" for none): the key of the decision index. */
  readonly literalPrefix: string;
  /** How many segments `literalPrefix` has. */
  readonly depth: number;
  /** exact: no wildcard; subtree: `literalPrefix` + "/**"; else the regex decides. */
  readonly kind: 'exact' | 'subtree' | 'pattern';
  readonly regex: RegExp;
}

export interface EnvGlob {
  readonly source: string;
  readonly tokens: readonly Token[];
  /** Set when the glob has no wildcard: an exact name. */
  readonly literal?: string;
  /** Set when the glob is a literal prefix and one final "*" (`LC_*`). */
  readonly prefix?: string;
  readonly regex: RegExp;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function tokenize(pattern: string): Token[] {
  return [...pattern].map((c) => (c === '*' ? STAR : c === '?' ? QMARK : c));
}

function tokensToRe(tokens: readonly Token[], anyChar: string): string {
  return tokens.map((t) => (t === STAR ? `${anyChar}*` : t === QMARK ? anyChar : escapeRe(t))).join('');
}

/** Compiles a path glob (syntax already checked by the schema: absolute, `**` whole segments). */
export function parsePathGlob(source: string): PathGlob {
  const parts = source === '/' ? [] : source.slice(1).split('/');
  const segments: Segment[] = parts.map((p) => (p === '**' ? { any: true } : { any: false, tokens: tokenize(p) }));
  let literalPrefix = '';
  let depth = 0;
  for (const s of segments) {
    if (s.any || s.tokens.some((t) => typeof t !== 'string')) break;
    literalPrefix += `/${s.tokens.join('')}`;
    depth++;
  }
  const kind = depth === segments.length ? 'exact' : depth === segments.length - 1 && segments[depth]!.any ? 'subtree' : 'pattern';
  // The root path "/" is matched as the empty string, so "/**" and "/" both match it.
  const body = segments.map((s) => (s.any ? '(?:/[^/]+)*' : `/${tokensToRe(s.tokens, '[^/]')}`)).join('');
  return { source, segments, literalPrefix, depth, kind, regex: new RegExp(`^${body}$`, 'u') };
}

/** Does a normalized absolute guest path match? */
export function matchPath(glob: PathGlob, path: string): boolean {
  // The two common shapes without a regex: an exact path, and a whole subtree.
  const lit = glob.literalPrefix;
  if (glob.kind === 'exact') return path === (lit === '' ? '/' : lit);
  if (glob.kind === 'subtree') return lit === '' || path === lit || (path.length > lit.length && path.charCodeAt(lit.length) === 0x2f && path.startsWith(lit));
  return glob.regex.test(path === '/' ? '' : path);
}

/** Compiles an environment variable glob. */
export function parseEnvGlob(source: string): EnvGlob {
  const tokens = tokenize(source);
  const firstWild = tokens.findIndex((t) => typeof t !== 'string');
  const shape = firstWild === -1 ? { literal: source } : firstWild === tokens.length - 1 && tokens[firstWild] === STAR ? { prefix: source.slice(0, -1) } : {};
  return { source, tokens, ...shape, regex: new RegExp(`^${tokensToRe(tokens, '[^]')}$`, 'u') };
}

/** Does an environment variable name match? */
export function matchEnv(glob: EnvGlob, name: string): boolean {
  if (glob.literal !== undefined) return name === glob.literal;
  if (glob.prefix !== undefined) return name.startsWith(glob.prefix);
  return glob.regex.test(name);
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

/** True when every string the tokens `a` match is matched by `b` (within one segment). Sound; complete for the usual shapes. */
function tokensSubset(a: readonly Token[], b: readonly Token[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (p: number, q: number): boolean => {
    const key = p * (b.length + 1) + q;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    const bt = b[q];
    if (q === b.length) r = p === a.length;
    else if (bt === STAR) r = go(p, q + 1) || (p < a.length && go(p + 1, q));
    else if (bt === QMARK) r = p < a.length && a[p] !== STAR && go(p + 1, q + 1);
    else r = p < a.length && a[p] === bt && go(p + 1, q + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** True when every path glob `a` matches, glob `b` matches too. */
export function pathGlobSubset(a: PathGlob, b: PathGlob): boolean {
  // Exact for the common shapes: an exact path, a subtree, and a literal prefix that cannot fit.
  const under = (x: string, y: string) => y === '' || x === y || (x.startsWith(y) && x.charCodeAt(y.length) === 0x2f);
  if (b.kind === 'exact') return a.kind === 'exact' && a.literalPrefix === b.literalPrefix;
  if (b.kind === 'subtree') return under(a.literalPrefix, b.literalPrefix);
  if (!under(a.literalPrefix, b.literalPrefix)) return false;
  const A = a.segments;
  const B = b.segments;
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (B.length + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    const bs = B[j];
    const as = A[i];
    if (bs === undefined) r = i === A.length;
    else if (bs.any) r = go(i, j + 1) || (i < A.length && go(i + 1, j));
    else r = as !== undefined && !as.any && tokensSubset(as.tokens, bs.tokens) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

export function envGlobSubset(a: EnvGlob, b: EnvGlob): boolean {
  return tokensSubset(a.tokens, b.tokens);
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
