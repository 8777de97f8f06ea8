/**
 * One decision: synchronous, pure, explained. Per layer (platform first): a matching deny rule
 * denies; else a matching allow rule allows; else the layer denies by default — unless it is a
 * lower layer with `unlisted: inherit` and no allow rule for this action and subject at all, in
 * which case it passes the decision of the layers above through. The request is allowed when no
 * enforcing layer denies. Layers in monitor mode are evaluated too: what they would deny is
 * allowed, marked `monitored` and explained.
 */
import type { Decision, SyscallRequest } from '../ports/gate-hooks.ts';
import type { CompiledPolicy } from './compile.ts';
import { pathCuts } from '../lib/glob/index.ts';
import { describeRequest, subjectMatches, type CompiledRule } from './match.ts';
import type { Subject } from './schema.ts';
import { scan, type ActionTable, type PathKeys, type RuleIndex, type SubjectMemo } from './tables.ts';

const NONE: readonly CompiledRule[] = [];
const NO_PATHS: PathKeys = {};

function abstaining(compiled: CompiledPolicy, table: ActionTable, subject: Subject, memo: SubjectMemo): readonly boolean[] {
  let a = memo.abstain.get(table);
  if (!a) {
    a = table.layers.map((lt, i) => compiled.layers[i]!.unlisted === 'inherit' && !lt.allow.all.some((r) => subjectMatches(r.subject, subject)));
    memo.abstain.set(table, a);
  }
  return a;
}

/** The path rules of every layer that match, in graph order: one walk of the path's prefixes. */
function pathHits(table: ActionTable, req: SyscallRequest, subject: Subject, keys: PathKeys): readonly CompiledRule[] {
  if (keys.path === undefined || table.paths.size === 0) return NONE;
  let out = walk(table, req.path!, keys.path, req, subject, undefined);
  // A deny matches when either path does, so path2 may find more (an allow needs both: already found).
  if (keys.path2 !== undefined) out = walk(table, req.path2!, keys.path2, req, subject, out);
  // A call that moves a subtree: denies whose globs start below either path (the walk finds those above).
  if (table.below !== undefined) {
    out = table.below.collect(req.path!, req, subject, out);
    if (req.path2 !== undefined) out = table.below.collect(req.path2, req, subject, out);
  }
  if (out === undefined) return NONE;
  if (out.length > 1) out.sort((a, b) => a.index - b.index);
  return out;
}

/** Looks up the prefixes of `path` at the depths the table has keys at. */
function walk(table: ActionTable, path: string, cuts: readonly number[], req: SyscallRequest, subject: Subject, out: CompiledRule[] | undefined): CompiledRule[] | undefined {
  for (const d of table.pathDepths) {
    if (d >= cuts.length) break;
    out = scan(table.paths.get(path.slice(0, cuts[d])), req, subject, out);
  }
  return out;
}

/** One layer's matching rules of one effect: its path hits, then the rest of its index. */
function matching(index: RuleIndex, hits: readonly CompiledRule[], layer: number, effect: 'allow' | 'deny', req: SyscallRequest, subject: Subject): readonly CompiledRule[] {
  if (index.all.length === 0) return NONE;
  let out: CompiledRule[] | undefined;
  for (const r of hits) if (r.layer === layer && r.effect === effect) (out ??= []).push(r);
  out = index.collect(req, subject, effect === 'allow', out);
  if (out === undefined) return NONE;
  if (out.length > 1) out.sort((a, b) => a.index - b.index);
  return out;
}

/** Most fds a subject's memo keeps decisions for, per table (a guest opening files without end cannot grow it). */
const MAX_MEMO_FDS = 1024;

function refs(compiled: CompiledPolicy, rules: readonly CompiledRule[]): string {
  if (rules.length === 1) return rules[0]!.ref;
  if (rules.every((r, i) => i === 0 || r.layer !== rules[i - 1]!.layer)) {
    let text = rules[0]!.ref;
    for (let i = 1; i < rules.length; i++) text += ` and ${rules[i]!.ref}`;
    return text;
  }
  const parts: string[] = [];
  for (let i = 0; i < rules.length;) {
    const layer = rules[i]!.layer;
    const group: string[] = [];
    for (; i < rules.length && rules[i]!.layer === layer; i++) group.push(`"${rules[i]!.id}"`);
    parts.push(`${group.length > 1 ? 'rules' : 'rule'} ${group.join(', ')} of layer "${compiled.layers[layer]!.id}"`);
  }
  return parts.join(' and ');
}

const ids = (rules: readonly CompiledRule[]) => rules.map((r) => r.id);

/** A denial that no rule made (unknown action, malformed path, no layers, a failed store). */
export function denied(reason: string): Decision {
  return { effect: 'deny', rules: [], reason };
}

/** Decides one request for one subject under a compiled policy graph. Never throws. */
export function decide(compiled: CompiledPolicy, req: SyscallRequest, subject: Subject): Decision {
  const table = compiled.tables.get(req.syscall, req.group);
  if (!table) return denied(`${String(req.syscall)} denied: "${String(req.syscall)}" in group "${String(req.group)}" is not a known syscall and group.`);
  if (compiled.layers.length === 0) return denied(`${describeRequest(req)} denied by default: the policy graph has no layer.`);
  let keys = NO_PATHS;
  if (req.path !== undefined) {
    keys = { path: pathCuts(req.path), path2: req.path2 === undefined ? undefined : pathCuts(req.path2) };
    if (keys.path === undefined || (req.path2 !== undefined && keys.path2 === undefined)) {
      return denied(`${req.syscall} denied: ${JSON.stringify(keys.path === undefined ? req.path : req.path2)} is not a normalized absolute guest path.`);
    }
  } else if (req.path2 !== undefined && pathCuts(req.path2) === undefined) {
    return denied(`${req.syscall} denied: ${JSON.stringify(req.path2)} is not a normalized absolute guest path.`);
  }
  const memo = compiled.tables.memoFor(subject);
  // Without a path or env name, a decision depends on at most the fd: remember it.
  const key = req.path !== undefined || req.env !== undefined || table.dependence === 'all' ? undefined : table.dependence === 'fd' ? req.fd ?? -1 : -1;
  let byFd: Map<number, Decision> | undefined;
  if (key !== undefined) {
    byFd = memo.decisions.get(table);
    if (byFd === undefined) memo.decisions.set(table, (byFd = new Map()));
    const hit = byFd.get(key);
    if (hit !== undefined) return hit;
  }
  const what = key === undefined ? describeRequest(req) : key === -1 ? req.syscall : `${req.syscall} on fd ${key}`;
  // Requests come in many shapes (which optional fields are set); one shape keeps the rule loops monomorphic.
  const q: SyscallRequest = {
    syscall: req.syscall, group: req.group, path: req.path, path2: req.path2, env: req.env, fd: req.fd, bytes: req.bytes, access: req.access,
  };
  const d = evaluate(compiled, table, q, subject, memo, what, keys);
  if (byFd !== undefined && byFd.size < MAX_MEMO_FDS) byFd.set(key!, Object.freeze({ ...d, rules: Object.freeze(d.rules) }));
  return d;
}

function evaluate(compiled: CompiledPolicy, table: ActionTable, req: SyscallRequest, subject: Subject, memo: SubjectMemo, what: string, keys: PathKeys): Decision {
  let denies: CompiledRule[] | undefined;
  let allows: CompiledRule[] | undefined;
  let notGranted = -1;
  let would: { layer: number; rules: readonly CompiledRule[] } | undefined;
  const hits = pathHits(table, req, subject, keys);
  for (let i = 0; i < table.layers.length; i++) {
    const lt = table.layers[i]!;
    const enforce = compiled.layers[i]!.mode === 'enforce';
    const d = matching(lt.deny, hits, i, 'deny', req, subject);
    if (d.length > 0) {
      if (enforce) (denies ??= []).push(...d);
      else would ??= { layer: i, rules: d };
      continue;
    }
    const a = matching(lt.allow, hits, i, 'allow', req, subject);
    if (a.length > 0) {
      (allows ??= []).push(...a);
      continue;
    }
    if (abstaining(compiled, table, subject, memo)[i]) continue;
    if (!enforce) would ??= { layer: i, rules: NONE };
    else if (notGranted < 0) notGranted = i;
  }
  if (denies) return { effect: 'deny', rules: ids(denies), reason: `${what} denied by ${refs(compiled, denies)}; deny beats allow.` };
  if (notGranted >= 0) {
    return { effect: 'deny', rules: [], reason: `${what} denied by default: layer "${compiled.layers[notGranted]!.id}" has no rule that allows it.` };
  }
  const granted = allows ?? NONE;
  if (would) {
    const how = would.rules.length > 0 ? `by ${refs(compiled, would.rules)}` : 'by default (no rule of it allows this)';
    return {
      effect: 'allow',
      rules: ids(granted),
      reason: `${what} allowed only because layer "${compiled.layers[would.layer]!.id}" is in monitor mode; it would deny it ${how}.`,
      monitored: true,
    };
  }
  return { effect: 'allow', rules: ids(granted), reason: `${what} allowed by ${refs(compiled, granted)}.` };
}
