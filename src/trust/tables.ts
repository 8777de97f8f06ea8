/**
 * Per-syscall decision tables. For each (syscall, group) pair — the sandbox may refine a call's
 * group, so both are keys — each layer keeps its allow and deny rules in an index that finds the
 * few rules a request can match: path rules (of all layers, in one index, so a path is walked
 * once) by the literal prefix of their globs, env rules by name or name prefix, fd rules by fd,
 * the rest in a plain list. Tables are built on first use and kept; they are a cache of a
 * pure function of the graph, so decisions stay pure.
 */
import { GROUP_INDEX, SYSCALL_INDEX } from '../ports/syscalls.ts';
import type { Decision, SyscallRequest } from '../ports/gate-hooks.ts';
import { coversAction, resourcesMatch, subjectMatches, SUBTREE_SYSCALLS, type CompiledRule } from './match.ts';
import type { CompiledLimit } from './rate-limit.ts';
import type { Subject } from './schema.ts';

/** How much of a request a table's rules look at (besides action and subject): what a decision may be memoized by. */
export type Dependence = 'none' | 'fd' | 'all';

export class RuleIndex {
  /** Rules with env names (and no paths): exact names, and wildcard globs by their literal prefix. */
  readonly byEnv = new Map<string, CompiledRule[]>();
  readonly byEnvPrefix = new Map<string, CompiledRule[]>();
  private envPrefixLengths: number[] = [];
  /** Rules with fds (and no paths or env), by fd. */
  readonly byFd = new Map<number, CompiledRule[]>();
  /** The rest: no paths, env or fds. */
  readonly plain: CompiledRule[] = [];
  /** Every rule of the index, in graph order — path rules too, though the table's path index finds those. */
  readonly all: CompiledRule[] = [];
  dependence: Dependence = 'none';

  add(rule: CompiledRule): void {
    this.all.push(rule);
    const conditions = rule.bytesMin !== undefined || rule.bytesMax !== undefined || rule.access !== undefined;
    if (rule.paths || rule.env || conditions) this.dependence = 'all';
    else if (rule.fds && this.dependence === 'none') this.dependence = 'fd';
    if (rule.paths) return;
    if (rule.env) {
      for (const g of rule.env) {
        if (g.literal !== undefined) push(this.byEnv, g.literal, rule);
        else {
          const prefix = g.source.slice(0, g.source.search(/[*?]/));
          push(this.byEnvPrefix, prefix, rule);
          if (!this.envPrefixLengths.includes(prefix.length)) this.envPrefixLengths = [...this.envPrefixLengths, prefix.length];
        }
      }
    } else if (rule.fds) {
      for (const fd of rule.fds) push(this.byFd, fd, rule);
    } else {
      this.plain.push(rule);
    }
  }

  /**
   * Adds the rules of this index without paths that match `req` for `subject` to `out`.
   * `allow` applies the allow semantics: an allow without paths/env never matches a request carrying one.
   */
  collect(req: SyscallRequest, subject: Subject, allow: boolean, out: CompiledRule[] | undefined): CompiledRule[] | undefined {
    const env = req.env;
    if (env !== undefined) {
      out = scan(this.byEnv.get(env), req, subject, out);
      for (const n of this.envPrefixLengths) if (n <= env.length) out = scan(this.byEnvPrefix.get(env.slice(0, n)), req, subject, out);
    }
    if (!allow || (req.path === undefined && env === undefined)) {
      if (req.fd !== undefined && this.byFd.size > 0) out = scan(this.byFd.get(req.fd), req, subject, out);
      out = scan(this.plain, req, subject, out);
    }
    return out;
  }
}

/** Where a request's paths split into index keys (src/lib/glob/paths.ts `pathCuts`), computed once per decision. */
export interface PathKeys {
  readonly path?: readonly number[] | undefined;
  readonly path2?: readonly number[] | undefined;
}

/** Adds the rules of `list` that match to `out` (once each). */
export function scan(list: readonly CompiledRule[] | undefined, req: SyscallRequest, subject: Subject, out: CompiledRule[] | undefined): CompiledRule[] | undefined {
  if (list === undefined) return out;
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    if ((out !== undefined && out.includes(r)) || (r.subject !== undefined && !subjectMatches(r.subject, subject)) || !resourcesMatch(r, req)) continue;
    if (out === undefined) out = [r];
    else out.push(r);
  }
  return out;
}

/** Deny rules by the literal prefixes of their globs, sorted by prefix (UTF-16 order: a prefix's extensions are contiguous). */
export class BelowIndex {
  private readonly keys: string[];
  private readonly rules: CompiledRule[];

  constructor(rules: readonly CompiledRule[]) {
    const entries: [string, CompiledRule][] = [];
    for (const r of rules) for (const prefix of new Set(r.paths!.map((p) => p.literalPrefix))) if (prefix !== '') entries.push([prefix, r]);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1].index - b[1].index));
    this.keys = entries.map((e) => e[0]);
    this.rules = entries.map((e) => e[1]);
  }

  /**
   * Adds the rules with a glob whose literal prefix lies strictly below `path` that match `req`
   * to `out` (once each; those the walk found already are skipped). O(log n + hits).
   */
  collect(path: string, req: SyscallRequest, subject: Subject, out: CompiledRule[] | undefined): CompiledRule[] | undefined {
    const keys = this.keys;
    const lead = path === '/' ? '/' : `${path}/`;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < lead) lo = mid + 1;
      else hi = mid;
    }
    let seen: Set<CompiledRule> | undefined;
    for (let i = lo; i < keys.length && keys[i]!.startsWith(lead); i++) {
      const r = this.rules[i]!;
      seen ??= new Set(out);
      if (seen.has(r)) continue;
      seen.add(r);
      if ((r.subject !== undefined && !subjectMatches(r.subject, subject)) || !resourcesMatch(r, req)) continue;
      (out ??= []).push(r);
    }
    return out;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

export interface LayerTable {
  readonly allow: RuleIndex;
  readonly deny: RuleIndex;
}

export interface ActionTable {
  readonly syscall: string;
  readonly group: string;
  readonly layers: readonly LayerTable[];
  /** Every layer's path rules (allow and deny), by the literal prefix of each glob: one walk per request. */
  readonly paths: ReadonlyMap<string, readonly CompiledRule[]>;
  /** The depths (segments in a literal prefix) the path index has keys at, ascending. */
  readonly pathDepths: readonly number[];
  /**
   * For a call that moves a subtree (SUBTREE_SYSCALLS): the deny rules by the literal prefix of
   * each glob, sorted, so those whose prefix lies below a request's path (and which the walk of
   * its leading parts cannot find) are one binary search away. Undefined for other calls.
   */
  readonly below: BelowIndex | undefined;
  readonly limits: readonly CompiledLimit[];
  /** What of a request (besides action and subject) any rule of the table looks at. */
  readonly dependence: Dependence;
}

/**
 * What `decide` remembers per subject (a container's subject object is fixed for its run): which
 * layers abstain per table, and decisions that depend on the subject only. A memo of a pure function.
 */
export interface SubjectMemo {
  readonly abstain: Map<ActionTable, readonly boolean[]>;
  /** Decisions of requests without path or env, by table and then fd (-1: none) where the table depends on it. */
  readonly decisions: Map<ActionTable, Map<number, Decision>>;
}

export class DecisionTables {
  private readonly slots: (ActionTable | undefined)[] = [];
  private readonly rules: readonly CompiledRule[];
  private readonly limits: readonly CompiledLimit[];
  private readonly layerCount: number;
  private readonly subjects = new WeakMap<Subject, SubjectMemo>();

  constructor(rules: readonly CompiledRule[], limits: readonly CompiledLimit[], layerCount: number) {
    this.rules = rules;
    this.limits = limits;
    this.layerCount = layerCount;
  }

  memoFor(subject: Subject): SubjectMemo {
    let m = this.subjects.get(subject);
    if (!m) this.subjects.set(subject, (m = { abstain: new Map(), decisions: new Map() }));
    return m;
  }

  /** The table of one (syscall, group) pair, or undefined when either name is unknown. */
  get(syscall: string, group: string): ActionTable | undefined {
    const s = SYSCALL_INDEX.get(syscall);
    const g = GROUP_INDEX.get(group);
    if (s === undefined || g === undefined) return undefined;
    const key = s * 16 + g;
    return this.slots[key] ?? (this.slots[key] = this.build(syscall, group));
  }

  private build(syscall: string, group: string): ActionTable {
    const layers = Array.from({ length: this.layerCount }, () => ({ allow: new RuleIndex(), deny: new RuleIndex() }));
    const paths = new Map<string, CompiledRule[]>();
    for (const r of this.rules) {
      if (!coversAction(r, syscall, group)) continue;
      layers[r.layer]![r.effect].add(r);
      if (r.paths) for (const prefix of new Set(r.paths.map((p) => p.literalPrefix))) push(paths, prefix, r);
    }
    const pathDepths = [...new Set(this.rules.filter((r) => paths.size > 0 && r.paths).flatMap((r) => r.paths!.map((p) => p.depth)))].sort((a, b) => a - b);
    const limits = this.limits.filter((l) => (l.kind !== 'opens' || syscall === 'path_open')
      && (l.everyAction || l.syscalls.has(syscall) || l.groups.has(group)));
    const deps = layers.flatMap((l) => [l.allow.dependence, l.deny.dependence]);
    const dependence: Dependence = deps.includes('all') ? 'all' : deps.includes('fd') ? 'fd' : 'none';
    const subtreeDenies = SUBTREE_SYSCALLS.has(syscall) ? layers.flatMap((l) => l.deny.all.filter((r) => r.paths !== undefined)) : [];
    const below = subtreeDenies.length > 0 ? new BelowIndex(subtreeDenies) : undefined;
    return { syscall, group, layers, paths, pathDepths, below, limits, dependence };
  }
}
