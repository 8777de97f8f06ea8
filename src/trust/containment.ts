/**
 * Containment between rules, for the validator: "every request R matches, S matches too". Sound
 * (a `true` is a proof) and conservative (an unusual glob shape may give a `false` that a smarter
 * test would prove), following the matching semantics of match.ts exactly.
 */
import { DEFAULT_GROUP, isSyscallName, type SyscallName } from '../ports/syscalls.ts';
import { envGlobSubset, pathGlobSubset } from './glob.ts';
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

function resourcesContained(r: CompiledRule, s: CompiledRule): boolean {
  const rAllow = r.effect === 'allow';
  const sAllow = s.effect === 'allow';
  if (!s.paths) {
    if (sAllow && !(rAllow && !r.paths)) return false;
  } else {
    const sp = s.paths;
    if (!r.paths || (sAllow && !rAllow) || !r.paths.every((p) => sp.some((q) => pathGlobSubset(p, q)))) return false;
  }
  if (!s.env) {
    if (sAllow && !(rAllow && !r.env)) return false;
  } else {
    const se = s.env;
    if (!r.env || !r.env.every((p) => se.some((q) => envGlobSubset(p, q)))) return false;
  }
  return true;
}

function conditionsContained(r: CompiledRule, s: CompiledRule): boolean {
  if (s.fds && (!r.fds || [...r.fds].some((fd) => !s.fds!.has(fd)))) return false;
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
export function ruleContained(r: CompiledRule, s: CompiledRule, lenient = false): boolean {
  const need = r.masks.need;
  const cover = lenient ? s.masks.coverLenient : s.masks.cover;
  return ((need[0] & ~cover[0]) | (need[1] & ~cover[1])) === 0
    && (lenient ? subjectsCompatible(r.subject, s.subject) : subjectContained(r.subject, s.subject))
    && resourcesContained(r, s)
    && conditionsContained(r, s);
}

/** R narrowed to one action and at most one path glob and one env glob: a unit the widening check proves. */
export function cellsOf(r: CompiledRule): { cell: CompiledRule; action: string; resource?: string }[] {
  const out: { cell: CompiledRule; action: string; resource?: string }[] = [];
  for (const action of actionsOf(r)) {
    for (const path of r.paths ?? [undefined]) {
      for (const env of r.env ?? [undefined]) {
        const cell: CompiledRule = {
          ...r,
          actions: [action],
          masks: actionMasks([action]),
          everyAction: action === '*',
          syscalls: new Set(action !== '*' && isSyscallName(action) ? [action] : []),
          groups: new Set(action !== '*' && !isSyscallName(action) ? [action] : []),
          paths: path ? [path] : undefined,
          env: env ? [env] : undefined,
        };
        const resource = path?.source ?? (env ? `env ${env.source}` : undefined);
        out.push(resource === undefined ? { cell, action } : { cell, action, resource });
      }
    }
  }
  return out;
}

/**
 * The rules that could contain a given rule (a superset of those that do), so the validator does
 * not test every pair: a rule with paths is contained only by a rule without paths or one with a
 * glob whose literal prefix is a prefix of its own first glob's.
 */
export class ContainerIndex {
  private readonly pathless: CompiledRule[] = [];
  private readonly byPrefix = new Map<string, CompiledRule[]>();

  constructor(rules: readonly CompiledRule[]) {
    for (const r of rules) {
      if (!r.paths) { this.pathless.push(r); continue; }
      for (const prefix of new Set(r.paths.map((p) => p.literalPrefix))) {
        const list = this.byPrefix.get(prefix);
        if (list) list.push(r);
        else this.byPrefix.set(prefix, [r]);
      }
    }
  }

  /** The first candidate (rules without paths first, then by prefix) that satisfies `pred`. */
  find(r: CompiledRule, pred: (s: CompiledRule) => boolean): CompiledRule | undefined {
    for (const s of this.pathless) if (pred(s)) return s;
    if (!r.paths) return undefined;
    const lit = r.paths[0]!.literalPrefix;
    const seen: CompiledRule[] = [];
    const scan = (key: string): CompiledRule | undefined => {
      for (const s of this.byPrefix.get(key) ?? []) {
        if (seen.includes(s)) continue;
        seen.push(s);
        if (pred(s)) return s;
      }
      return undefined;
    };
    let hit = scan('');
    for (let i = lit.indexOf('/', 1); hit === undefined && i !== -1; i = lit.indexOf('/', i + 1)) hit = scan(lit.slice(0, i));
    return hit ?? (lit !== '' ? scan(lit) : undefined);
  }
}
