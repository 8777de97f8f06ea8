/**
 * Subset tests between path globs and between env globs (paths.ts): does every path (name) one
 * glob matches, match the other too? The policy validator proves with them that a layer only
 * narrows what the layer above grants. Sound — a `true` is a proof — and complete for the usual
 * shapes; memoized searches under a work budget, because a policy's globs are its author's to choose.
 */
import type { EnvGlob, PathGlob } from './paths.ts';
import { QMARK, STAR, type Token } from './tokens.ts';

/**
 * The work budget of the subset tests (the validator's containment checks compare rules pairwise,
 * and a policy's globs are its author's to choose — the review's 80 KB document of 400 globs with
 * 16 `**` and 16 `*` each took 15 s). Every test spends at least one step; one test may spend at
 * most `perTest`, all of them together `left`. A test stopped by the budget answers `false`, "not
 * proved", and sets `overrun`: the caller decides what that means for its check (a widening check
 * refuses, a warning check notes that it skipped).
 */
export interface SubsetBudget {
  /** Steps left for every test still to come. */
  left: number;
  /** The most steps one test may take. */
  readonly perTest: number;
  /** Steps spent so far (every test, stopped or not). */
  spent: number;
  /** How many tests the budget stopped. */
  overruns: number;
}

/**
 * Charges `n` steps of work about to be done; true when the budget cannot pay them (the work is
 * then skipped, and only what was left counts as spent).
 */
export function charge(budget: SubsetBudget, n: number): boolean {
  budget.spent += Math.min(n, Math.max(budget.left, 0));
  budget.left -= n;
  return budget.left < 0;
}

/** A budget of `total` steps, `perTest` at most per test. */
export function subsetBudget(total: number, perTest: number): SubsetBudget {
  return { left: total, perTest, spent: 0, overruns: 0 };
}

/** One test's step count against its limit; `Overrun` unwinds the search when it is reached. */
interface Work {
  steps: number;
  limit: number;
}
class Overrun {}
const OVERRUN = new Overrun();

function tick(w: Work, n = 1): void {
  w.steps += n;
  if (w.steps > w.limit) throw OVERRUN;
}

/** The work of the test under way (tests do not nest): one object, so a test allocates nothing for its budget. */
const work: Work = { steps: 0, limit: Infinity };

/** Starts a test under the budget (no budget: unbounded, as before). */
function begin(budget: SubsetBudget | undefined): Work {
  work.steps = 0;
  work.limit = budget === undefined ? Infinity : Math.max(0, Math.min(budget.perTest, budget.left));
  return work;
}

/** Ends a test: charges its steps, and turns an overrun into "not proved". */
function end(budget: SubsetBudget | undefined, r: boolean | typeof OVERRUN): boolean {
  if (budget !== undefined) {
    const spent = Math.min(work.steps, work.limit);
    budget.spent += spent;
    budget.left -= spent;
    if (r === OVERRUN) budget.overruns++;
  }
  return r === true;
}

/**
 * Necessary conditions of `tokensSubset`, in linear time: each literal or `?` of `b` takes exactly
 * one non-`*` token of `a` (a literal the same one), so `b`'s tokens before its first `*` and after
 * its last line up with `a`'s first and last tokens, and `a` has at least as many non-`*` tokens.
 * (`b` without `*` lines up entirely: then this is the whole answer.)
 */
function tokensMayFit(a: readonly Token[], b: readonly Token[]): boolean {
  const fits = (x: Token | undefined, y: Token) => x !== undefined && (y === QMARK ? x !== STAR : x === y);
  const firstStar = b.indexOf(STAR);
  if (firstStar === -1) return a.length === b.length && b.every((y, i) => fits(a[i], y));
  const lastStar = b.lastIndexOf(STAR);
  const tail = b.length - 1 - lastStar;
  if (a.length < firstStar + tail) return false;
  for (let i = 0; i < firstStar; i++) if (!fits(a[i], b[i]!)) return false;
  for (let k = 1; k <= tail; k++) if (!fits(a[a.length - k], b[b.length - k]!)) return false;
  let need = 0;
  for (const y of b) if (y !== STAR) need++;
  for (const x of a) if (x !== STAR && --need <= 0) return true;
  return need <= 0;
}

/**
 * The memo of one search: states by number, in generation-stamped rows that are reused from test
 * to test (no allocation, nothing to clear), or a Map for a search with more states than a row holds.
 */
class Memo {
  private static readonly ROW = 1 << 16;
  private readonly stamp = new Uint32Array(Memo.ROW);
  private readonly value = new Uint8Array(Memo.ROW);
  private gen = 0;
  private map: Map<number, boolean> | undefined;

  /** Starts a search over `states` states. */
  reset(states: number): void {
    this.map = states > Memo.ROW ? new Map() : undefined;
    if (++this.gen === 0x100000000) {
      this.stamp.fill(0);
      this.gen = 1;
    }
  }

  get(key: number): boolean | undefined {
    if (this.map) return this.map.get(key);
    return this.stamp[key] === this.gen ? this.value[key] === 1 : undefined;
  }

  set(key: number, v: boolean): void {
    if (this.map) this.map.set(key, v);
    else {
      this.stamp[key] = this.gen;
      this.value[key] = v ? 1 : 0;
    }
  }
}
// One memo per level: a path search runs token searches inside it (and neither runs itself again).
const segmentMemo = new Memo();
const tokenMemo = new Memo();

/** True when every string the tokens `a` match is matched by `b` (within one segment). Sound; complete for the usual shapes. */
function tokensSubset(a: readonly Token[], b: readonly Token[], w: Work): boolean {
  // The linear pre-check costs a step per 16 tokens it reads; the search a step per state.
  tick(w, (a.length + b.length) >> 4);
  if (!tokensMayFit(a, b)) return false;
  if (!b.includes(STAR)) return true;
  const memo = tokenMemo;
  memo.reset((a.length + 1) * (b.length + 1));
  const go = (p: number, q: number): boolean => {
    const key = p * (b.length + 1) + q;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    tick(w);
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

/**
 * True when every path glob `a` matches, glob `b` matches too. Sound (a `true` is a proof);
 * `false` when not proved — also when `budget` stopped the test (`budget.overruns` counts it).
 */
export function pathGlobSubset(a: PathGlob, b: PathGlob, budget?: SubsetBudget): boolean {
  const w = begin(budget);
  let r: boolean | typeof OVERRUN;
  try {
    tick(w);
    r = pathSubset(a, b, w);
  } catch (e) {
    if (e !== OVERRUN) throw e;
    r = OVERRUN;
  }
  return end(budget, r);
}

function pathSubset(a: PathGlob, b: PathGlob, w: Work): boolean {
  // Exact for the common shapes: an exact path, a subtree, and a literal prefix that cannot fit.
  const under = (x: string, y: string) => y === '' || x === y || (x.startsWith(y) && x.charCodeAt(y.length) === 0x2f);
  if (b.kind === 'exact') return a.kind === 'exact' && a.literalPrefix === b.literalPrefix;
  if (b.kind === 'subtree') return under(a.literalPrefix, b.literalPrefix);
  if (!under(a.literalPrefix, b.literalPrefix)) return false;
  if (a.source === b.source) return true;
  const A = a.segments;
  const B = b.segments;
  // Necessary conditions of the search below, each linear: `b`'s last segment, when not `**`,
  // takes `a`'s last, whose literal tail then ends with `b`'s (tokensMayFit); each segment pattern
  // of `b` takes one segment pattern of `a`, and `a`'s `**` segments only `b`'s `**` can take.
  tick(w, (A.length + B.length) >> 4);
  if (b.literalSuffix !== '' && !a.literalSuffix.endsWith(b.literalSuffix)) return false;
  let bAny = 0;
  let aAny = 0;
  for (const s of B) if (s.any) bAny++;
  for (const s of A) if (s.any) aAny++;
  if (B.length - bAny > A.length - aAny || (bAny === 0 && (aAny > 0 || A.length !== B.length))) return false;
  const memo = segmentMemo;
  memo.reset((A.length + 1) * (B.length + 1));
  const go = (i: number, j: number): boolean => {
    const key = i * (B.length + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    tick(w);
    let r: boolean;
    const bs = B[j];
    const as = A[i];
    if (bs === undefined) r = i === A.length;
    else if (bs.any) r = go(i, j + 1) || (i < A.length && go(i + 1, j));
    else r = as !== undefined && !as.any && tokensSubset(as.tokens, bs.tokens, w) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** True when every name env glob `a` matches, `b` matches too; as `pathGlobSubset`, under `budget`. */
export function envGlobSubset(a: EnvGlob, b: EnvGlob, budget?: SubsetBudget): boolean {
  const w = begin(budget);
  let r: boolean | typeof OVERRUN;
  try {
    tick(w);
    r = a.source === b.source || tokensSubset(a.tokens, b.tokens, w);
  } catch (e) {
    if (e !== OVERRUN) throw e;
    r = OVERRUN;
  }
  return end(budget, r);
}
