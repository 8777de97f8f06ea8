/**
 * Validation cost (F2 of the security review): a small policy document blocked the whole server —
 * an 80 KB run layer of 400 deny rules, each one glob of 16 `**` and 16 `*`, took 15 s to
 * validate, because the validator compares rules pairwise (redundant/shadowed/widens-parent) and
 * each glob subset test explored thousands of states. The comparisons now run under a work
 * budget (VALIDATION_BUDGET): a test that overruns gives the answer that fails closed for its
 * check — "not proved narrower" refuses a widening, a warning check is skipped with an
 * `unchecked` note. These tests count the validator's steps (a meter) rather than time it,
 * apart from one generous sanity bound.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { charge, envGlobSubset, parseEnvGlob, parsePathGlob, pathGlobSubset, subsetBudget } from '../../src/lib/glob/index.ts';
import { compilePolicy, parsePolicy, validatePolicyGraph, type PolicyDocument, type ValidationIssue } from '../../src/trust/index.ts';
import { VALIDATION_BUDGET } from '../../src/trust/validate.ts';
import { isKernelError } from '../../src/errors.ts';

/** The review's glob: 16 `**` segments, then one segment of 16 `*`. */
const HEAVY = '/' + Array(16).fill('**').join('/') + '/' + 'a*'.repeat(16) + 'b';

type Rule = Record<string, unknown>;
const doc = (id: string, layer: string, rules: Rule[]): PolicyDocument => parsePolicy({ version: 1, id, layer, rules });

/** Validates with a step meter; returns the issues, the steps and the time. */
function measured(graph: PolicyDocument[]): { issues: ValidationIssue[]; steps: number; ms: number } {
  const meter = { steps: 0 };
  const t0 = performance.now();
  const issues = validatePolicyGraph(graph, meter);
  return { issues, steps: meter.steps, ms: performance.now() - t0 };
}

/** The bound the meter must stay within: the documented budgets, whatever the document. */
const BOUND = VALIDATION_BUDGET.warnings + VALIDATION_BUDGET.widening;

function bounded(name: string, graph: PolicyDocument[]): ValidationIssue[] {
  const { issues, steps, ms } = measured(graph);
  assert.ok(steps <= BOUND, `${name}: ${steps} steps, over the budget of ${BOUND}`);
  assert.ok(ms < 2000, `${name}: sanity bound only: took ${ms.toFixed(0)} ms`);
  return issues;
}

const codes = (issues: ValidationIssue[]) => [...new Set(issues.map((i) => `${i.severity} ${i.code}`))].sort();

describe('validation runs under a work budget (F2)', () => {
  it('the repro: 400 deny rules with one heavy glob each (80 KB) — bounded, deny-only so still valid', () => {
    // 02-policy-validation-stall.sh, with the run layer under a platform layer that allows paths.
    const rules = Array.from({ length: 400 }, (_, j) => ({ id: `r${j}`, effect: 'deny', actions: ['path_open'], resources: { paths: [HEAVY + 'c'.repeat(j % 50 + 1) + String(j)] } }));
    const platform = doc('plat', 'platform', [{ id: 'all', effect: 'allow', actions: ['path_open'], resources: { paths: ['/**'] } }]);
    const graph = [platform, doc('slow', 'run', rules)];
    assert.ok(JSON.stringify(graph[1]).length < 100_000);
    const issues = bounded('400 heavy denies', graph);
    assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
    compilePolicy(graph);
  });

  it('the same with one shared literal suffix (the cheap rejections cannot help): bounded, an unchecked note', () => {
    const rules = Array.from({ length: 400 }, (_, j) => ({ id: `r${j}`, effect: 'deny', actions: ['path_open'],
      resources: { paths: ['/' + Array(16).fill('**').join('/') + '/' + 'a*'.repeat(8) + `c${j}` + 'a*'.repeat(8) + 'b'] } }));
    const issues = bounded('400 heavy denies, one suffix', [doc('slow', 'platform', rules)]);
    assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
    const note = issues.find((i) => i.code === 'unchecked');
    assert.ok(note, JSON.stringify(codes(issues)));
    assert.equal(note.severity, 'warning');
    assert.match(note.message, /work budget/);
  });

  it('two rules of 1,024 heavy globs each, in one layer: bounded', () => {
    const globs = (tag: string) => Array.from({ length: 1024 }, (_, k) => `${HEAVY}${tag}${k}`);
    bounded('two 1,024-glob rules', [doc('slow', 'platform', [
      { id: 'a', effect: 'deny', actions: ['path_open'], resources: { paths: globs('') } },
      { id: 'b', effect: 'deny', actions: ['path_open'], resources: { paths: globs('') } },
    ])]);
  });

  it('a lower layer repeating its parent\'s 1,024 heavy globs: bounded, and proved narrower (a verbatim glob is found first)', () => {
    const globs = Array.from({ length: 1024 }, (_, k) => `${HEAVY}${k}`);
    const graph = [doc('plat', 'platform', [{ id: 'p', effect: 'allow', actions: ['path_open'], resources: { paths: globs } }]),
      doc('run', 'run', [{ id: 'r', effect: 'allow', actions: ['path_open'], resources: { paths: [...globs].reverse() } }])];
    assert.deepEqual(bounded('1,024 under the same 1,024', graph), []);
    compilePolicy(graph);
  });

  it('a lower layer of 1,024 heavy globs the parent does not list verbatim: bounded, and refused (not proved narrower)', () => {
    const g = (tag: string, k: number) => '/' + Array(16).fill('**').join('/') + '/' + 'a*'.repeat(8) + `c${k}${tag}` + 'a*'.repeat(8) + 'b';
    const graph = [doc('plat', 'platform', [{ id: 'p', effect: 'allow', actions: ['path_open'], resources: { paths: Array.from({ length: 1024 }, (_, k) => g('', k)) } }]),
      doc('run', 'run', [{ id: 'r', effect: 'allow', actions: ['path_open'], resources: { paths: Array.from({ length: 1024 }, (_, k) => g('a', k)) } }])];
    const issues = bounded('1,024 under 1,024', graph);
    const err = issues.find((i) => i.code === 'widens-parent');
    assert.ok(err, JSON.stringify(codes(issues)));
    assert.equal(err.severity, 'error');
    assert.equal(err.path, 'layers[1].rules[0]');
    assert.match(err.message, /work budget/);
    assert.throws(() => compilePolicy(graph), (e) => isKernelError(e, 'POLICY_INVALID') && e.details['path'] === 'layers[1].rules[0]');
  });

  it('a layer at the rule limit (4,096 heavy allows, one suffix) under a heavy parent: bounded', () => {
    const g = (j: number) => '/' + Array(16).fill('**').join('/') + '/' + 'a*'.repeat(8) + `c${j}` + 'a*'.repeat(8) + 'b';
    const parent = Array.from({ length: 512 }, (_, j) => ({ id: `p${j}`, effect: 'allow', actions: ['path_open'], resources: { paths: [g(j)] } }));
    const child = Array.from({ length: 4096 }, (_, j) => ({ id: `c${j}`, effect: 'allow', actions: ['path_open'], resources: { paths: [g(j % 512)] } }));
    const issues = bounded('4,096 under 512', [doc('plat', 'platform', parent), doc('run', 'run', child)]);
    assert.deepEqual(issues.filter((i) => i.severity === 'error'), [], 'each child glob is a parent glob verbatim');
    assert.ok(issues.some((i) => i.code === 'unchecked'), JSON.stringify(codes(issues)));
  });

  it('a rule of 1,024 paths and 1,024 env globs (a million cells for the widening check): bounded', () => {
    const rule = { id: 'r', effect: 'allow', actions: ['path_open'], resources: { paths: Array.from({ length: 1024 }, (_, k) => `/d/${k}`), env: Array.from({ length: 1024 }, (_, k) => `E${k}`) } };
    const issues = bounded('1,024 × 1,024 cells', [doc('plat', 'platform', [{ id: 'p', effect: 'allow', actions: ['path_open'], resources: { paths: ['/d/**'] } }]),
      doc('run', 'run', [rule])]);
    assert.ok(issues.some((i) => i.severity === 'error' && i.code === 'widens-parent'), JSON.stringify(codes(issues)));
  });

  it('rules with many fds and labels: each comparison costs its lists, counted', () => {
    const labels = Object.fromEntries(Array.from({ length: 2000 }, (_, k) => [`l${k}`, 'v']));
    const rules = Array.from({ length: 300 }, (_, j) => ({ id: `f${j}`, effect: 'allow', actions: ['fd_write'], subject: { labels }, resources: { fds: Array.from({ length: 2000 }, (_, k) => k + j) } }));
    bounded('fds and labels', [doc('plat', 'platform', rules), doc('run', 'run', rules.map((r) => ({ ...r, id: `run.${r.id}` })))]);
  });

  it('an unknown action a megabyte long gets no suggestion, and costs no quadratic work', () => {
    const issues = bounded('long action', [doc('plat', 'platform', [{ id: 'x', effect: 'allow', actions: ['path_open'.repeat(100_000)] }])]);
    const u = issues.find((i) => i.code === 'unknown-action');
    assert.ok(u);
    assert.doesNotMatch(u.message, /did you mean/);
  });

  it('4,096 rules without paths (every pair a candidate): bounded', () => {
    const rules = Array.from({ length: 4096 }, (_, j) => ({ id: `e${j}`, effect: 'allow', actions: ['environ_get'], resources: { env: [`${'A*'.repeat(16)}${j}`] } }));
    bounded('4,096 env rules', [doc('plat', 'platform', rules), doc('run', 'run', rules.map((r) => ({ ...r, id: `run.${r.id}` })))]);
  });

  it('an ordinary large graph is checked in full: no unchecked note, and well inside the budget', () => {
    // Shaped like test/bench/policy.bench.ts's 1,000-rule graph.
    const plat: Rule[] = [{ id: 'stdio', effect: 'allow', actions: ['stdio'] }];
    for (let i = 0; plat.length < 700; i++) {
      plat.push(i % 5 === 4
        ? { id: `p.deny${i}`, effect: 'deny', actions: ['fs.read', 'path_open'], resources: { paths: [`/data/t${i % 40}/d${i - 1}/*.key`] } }
        : { id: `p.dir${i}`, effect: 'allow', actions: ['path_open', 'path_filestat_get', 'fs.read'], resources: { paths: [`/data/t${i % 40}/d${i}/**`] } });
    }
    const tenant: Rule[] = [];
    for (let i = 0; tenant.length < 300; i++) {
      if (i % 5 === 4) continue;
      tenant.push({ id: `t.allow${i}`, effect: 'allow', actions: ['path_open', 'fs.read'], subject: { tenant: `t${i % 40}` },
        resources: { paths: [`/data/t${i % 40}/d${i}/pub/**`, `/data/t${i % 40}/d${i}/*.txt`, '/data/**/x/*.json'] } });
    }
    const { issues, steps } = measured([doc('platform', 'platform', plat), doc('tenants', 'tenant', tenant)]);
    assert.equal(issues.filter((i) => i.code === 'unchecked').length, 0);
    assert.ok(issues.some((i) => i.code === 'widens-parent'), 'the "/data/**/x/*.json" glob is outside every platform rule');
    assert.ok(steps < BOUND / 10, `${steps} steps`);
  });
});

// ── the subset test's cheap rejections change no answer ─────────────────────────────────────

/** The subset tests as they were before the budget and the pre-checks (over the glob text). */
function oldTokensSubset(a: string[], b: string[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (p: number, q: number): boolean => {
    const key = p * (b.length + 1) + q;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    const bt = b[q];
    if (q === b.length) r = p === a.length;
    else if (bt === '*') r = go(p, q + 1) || (p < a.length && go(p + 1, q));
    else if (bt === '?') r = p < a.length && a[p] !== '*' && go(p + 1, q + 1);
    else r = p < a.length && a[p] === bt && go(p + 1, q + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

function oldPathSubset(a: string, b: string): boolean {
  const A = parsePathGlob(a);
  const B = parsePathGlob(b);
  const under = (x: string, y: string) => y === '' || x === y || (x.startsWith(y) && x.charCodeAt(y.length) === 0x2f);
  if (B.kind === 'exact') return A.kind === 'exact' && A.literalPrefix === B.literalPrefix;
  if (B.kind === 'subtree') return under(A.literalPrefix, B.literalPrefix);
  if (!under(A.literalPrefix, B.literalPrefix)) return false;
  const SA = a === '/' ? [] : a.slice(1).split('/');
  const SB = b === '/' ? [] : b.slice(1).split('/');
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (SB.length + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    const bs = SB[j];
    const as = SA[i];
    if (bs === undefined) r = i === SA.length;
    else if (bs === '**') r = go(i, j + 1) || (i < SA.length && go(i + 1, j));
    else r = as !== undefined && as !== '**' && oldTokensSubset([...as], [...bs]) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

describe('the budgeted subset tests answer as before within their budget', () => {
  const CH = ['a', 'b', '.', '\u{1F600}'];
  const seg = (extra: string[]) => fc.array(fc.constantFrom(...CH, ...extra), { maxLength: 5 }).map((c) => c.join(''));
  const glob = fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant('**') }, { weight: 3, arbitrary: seg(['*', '?']) }), { maxLength: 5 }).map((x) => `/${x.join('/')}`);
  // Pairs that share structure, so the search (not only the pre-checks) decides many of them.
  const pair = fc.oneof(fc.tuple(glob, glob), glob.chain((g) => fc.tuple(fc.constant(g), fc.constantFrom(g, g.replace(/a/g, '?'), g.replace(/b/g, '*'), g.replace(/\/[^/]*$/, '/**'), `/**${g === '/' ? '' : g}`))));

  it('path globs', () => {
    fc.assert(fc.property(pair, ([a, b]) => {
      const want = oldPathSubset(a, b);
      const budget = subsetBudget(VALIDATION_BUDGET.warnings, VALIDATION_BUDGET.perTest);
      return pathGlobSubset(parsePathGlob(a), parsePathGlob(b)) === want && pathGlobSubset(parsePathGlob(a), parsePathGlob(b), budget) === want && budget.overruns === 0;
    }), { seed: 12, numRuns: 6000 });
  });

  it('env globs', () => {
    fc.assert(fc.property(seg(['*', '?']), seg(['*', '?']), (a, b) => oldTokensSubset([...a], [...b]) === envGlobSubset(parseEnvGlob(a), parseEnvGlob(b))), { seed: 13, numRuns: 6000 });
  });

  it('a test over its budget answers "not proved" and counts the overrun', () => {
    const a = parsePathGlob(HEAVY + 'c1');
    const b = parsePathGlob('/' + Array(16).fill('**').join('/') + '/' + 'a*'.repeat(16) + '*c1');
    const budget = subsetBudget(1_000_000, 50);
    assert.equal(pathGlobSubset(a, b, budget), false);
    assert.equal(budget.overruns, 1);
    assert.equal(budget.spent, 50);
    assert.equal(pathGlobSubset(a, b), true, 'unbounded, it is proved');
    // A spent budget: every further test answers at once, and nothing more is counted.
    const gone = subsetBudget(10, 50);
    assert.equal(charge(gone, 20), true);
    assert.equal(pathGlobSubset(a, a, gone) || pathGlobSubset(a, b, gone), false);
    assert.deepEqual([gone.spent, gone.left], [10, -10]);
  });
});
