/**
 * Property: for random policy graphs, subjects and requests, the compiled decision tables decide
 * exactly as a naive reference evaluator written here from the documented semantics (docs/policy.md)
 * — no index, no memo, its own glob matcher — does: same effect, same rule ids, same monitor flag.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ACTION_GROUPS, type ActionGroup, type SyscallName } from '../../src/ports/syscalls.ts';
import type { SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { compileChecked } from '../../src/trust/compile.ts';
import { decide, parsePolicy, type PolicyDocument, type PolicyRule, type Subject } from '../../src/trust/index.ts';
import { DEFAULT_GROUP } from '../../src/ports/syscalls.ts';

// ── the reference evaluator ─────────────────────────────────────────────────────────────────

/** Does a glob segment (with * and ?) match a string? Plain backtracking over characters. */
function segMatch(g: string, s: string): boolean {
  if (g === '') return s === '';
  if (g[0] === '*') return segMatch(g.slice(1), s) || (s !== '' && segMatch(g, s.slice(1)));
  if (s === '') return false;
  return (g[0] === '?' || g[0] === s[0]) && segMatch(g.slice(1), s.slice(1));
}

const segs = (p: string) => (p === '/' ? [] : p.slice(1).split('/'));

function pathMatch(glob: string, path: string): boolean {
  const G = segs(glob);
  const S = segs(path);
  const go = (i: number, j: number): boolean => {
    if (i === G.length) return j === S.length;
    if (G[i] === '**') return go(i + 1, j) || (j < S.length && go(i, j + 1));
    return j < S.length && segMatch(G[i]!, S[j]!) && go(i + 1, j + 1);
  };
  return go(0, 0);
}

/**
 * The glob matches the path or some normalized path below it (one or more further segments):
 * what a deny rule asks of a call that moves a whole subtree (docs: path_rename).
 */
function pathMatchOrBelow(glob: string, path: string): boolean {
  const G = segs(glob);
  const S = segs(path);
  const viable = (g: string) => g === '**' || (g !== '' && g !== '.' && g !== '..');
  const go = (i: number, j: number): boolean => {
    if (j === S.length) return i === G.length || G.slice(i).every(viable);
    if (i === G.length) return false;
    if (G[i] === '**') return go(i + 1, j) || go(i, j + 1);
    return segMatch(G[i]!, S[j]!) && go(i + 1, j + 1);
  };
  return G.every(viable) && go(0, 0);
}

/** Calls that move or replace a whole subtree (docs/policy.md § What "matches" means). */
const MOVES_SUBTREE = new Set(['path_rename']);

const normalized = (p: string) => p === '/' || (p.startsWith('/') && segs(p).every((x) => x !== '' && x !== '.' && x !== '..'));

function subjectOk(m: PolicyRule['subject'], s: Subject): boolean {
  if (!m) return true;
  const fields = ['packageName', 'packageDigest', 'signer', 'signed', 'tenant'] as const;
  return fields.every((f) => m[f] === undefined || m[f] === s[f]) && Object.entries(m.labels ?? {}).every(([k, v]) => s.labels?.[k] === v);
}

const covers = (r: PolicyRule, q: SyscallRequest) => r.actions.includes('*') || r.actions.includes(q.syscall) || r.actions.includes(q.group);

function ruleMatches(r: PolicyRule, q: SyscallRequest, s: Subject): boolean {
  if (!covers(r, q) || !subjectOk(r.subject, s)) return false;
  const isAllow = r.effect === 'allow';
  const carried = [q.path, q.path2].filter((p): p is string => p !== undefined);
  const globs = r.resources?.paths;
  if (globs) {
    if (q.path === undefined) return false;
    const below = !isAllow && MOVES_SUBTREE.has(q.syscall);
    const hit = (p: string) => globs.some((g) => (below ? pathMatchOrBelow(g, p) : pathMatch(g, p)));
    if (isAllow ? !carried.every(hit) : !carried.some(hit)) return false;
  } else if (isAllow && q.path !== undefined) return false;
  const env = r.resources?.env;
  if (env) {
    if (q.env === undefined || !env.some((g) => segMatch(g, q.env!))) return false;
  } else if (isAllow && q.env !== undefined) return false;
  if (r.resources?.fds && (q.fd === undefined || !r.resources.fds.includes(q.fd))) return false;
  const b = r.conditions?.bytes;
  if (b && (q.bytes === undefined || (b.min !== undefined && q.bytes < b.min) || (b.max !== undefined && q.bytes > b.max))) return false;
  const acc = r.conditions?.access;
  if (acc && (q.access === undefined || !acc.includes(q.access))) return false;
  return true;
}

function reference(layers: PolicyDocument[], q: SyscallRequest, s: Subject): { effect: string; rules: string[]; monitored: boolean } {
  const deny = { effect: 'deny', rules: [] as string[], monitored: false };
  if (layers.length === 0 || [q.path, q.path2].some((p) => p !== undefined && !normalized(p))) return deny;
  const denyIds: string[] = [];
  const allowIds: string[] = [];
  let refused = false;
  let monitored = false;
  layers.forEach((L, i) => {
    const enforce = L.mode === 'enforce';
    const d = L.rules.filter((r) => r.effect === 'deny' && ruleMatches(r, q, s));
    const a = L.rules.filter((r) => r.effect === 'allow' && ruleMatches(r, q, s));
    let verdict: 'deny' | 'allow' | 'not-granted' | 'abstain';
    if (d.length > 0) verdict = 'deny';
    else if (a.length > 0) verdict = 'allow';
    else if (i > 0 && L.unlisted === 'inherit' && !L.rules.some((r) => r.effect === 'allow' && covers(r, q) && subjectOk(r.subject, s))) verdict = 'abstain';
    else verdict = 'not-granted';
    if (verdict === 'allow') allowIds.push(...a.map((r) => r.id));
    if (verdict === 'deny' || verdict === 'not-granted') {
      if (!enforce) monitored = true;
      else if (verdict === 'deny') denyIds.push(...d.map((r) => r.id));
      else refused = true;
    }
  });
  if (denyIds.length > 0) return { effect: 'deny', rules: denyIds, monitored: false };
  if (refused) return deny;
  return { effect: 'allow', rules: allowIds, monitored };
}

// ── generators ───────────────────────────────────────────────────────────────────────────────

const SYSCALLS: SyscallName[] = ['path_open', 'path_rename', 'path_filestat_get', 'fd_write', 'fd_read', 'environ_get', 'random_get', 'clock_time_get', 'proc_exit'];
const ACTIONS = [...SYSCALLS, 'fs.read', 'fs.write', 'fs.meta', 'stdio', 'env', 'clock', 'random', '*'];
const GLOB_SEGS = ['a', 'b', 'ab', '*', '?', '**', 'a*', '*b', '?b'];
const PATH_SEGS = ['a', 'b', 'ab', 'bb', 'x', 'cab'];

const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const glob = fc.oneof(fc.constant('/'), fc.array(fc.constantFrom(...GLOB_SEGS), { minLength: 1, maxLength: 3 }).map((s) => `/${s.join('/')}`));
const path = fc.oneof({ weight: 12, arbitrary: fc.array(fc.constantFrom(...PATH_SEGS), { maxLength: 3 }).map((s) => `/${s.join('/')}`) },
  { weight: 1, arbitrary: fc.constantFrom('/a/../b', '/a/', 'a/b', '/./a') });
const envName = fc.constantFrom('HOME', 'HOST', 'PATH', 'LC_ALL');
const envGlob = fc.constantFrom('HOME', 'H*', '*', 'LC_?LL', 'P?TH');

const subjectClause = fc.record({
  packageName: optional(fc.constantFrom('p', 'q')),
  tenant: optional(fc.constantFrom('t', 'u')),
  signed: optional(fc.boolean()),
  signer: optional(fc.constantFrom('k1', 'k2')),
  labels: optional(fc.constantFrom({ x: '1' }, { x: '2' }, { x: '1', y: '1' })),
}, { requiredKeys: [] });

const rule = fc.record({
  effect: fc.constantFrom('allow', 'deny'),
  actions: fc.uniqueArray(fc.constantFrom(...ACTIONS), { minLength: 1, maxLength: 3 }),
  subject: fc.option(subjectClause, { nil: undefined, freq: 3 }),
  resources: optional(fc.record({
    paths: optional(fc.array(glob, { minLength: 1, maxLength: 3 })),
    env: optional(fc.array(envGlob, { minLength: 1, maxLength: 2 })),
    fds: optional(fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 })),
  }, { requiredKeys: [] })),
  conditions: optional(fc.record({
    bytes: optional(fc.record({ min: optional(fc.constantFrom(0, 10, 100)), max: optional(fc.constantFrom(0, 10, 100)) }, { requiredKeys: [] })
      .filter((b) => b.min !== undefined || b.max !== undefined)),
    access: optional(fc.uniqueArray(fc.constantFrom('read', 'write', 'readwrite'), { minLength: 1 })),
  }, { requiredKeys: [] })),
});

const LEVELS = ['platform', 'tenant', 'package', 'run'] as const;
const graph = fc.array(fc.record({
  mode: fc.constantFrom('enforce', 'enforce', 'monitor'),
  unlisted: fc.constantFrom('inherit', 'deny'),
  rules: fc.array(rule, { maxLength: 6 }),
}), { minLength: 1, maxLength: 3 }).map((ls) => ls.map((l, i) => parsePolicy(JSON.parse(JSON.stringify({
  version: 1, id: `L${i}`, layer: LEVELS[i], mode: l.mode, unlisted: l.unlisted,
  rules: l.rules.map((r, j) => ({ id: `L${i}.r${j}`, ...r })),
})))));

/** Concrete paths a glob matches (and near misses): "**" as zero, one and two segments, "*" as "" and "a", "?" as "b". */
function instances(g: string): string[] {
  let out = [''];
  for (const seg of segs(g)) {
    const options = seg === '**' ? ['', '/x', '/x/ab'] : [...new Set([seg.replace(/\*/g, '').replace(/\?/g, 'b'), seg.replace(/\*/g, 'a').replace(/\?/g, 'b')])].map((v) => `/${v}`);
    out = out.flatMap((o) => options.map((v) => o + v));
  }
  return out.map((p) => p || '/').filter((p) => p === '/' || (!p.includes('//') && !p.endsWith('/')));
}

/** The instances and their leading parts (`/a/b` → `/`, `/a`, `/a/b`): where a rename moves what a glob names. */
function instancesAndAbove(g: string): string[] {
  return instances(g).flatMap((p) => segs(p).map((_, n, all) => `/${all.slice(0, n).join('/')}`).concat([p]));
}

/** Requests biased toward what the graph talks about, so rules actually match (and nearly match). */
function requestFor(layers: PolicyDocument[]): fc.Arbitrary<SyscallRequest> {
  const rules = layers.flatMap((l) => l.rules);
  const named = rules.flatMap((r) => r.actions).filter((a): a is SyscallName => (SYSCALLS as string[]).includes(a));
  const paths = [...new Set(rules.flatMap((r) => r.resources?.paths ?? []).flatMap(instancesAndAbove))];
  const anyPath = paths.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...paths) }, { weight: 2, arbitrary: path }) : path;
  const syscall = named.length > 0 ? fc.oneof(fc.constantFrom(...named), fc.constantFrom(...SYSCALLS)) : fc.constantFrom(...SYSCALLS);
  const sometimes = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });
  return fc.record({
    syscall,
    refine: fc.option(fc.constantFrom(...ACTION_GROUPS), { nil: undefined, freq: 3 }),
    path: optional(anyPath),
    path2: sometimes(anyPath),
    env: sometimes(envName),
    fd: optional(fc.integer({ min: 0, max: 4 })),
    bytes: optional(fc.constantFrom(0, 5, 10, 50, 100, 1000)),
    access: optional(fc.constantFrom('read', 'write', 'readwrite')),
  }).map(({ syscall, refine, path2, ...rest }): SyscallRequest => JSON.parse(JSON.stringify({
    syscall, group: (refine ?? DEFAULT_GROUP[syscall]) as ActionGroup, ...rest, ...(rest.path !== undefined ? { path2 } : {}),
  })));
}

const subject = fc.record({
  signed: fc.boolean(),
  packageName: optional(fc.constantFrom('p', 'q')),
  tenant: optional(fc.constantFrom('t', 'u')),
  signer: optional(fc.constantFrom('k1', 'k2')),
  labels: optional(fc.constantFrom({ x: '1' }, { x: '2', y: '1' }, { x: '1', y: '1' })),
}).map((s): Subject => JSON.parse(JSON.stringify(s)));

describe('compiled tables against the reference evaluator', () => {
  it('decide the same effect, rule ids and monitor flag', () => {
    const scenario = graph.chain((layers) => fc.tuple(fc.constant(layers), fc.array(fc.tuple(requestFor(layers), subject), { minLength: 1, maxLength: 16 })));
    fc.assert(fc.property(scenario, ([layers, cases]) => {
      const compiled = compileChecked(layers, []);
      for (const [q, s] of cases) {
        const want = reference(layers, q, s);
        const got = decide(compiled, q, s);
        assert.deepEqual({ effect: got.effect, rules: [...got.rules], monitored: got.monitored === true }, want,
          `request ${JSON.stringify(q)} subject ${JSON.stringify(s)}\nreason: ${got.reason}`);
        assert.ok(got.reason.length > 0 && got.reason.endsWith('.'));
      }
    }), { numRuns: 1000 });
  });

  it('on path-only graphs (globs, two-path calls, deny over allow) too', () => {
    const pathRule = fc.record({
      effect: fc.constantFrom('allow', 'allow', 'deny'),
      actions: fc.constantFrom(['path_open'], ['path_rename'], ['path_open', 'path_rename'], ['fs.read'], ['*']),
      resources: fc.record({ paths: fc.array(glob, { minLength: 1, maxLength: 2 }) }),
    });
    const pathGraph = fc.array(fc.record({ unlisted: fc.constantFrom('inherit', 'deny'), rules: fc.array(pathRule, { minLength: 1, maxLength: 5 }) }), { minLength: 1, maxLength: 2 })
      .map((ls) => ls.map((l, i) => parsePolicy({ version: 1, id: `L${i}`, layer: LEVELS[i], unlisted: l.unlisted, rules: l.rules.map((r, j) => ({ id: `L${i}.r${j}`, ...r })) })));
    const scenario = pathGraph.chain((layers) => {
      const paths = [...new Set(layers.flatMap((l) => l.rules.flatMap((r) => r.resources?.paths ?? [])).flatMap(instancesAndAbove))];
      const p = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...paths) }, { weight: 1, arbitrary: path });
      const q = fc.tuple(fc.constantFrom<SyscallName>('path_open', 'path_rename'), p, p).map(([syscall, a, b]): SyscallRequest =>
        ({ syscall, group: DEFAULT_GROUP[syscall], path: a, ...(syscall === 'path_rename' ? { path2: b } : {}) }));
      return fc.tuple(fc.constant(layers), fc.array(q, { minLength: 1, maxLength: 16 }));
    });
    fc.assert(fc.property(scenario, ([layers, requests]) => {
      const compiled = compileChecked(layers, []);
      const s: Subject = { signed: false };
      for (const q of requests) {
        const got = decide(compiled, q, s);
        assert.deepEqual({ effect: got.effect, rules: [...got.rules], monitored: got.monitored === true }, reference(layers, q, s), `request ${JSON.stringify(q)}: ${got.reason}`);
      }
    }), { numRuns: 500 });
  });

  it('asking twice (memoized tables) answers the same', () => {
    fc.assert(fc.property(graph.chain((l) => fc.tuple(fc.constant(l), requestFor(l), subject)), ([layers, q, s]) => {
      const compiled = compileChecked(layers, []);
      assert.deepEqual(decide(compiled, q, s), decide(compiled, q, s));
    }), { numRuns: 200 });
  });

  it('the reference glob matcher agrees with the examples in docs/policy.md', () => {
    assert.ok(pathMatch('/data/**', '/data') && pathMatch('/data/**', '/data/a/b') && !pathMatch('/data/**', '/database'));
    assert.ok(pathMatch('/data/*', '/data/x') && !pathMatch('/data/*', '/data/x/y') && pathMatch('/**', '/'));
    assert.ok(pathMatchOrBelow('/m/a/secret/**', '/m/a') && pathMatchOrBelow('/m/**/x', '/m/p/q') && !pathMatchOrBelow('/m/a/secret/**', '/m/ab'));
    assert.ok(pathMatchOrBelow('/k/*/key', '/k/a') && !pathMatchOrBelow('/k/*/key', '/k/a/b') && !pathMatchOrBelow('/a/b', '/a/b/c'));
  });

  it('the reference sees the rename attack of the review (F4): a deny below a renamed directory', () => {
    const g = [parsePolicy({ version: 1, id: 'o', layer: 'platform', rules: [
      { id: 'm-all', effect: 'allow', actions: ['*'], resources: { paths: ['/m/**'] } },
      { id: 'no-secret', effect: 'deny', actions: ['*'], resources: { paths: ['/m/a/secret/**'] } },
    ] })];
    const q: SyscallRequest = { syscall: 'path_rename', group: 'fs.write', path: '/m/a', path2: '/m/b' };
    const s: Subject = { signed: false };
    assert.deepEqual(reference(g, q, s), { effect: 'deny', rules: ['no-secret'], monitored: false });
    const got = decide(compileChecked(g, []), q, s);
    assert.deepEqual({ effect: got.effect, rules: [...got.rules] }, { effect: 'deny', rules: ['no-secret'] });
  });
});
