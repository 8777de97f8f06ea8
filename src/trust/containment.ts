/**
 * Containment between rules, for the validator: "every request R matches, S matches too". Sound
 * (a `true` is a proof) and conservative (an unusual glob shape may give a `false` that a smarter
 * test would prove), following the matching semantics of match.ts exactly.
 */
import { DEFAULT_GROUP, isSyscallName, type SyscallName } from '../ports/syscalls.ts';
import { charge, envGlobSubset, pathGlobSubset, type SubsetBudget } from '../lib/glob/index.ts';
import { actionMasks, type CompiledRule } from './match.ts';
import type { SubjectMatch } from './schema.ts';

/** The actions a rule lists, as written ("*", syscalls, groups). */
export function actionsOf(r: CompiledRule): readonly string[] {
  return r.actions;
}

/**
 * Is action `a` (from R) covered by S's actions? `lenient` also lets S's group cover a syscall
 * whose default group it is — for the widening check, where the sandbox's per-call refinement
 * of groups is unknown and a false alarm would refuse a sound policy.
 */
export function actionCovered(a: string, s: CompiledRule, lenient: boolean): boolean {
  if (s.everyAction) return true;
  if (a === '*') return false;
  if (s.syscalls.has(a) || s.groups.has(a)) return true;
  return lenient && isSyscallName(a) && s.groups.has(DEFAULT_GROUP[a as SyscallName]);
}

/** S's subject clause is no more specific than R's: every request from a subject R admits, S admits. */
export function subjectContained(r: SubjectMatch | undefined, s: SubjectMatch | undefined): boolean {
  if (s === undefined) return true;
  for (const k of ['packageName', 'packageDigest', 'signer', 'signed', 'tenant'] as const) {
    if (s[k] !== undefined && r?.[k] !== s[k]) return false;
  }
  if (s.labels) for (const k in s.labels) if (r?.labels?.[k] !== s.labels[k]) return false;
  return true;
}

/** Could one subject satisfy both clauses? */
export function subjectsCompatible(a: SubjectMatch | undefined, b: SubjectMatch | undefined): boolean {
  if (!a || !b) return true;
  for (const k of ['packageName', 'packageDigest', 'signer', 'signed', 'tenant'] as const) {
    if (a[k] !== undefined && b[k] !== undefined && a[k] !== b[k]) return false;
  }
  if (a.labels && b.labels) for (const k in a.labels) if (b.labels[k] !== undefined && b.labels[k] !== a.labels[k]) return false;
  return true;
}

/** The path and env glob sources of a rule, as sets: a glob S lists verbatim is proved at once. */
const sourceSets = new WeakMap<CompiledRule, { paths: ReadonlySet<string>; env: ReadonlySet<string> }>();
function sourcesOf(s: CompiledRule): { paths: ReadonlySet<string>; env: ReadonlySet<string> } {
  let v = sourceSets.get(s);
  if (!v) sourceSets.set(s, (v = { paths: new Set(s.paths?.map((g) => g.source)), env: new Set(s.env?.map((g) => g.source)) }));
  return v;
}

function resourcesContained(r: CompiledRule, s: CompiledRule, budget: SubsetBudget | undefined): boolean {
  const rAllow = r.effect === 'allow';
  const sAllow = s.effect === 'allow';
  if (!s.paths) {
    if (sAllow && !(rAllow && !r.paths)) return false;
  } else {
    const sp = s.paths;
    if (!r.paths || (sAllow && !rAllow)) return false;
    const same = r.paths.length > 1 || sp.length > 1 ? sourcesOf(s).paths : undefined;
    if (!r.paths.every((p) => same?.has(p.source) || sp.some((q) => pathGlobSubset(p, q, budget)))) return false;
  }
  if (!s.env) {
    if (sAllow && !(rAllow && !r.env)) return false;
  } else {
    const se = s.env;
    if (!r.env) return false;
    const same = r.env.length > 1 || se.length > 1 ? sourcesOf(s).env : undefined;
    if (!r.env.every((p) => same?.has(p.source) || se.some((q) => envGlobSubset(p, q, budget)))) return false;
  }
  return true;
}

function conditionsContained(r: CompiledRule, s: CompiledRule): boolean {
  if (s.fds) {
    if (!r.fds || r.fds.size > s.fds.size) return false;
    for (const fd of r.fds) if (!s.fds.has(fd)) return false;
  }
  if (s.bytesMin !== undefined && (r.bytesMin === undefined || r.bytesMin < s.bytesMin)) return false;
  if (s.bytesMax !== undefined && (r.bytesMax === undefined || r.bytesMax > s.bytesMax)) return false;
  if (s.access && (!r.access || [...r.access].some((a) => !s.access!.has(a)))) return false;
  return true;
}

/**
 * Every request R matches (for R's subject clause), S matches too. `lenient` (the widening check)
 * also lets S's group cover a syscall of that default group, and asks only that the subject
 * clauses be compatible: a parent layer whose allow rules do not apply to a subject abstains for
 * it, so a stricter subject clause above does not make a lower rule wider.
 */
export function ruleContained(r: CompiledRule, s: CompiledRule, lenient = false, budget?: SubsetBudget): boolean {
  const need = r.masks.need;
  const cover = lenient ? s.masks.coverLenient : s.masks.cover;
  return ((need[0] & ~cover[0]) | (need[1] & ~cover[1])) === 0
    && (lenient ? subjectsCompatible(r.subject, s.subject) : subjectContained(r.subject, s.subject))
    && conditionsContained(r, s)
    && resourcesContained(r, s, budget);
}

/**
 * R narrowed to one action and at most one path glob and one env glob: a unit the widening check
 * proves. Generated one at a time (a rule may list 1,024 paths and 1,024 env globs), each action once.
 */
export function* cellsOf(r: CompiledRule): Generator<{ cell: CompiledRule; action: string; resource?: string }> {
  for (const action of new Set(actionsOf(r))) {
    const actions = [action];
    const masks = actionMasks(actions);
    const syscalls = new Set(action !== '*' && isSyscallName(action) ? [action] : []);
    const groups = new Set(action !== '*' && !isSyscallName(action) ? [action] : []);
    for (const path of r.paths ?? [undefined]) {
      for (const env of r.env ?? [undefined]) {
        const cell: CompiledRule = {
          ...r,
          actions,
          masks,
          everyAction: action === '*',
          syscalls,
          groups,
          paths: path ? [path] : undefined,
          env: env ? [env] : undefined,
        };
        const resource = path?.source ?? (env ? `env ${env.source}` : undefined);
        yield resource === undefined ? { cell, action } : { cell, action, resource };
      }
    }
  }
}

const labelCounts = new WeakMap<SubjectMatch, number>();

/**
 * What a containment test of `r` against another rule costs beyond its glob tests (which count
 * their own steps), in steps: its fd list and its subject's labels are compared one by one.
 */
export function ruleWeight(r: CompiledRule): number {
  let labels = 0;
  if (r.subject?.labels) {
    const m = r.subject;
    labels = labelCounts.get(m) ?? Object.keys(m.labels!).length;
    labelCounts.set(m, labels);
  }
  return ((r.fds?.size ?? 0) + labels) >> 2;
}

/** Rules without paths of one kind, those without fds in one list and those with fds by each fd. */
class FdBucket {
  readonly noFds: CompiledRule[] = [];
  readonly byFd = new Map<number, CompiledRule[]>();

  add(r: CompiledRule): void {
    if (!r.fds) this.noFds.push(r);
    else for (const fd of r.fds) push(this.byFd, fd, r);
  }

  /** The lists that can hold a container of `r`: one with fds must list all of r's, so its first. */
  lists(r: CompiledRule, out: CompiledRule[][]): void {
    if (this.noFds.length > 0) out.push(this.noFds);
    if (r.fds && this.byFd.size > 0) {
      const first = r.fds.values().next();
      const list = first.done ? undefined : this.byFd.get(first.value);
      if (list) out.push(list);
    }
  }
}

/**
 * The rules that could contain a given rule (a superset of those that do), so the validator does
 * not test every pair. A rule with paths is contained only by a rule without paths or one with a
 * glob whose literal prefix is a prefix of its own first glob's. Of the rules without paths, an
 * allow contains only an allow without paths (and with env globs only if that has env globs, none
 * if it has none); a deny with env globs only a rule with env globs; one with fds only a rule whose
 * fds it lists all of. With a budget, every candidate looked at costs a step (and its weight), and
 * the search stops, finding nothing, once the budget is spent.
 */
export class ContainerIndex {
  /** Rules without paths, by effect and whether they have env globs. */
  private readonly pathless = { allow: [new FdBucket(), new FdBucket()], deny: [new FdBucket(), new FdBucket()] };
  /** Where each rule was given, so candidates from several lists come in that order. */
  private readonly order = new Map<CompiledRule, number>();
  private readonly byPrefix = new Map<string, CompiledRule[]>();
  private readonly bySource = new Map<string, CompiledRule[]>();

  constructor(rules: readonly CompiledRule[]) {
    for (const r of rules) {
      this.order.set(r, this.order.size);
      if (!r.paths) { this.pathless[r.effect][r.env ? 1 : 0]!.add(r); continue; }
      for (const prefix of new Set(r.paths.map((p) => p.literalPrefix))) push(this.byPrefix, prefix, r);
      for (const source of new Set(r.paths.map((p) => p.source))) push(this.bySource, source, r);
    }
  }

  /** The rules without paths that could contain `r`, in the order they were given. */
  private *pathlessCandidates(r: CompiledRule): Generator<CompiledRule> {
    const lists: CompiledRule[][] = [];
    this.pathless.deny[0]!.lists(r, lists);
    if (r.env) this.pathless.deny[1]!.lists(r, lists);
    if (r.effect === 'allow' && !r.paths) this.pathless.allow[r.env ? 1 : 0]!.lists(r, lists);
    if (lists.length === 1) {
      yield* lists[0]!;
      return;
    }
    // Merge the lists (each in the given order) by where each rule was given.
    const at = lists.map(() => 0);
    for (;;) {
      let best = -1;
      let bestOrder = Infinity;
      for (let k = 0; k < lists.length; k++) {
        const s = lists[k]![at[k]!];
        if (s === undefined) continue;
        const o = this.order.get(s)!;
        if (o < bestOrder) { best = k; bestOrder = o; }
      }
      if (best < 0) return;
      at[best]!++;
      yield lists[best]![at[best]! - 1]!;
    }
  }

  /** The first candidate (rules without paths first, then by prefix) that satisfies `pred`. */
  find(r: CompiledRule, pred: (s: CompiledRule) => boolean, budget?: SubsetBudget): CompiledRule | undefined {
    const base = budget === undefined ? 0 : 1 + ruleWeight(r);
    // Each candidate costs a step (and its weight); each key looked up one per 64 characters.
    const spent = (n: number) => budget !== undefined && charge(budget, n);
    for (const s of this.pathlessCandidates(r)) {
      if (spent(base + ruleWeight(s))) return undefined;
      if (pred(s)) return s;
    }
    if (!r.paths) return undefined;
    const lit = r.paths[0]!.literalPrefix;
    const seen = new Set<CompiledRule>();
    const scan = (key: string): CompiledRule | undefined => {
      if (spent(key.length >> 6)) return undefined;
      for (const s of this.byPrefix.get(key) ?? []) {
        if (seen.has(s)) continue;
        seen.add(s);
        if (spent(base + ruleWeight(s))) return undefined;
        if (pred(s)) return s;
      }
      return undefined;
    };
    const out = () => budget !== undefined && budget.left < 0;
    let hit = scan('');
    for (let i = lit.indexOf('/', 1); hit === undefined && i !== -1 && !out(); i = lit.indexOf('/', i + 1)) hit = scan(lit.slice(0, i));
    return hit ?? (lit !== '' && !out() ? scan(lit) : undefined);
  }

  /**
   * Some candidate that satisfies `pred`, or undefined — for checks that need only whether one
   * exists: the rules listing `r`'s first glob verbatim are tried first (a lower layer often
   * repeats its parent's glob), then the others as `find` orders them.
   */
  some(r: CompiledRule, pred: (s: CompiledRule) => boolean, budget?: SubsetBudget): CompiledRule | undefined {
    if (r.paths) {
      const base = budget === undefined ? 0 : 1 + ruleWeight(r);
      for (const s of this.bySource.get(r.paths[0]!.source) ?? []) {
        if (budget !== undefined && charge(budget, base + ruleWeight(s))) return undefined;
        if (pred(s)) return s;
      }
    }
    return this.find(r, pred, budget);
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
