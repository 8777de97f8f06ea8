/**
 * One rule against one request — the semantics every other part (compiled tables, validator,
 * docs) follows:
 * - actions: the request's syscall or its group is listed, or the rule lists "*";
 * - subject: every field the rule names equals the container's (a missing fact never matches);
 * - paths/env: an allow must name the resource — an allow without `paths` never matches a request
 *   that carries a path (likewise env), and every path it carries (path, path2) must match; a deny
 *   without them matches any resource, with them it matches when any carried path matches — and,
 *   for a call that moves a whole subtree (SUBTREE_SYSCALLS: path_rename), when a glob can match
 *   a path below a carried path (src/lib/glob/paths.ts `matchPathOrBelow`): deny beats allow for all it moves;
 * - fds, bytes, access: the request must carry the fact and satisfy it (Cedar's missing-attribute rule).
 */
import { ACTION_GROUPS, DEFAULT_GROUP, WASI_SYSCALLS, isActionGroup, isSyscallName } from '../ports/syscalls.ts';
import type { SyscallRequest } from '../ports/gate-hooks.ts';
import { matchEnv, matchPath, matchPathOrBelow, parseEnvGlob, parsePathGlob, type EnvGlob, type PathGlob } from '../lib/glob/index.ts';
import type { PolicyRule, Subject, SubjectMatch } from './schema.ts';

export interface CompiledRule {
  readonly id: string;
  /** Position in the whole graph (layer order, then document order): orders `Decision.rules`. */
  readonly index: number;
  readonly layer: number;
  /** `rule "id" of layer "L"`, for reasons. */
  readonly ref: string;
  readonly effect: 'allow' | 'deny';
  readonly everyAction: boolean;
  /** The known actions as listed: "*", syscalls, groups. */
  readonly actions: readonly string[];
  readonly syscalls: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  /** Bit masks over [syscalls, groups, "*"] (two 32-bit words): what it lists, what it covers, and covers leniently. */
  readonly masks: ActionMasks;
  readonly subject: SubjectMatch | undefined;
  readonly paths: readonly PathGlob[] | undefined;
  readonly env: readonly EnvGlob[] | undefined;
  readonly fds: ReadonlySet<number> | undefined;
  readonly bytesMin: number | undefined;
  readonly bytesMax: number | undefined;
  readonly access: ReadonlySet<string> | undefined;
}

export interface ActionMasks {
  readonly need: readonly [number, number];
  readonly cover: readonly [number, number];
  /** `cover` plus every syscall whose default group the rule lists (the widening check's reading). */
  readonly coverLenient: readonly [number, number];
}

/** Bit of an action: syscalls 0–45, groups 46–54, "*" 55. */
const ACTION_BIT = new Map<string, number>([...WASI_SYSCALLS, ...ACTION_GROUPS, '*'].map((a, i) => [a, i]));
const set = (m: [number, number], bit: number) => { m[bit >> 5] = (m[bit >> 5]! | (1 << (bit & 31))) >>> 0; };

/** The masks of a list of (known) actions, for the validator's containment test. */
export function actionMasks(actions: readonly string[]): ActionMasks {
  const need: [number, number] = [0, 0];
  for (const a of actions) set(need, ACTION_BIT.get(a)!);
  if (actions.includes('*')) return { need, cover: [0xffffffff, 0xffffffff], coverLenient: [0xffffffff, 0xffffffff] };
  const cover: [number, number] = [need[0], need[1] & ~(1 << (55 - 32)) >>> 0];
  const coverLenient: [number, number] = [cover[0], cover[1]];
  for (const s of WASI_SYSCALLS) if (actions.includes(DEFAULT_GROUP[s])) set(coverLenient, ACTION_BIT.get(s)!);
  return { need, cover, coverLenient };
}

/** A rule ready for matching: action sets, parsed globs, condition bounds. Unknown action names are dropped (the validator reports them). */
export function compileRule(rule: PolicyRule, index: number, layer: number, layerId = ''): CompiledRule {
  const r = rule.resources;
  const c = rule.conditions;
  const actions = rule.actions.filter((a) => a === '*' || isSyscallName(a) || isActionGroup(a));
  return {
    id: rule.id,
    index,
    layer,
    ref: `rule "${rule.id}" of layer "${layerId}"`,
    effect: rule.effect,
    everyAction: rule.actions.includes('*'),
    actions,
    syscalls: new Set(rule.actions.filter(isSyscallName)),
    groups: new Set(rule.actions.filter(isActionGroup)),
    masks: actionMasks(actions),
    subject: rule.subject,
    paths: r?.paths?.map(parsePathGlob),
    env: r?.env?.map(parseEnvGlob),
    fds: r?.fds ? new Set(r.fds) : undefined,
    bytesMin: c?.bytes?.min,
    bytesMax: c?.bytes?.max,
    access: c?.access ? new Set(c.access) : undefined,
  };
}

/** Does the rule list this syscall, its group, or "*"? */
export function coversAction(rule: CompiledRule, syscall: string, group: string): boolean {
  return rule.everyAction || rule.syscalls.has(syscall) || rule.groups.has(group);
}

/** Does every field of the rule's subject clause equal the container's? (No clause: yes.) */
export function subjectMatches(m: SubjectMatch | undefined, s: Subject): boolean {
  if (m === undefined) return true;
  if (m.packageName !== undefined && m.packageName !== s.packageName) return false;
  if (m.packageDigest !== undefined && m.packageDigest !== s.packageDigest) return false;
  if (m.signer !== undefined && m.signer !== s.signer) return false;
  if (m.signed !== undefined && m.signed !== s.signed) return false;
  if (m.tenant !== undefined && m.tenant !== s.tenant) return false;
  if (m.labels !== undefined) {
    for (const k in m.labels) if (s.labels?.[k] !== m.labels[k]) return false;
  }
  return true;
}

/**
 * Calls that move or replace everything below their paths: a rename moves its source's subtree
 * and replaces its target (an empty directory, which the source's subtree then fills). The
 * request does not say whether the source is a directory (the trace records no such fact), so
 * every rename counts. path_remove_directory is not here: it removes only an empty directory.
 */
export const SUBTREE_SYSCALLS: ReadonlySet<string> = new Set(['path_rename']);

const anyPath = (globs: readonly PathGlob[], p: string) => globs.some((g) => matchPath(g, p));
const anyPathOrBelow = (globs: readonly PathGlob[], p: string) => globs.some((g) => matchPathOrBelow(g, p));

/** Resources and conditions of a rule against a request (actions and subject are checked by the caller). */
export function resourcesMatch(rule: CompiledRule, req: SyscallRequest): boolean {
  const allow = rule.effect === 'allow';
  if (rule.paths) {
    if (req.path === undefined) return false;
    if (allow) {
      if (!anyPath(rule.paths, req.path) || (req.path2 !== undefined && !anyPath(rule.paths, req.path2))) return false;
    } else {
      const hit = SUBTREE_SYSCALLS.has(req.syscall) ? anyPathOrBelow : anyPath;
      if (!hit(rule.paths, req.path) && (req.path2 === undefined || !hit(rule.paths, req.path2))) return false;
    }
  } else if (allow && req.path !== undefined) {
    return false;
  }
  if (rule.env) {
    const name = req.env;
    if (name === undefined || !rule.env.some((g) => matchEnv(g, name))) return false;
  } else if (allow && req.env !== undefined) {
    return false;
  }
  if (rule.fds && (req.fd === undefined || !rule.fds.has(req.fd))) return false;
  if (rule.bytesMin !== undefined || rule.bytesMax !== undefined) {
    const b = req.bytes;
    if (b === undefined || (rule.bytesMin !== undefined && b < rule.bytesMin) || (rule.bytesMax !== undefined && b > rule.bytesMax)) return false;
  }
  if (rule.access && (req.access === undefined || !rule.access.has(req.access))) return false;
  return true;
}

// A guest chooses its paths: one holding a control character is quoted, so a reason stays one line.
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/u;
const shown = (text: string) => (CONTROL.test(text) ? JSON.stringify(text) : text);

/** A short description of what a request touches, for reasons: `path_open /data/x`. */
export function describeRequest(req: SyscallRequest): string {
  let s: string = req.syscall;
  if (req.path !== undefined) s += ` ${shown(req.path)}${req.path2 !== undefined ? ` → ${shown(req.path2)}` : ''}`;
  if (req.env !== undefined) s += ` env ${shown(req.env)}`;
  if (req.fd !== undefined && req.path === undefined) s += ` on fd ${req.fd}`;
  return s;
}
