/**
 * The policy graph validator, in the spirit of Cedar's: it reads the layers as a whole and
 * reports what the author cannot have meant — an unknown action, a glob no guest path can match,
 * a rule another rule always overrides, a lower layer allowing what its parents do not.
 * Errors make `compilePolicy` refuse the graph; warnings are kept beside the compiled policy.
 */
import { ACTION_GROUPS, WASI_SYSCALLS } from '../ports/syscalls.ts';
import { actionCovered, cellsOf, ContainerIndex, ruleContained, subjectsCompatible } from './containment.ts';
import { envGlobProblem, pathGlobProblem } from './glob.ts';
import { compileRule, type CompiledRule } from './match.ts';
import { POLICY_LEVELS, type PolicyDocument } from './schema.ts';

export interface ValidationIssue {
  readonly severity: 'error' | 'warning';
  readonly code: 'layer-order' | 'duplicate-id' | 'unknown-action' | 'never-matches' | 'shadowed' | 'redundant' | 'widens-parent' | 'broad-grant';
  readonly message: string;
  /** Where, as `layers[1].rules[3].actions[0]`. */
  readonly path: string;
  readonly layer: string;
  readonly rule?: string;
}

const KNOWN_ACTIONS: readonly string[] = ['*', ...WASI_SYSCALLS, ...ACTION_GROUPS];

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function suggest(name: string): string {
  const best = KNOWN_ACTIONS.map((k) => [k, distance(name, k)] as const).sort((x, y) => x[1] - y[1])[0]!;
  return best[1] <= Math.max(2, Math.floor(name.length / 3)) ? ` — did you mean "${best[0]}"?` : ' (actions are WASI syscall names, the groups fs.read, fs.write, fs.meta, env, clock, random, stdio, proc, net, or "*")';
}

const carriesPath = (a: string) => a === '*' || a.startsWith('path_') || a.startsWith('fs.');
const carriesEnv = (a: string) => a === '*' || a === 'env' || a === 'environ_get' || a === 'environ_sizes_get';
const carriesFd = (a: string) => a === '*' || /^(fd_|path_|sock_|fs\.)/.test(a) || a === 'stdio' || a === 'net';
const carriesAccess = (a: string) => a === '*' || a === 'path_open' || a === 'fs.read' || a === 'fs.write';
const BYTES_ACTIONS = new Set(['*', 'fd_read', 'fd_pread', 'fd_write', 'fd_pwrite', 'fd_readdir', 'random_get', 'sock_recv', 'sock_send', 'path_readlink', 'fs.read', 'fs.write', 'random', 'stdio', 'net']);

/** Reports every problem of a layered policy graph (platform first); never throws. */
export function validatePolicyGraph(layers: readonly PolicyDocument[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const rules: CompiledRule[][] = layers.map(() => []);
  const seenIds = new Map<string, string>();
  const seenLayers = new Set<string>();

  layers.forEach((doc, li) => {
    const at = `layers[${li}]`;
    const add = (severity: ValidationIssue['severity'], code: ValidationIssue['code'], path: string, message: string, rule?: string) =>
      issues.push({ severity, code, path, layer: doc.id, message, ...(rule === undefined ? {} : { rule }) });
    const prev = layers[li - 1];
    if (prev && POLICY_LEVELS.indexOf(doc.layer) < POLICY_LEVELS.indexOf(prev.layer)) {
      add('error', 'layer-order', `${at}.layer`, `layer "${doc.id}" (${doc.layer}) comes after "${prev.id}" (${prev.layer}); layers go platform → tenant → package → run`);
    }
    if (seenLayers.has(doc.id)) add('error', 'duplicate-id', `${at}.id`, `two layers are named "${doc.id}"; reasons would be ambiguous`);
    seenLayers.add(doc.id);
    const claim = (id: string, path: string, what: string) => {
      const other = seenIds.get(id);
      if (other !== undefined) add('error', 'duplicate-id', path, `${what} id "${id}" is already used by ${other}; decisions name rules by id, so ids are unique in the graph`, id);
      else seenIds.set(id, `${what} "${id}" of layer "${doc.id}"`);
    };

    doc.rules.forEach((rule, ri) => {
      const rp = `${at}.rules[${ri}]`;
      const where = `rule "${rule.id}" of layer "${doc.id}"`;
      claim(rule.id, `${rp}.id`, 'rule');
      rule.actions.forEach((a, ai) => {
        if (!KNOWN_ACTIONS.includes(a)) add('error', 'unknown-action', `${rp}.actions[${ai}]`, `${where}: unknown action "${a}"${suggest(a)}`, rule.id);
      });
      const known = rule.actions.filter((a) => KNOWN_ACTIONS.includes(a));
      if (rule.effect === 'allow' && known.includes('*')) add('warning', 'broad-grant', `${rp}.actions`, `${where} allows every syscall ("*")`, rule.id);
      rule.resources?.paths?.forEach((g, gi) => {
        const why = pathGlobProblem(g);
        if (why) add('error', 'never-matches', `${rp}.resources.paths[${gi}]`, `${where}: path glob "${g}" can never match: ${why}`, rule.id);
      });
      rule.resources?.env?.forEach((g, gi) => {
        const why = envGlobProblem(g);
        if (why) add('error', 'never-matches', `${rp}.resources.env[${gi}]`, `${where}: env glob "${g}" can never match: ${why}`, rule.id);
      });
      const b = rule.conditions?.bytes;
      if (b?.min !== undefined && b.max !== undefined && b.min > b.max) {
        add('error', 'never-matches', `${rp}.conditions.bytes`, `${where}: bytes min ${b.min} is above max ${b.max}, so it can never match`, rule.id);
      }
      const fit = (present: unknown, carries: (a: string) => boolean, field: string, what: string, hard: boolean) => {
        if (present === undefined || known.length === 0) return;
        const misfit = known.filter((a) => !carries(a));
        if (misfit.length === known.length) {
          add(hard ? 'error' : 'warning', 'never-matches', `${rp}.${field}`, `${where} can never match: none of its actions (${known.join(', ')}) carries ${what}`, rule.id);
        } else if (misfit.length > 0) {
          add('warning', 'never-matches', `${rp}.${field}`, `${where} can never match ${misfit.join(', ')}: those calls carry no ${what}`, rule.id);
        }
      };
      fit(rule.resources?.paths, carriesPath, 'resources.paths', 'a path', true);
      fit(rule.resources?.env, carriesEnv, 'resources.env', 'an environment variable name', true);
      fit(rule.resources?.fds, carriesFd, 'resources.fds', 'a file descriptor', true);
      fit(rule.conditions?.access, carriesAccess, 'conditions.access', 'an access mode (only path_open does)', true);
      fit(rule.conditions?.bytes, (a) => BYTES_ACTIONS.has(a), 'conditions.bytes', 'a byte count', false);
      rules[li]!.push(compileRule(rule, ri, li, doc.id));
    });

    doc.limits.forEach((limit, i) => {
      const lp = `${at}.limits[${i}]`;
      claim(limit.id, `${lp}.id`, 'limit');
      (limit.actions ?? []).forEach((a, ai) => {
        if (!KNOWN_ACTIONS.includes(a)) add('error', 'unknown-action', `${lp}.actions[${ai}]`, `limit "${limit.id}" of layer "${doc.id}": unknown action "${a}"${suggest(a)}`, limit.id);
      });
      const acts = limit.actions ?? ['*'];
      if (limit.kind === 'opens' && !acts.some((a) => a === '*' || a === 'path_open' || a === 'fs.read' || a === 'fs.write')) {
        add('warning', 'never-matches', `${lp}.kind`, `limit "${limit.id}" counts opens, but none of its actions is path_open`, limit.id);
      }
      if (limit.kind === 'bytes' && !acts.some((a) => BYTES_ACTIONS.has(a))) {
        add('warning', 'never-matches', `${lp}.kind`, `limit "${limit.id}" counts bytes, but none of its actions moves bytes`, limit.id);
      }
    });
  });

  checkShadowing(layers, rules, issues);
  checkWidening(layers, rules, issues);
  return issues;
}

function checkShadowing(layers: readonly PolicyDocument[], rules: CompiledRule[][], issues: ValidationIssue[]): void {
  const denies = new ContainerIndex(rules.flatMap((rs, li) => (layers[li]!.mode === 'enforce' ? rs.filter((r) => r.effect === 'deny') : [])));
  rules.forEach((rs, li) => {
    const doc = layers[li]!;
    const sameLayer = new ContainerIndex(rs);
    for (const r of rs) {
      const path = `layers[${li}].rules[${r.index}]`;
      const where = `rule "${r.id}" of layer "${doc.id}"`;
      const killer = r.effect === 'allow' ? denies.find(r, (s) => ruleContained(r, s)) : undefined;
      if (killer) {
        issues.push({ severity: 'warning', code: 'shadowed', path, layer: doc.id, rule: r.id,
          message: `${where} is shadowed by deny rule "${killer.id}" of layer "${layers[killer.layer]!.id}": every request it allows is denied (deny beats allow)` });
        continue;
      }
      const twin = sameLayer.find(r, (s) => s !== r && s.effect === r.effect && ruleContained(r, s) && (s.index < r.index || !ruleContained(s, r)));
      if (twin) {
        issues.push({ severity: 'warning', code: 'redundant', path, layer: doc.id, rule: r.id,
          message: `${where} is shadowed by ${twin.effect} rule "${twin.id}" of the same layer: it matches every request "${r.id}" matches, so "${r.id}" changes nothing` });
      }
    }
  });
}

function checkWidening(layers: readonly PolicyDocument[], rules: CompiledRule[][], issues: ValidationIssue[]): void {
  const allows = rules.map((rs) => rs.filter((s) => s.effect === 'allow'));
  const indexes = allows.map((rs) => new ContainerIndex(rs));
  rules.forEach((rs, li) => {
    if (li === 0) return;
    for (const r of rs) {
      if (r.effect !== 'allow') continue;
      // One issue per rule and parent layer, naming every part of the rule that parent does not allow.
      const uncovered = new Map<number, string[]>();
      for (const { cell, action, resource } of cellsOf(r)) {
        for (let pj = 0; pj < li; pj++) {
          // A parent constrains this action when it is the root, denies what it does not list, or lists it for this subject.
          const constrains = pj === 0 || layers[pj]!.unlisted === 'deny'
            || allows[pj]!.some((s) => actionCovered(action, s, true) && subjectsCompatible(s.subject, r.subject));
          if (!constrains || indexes[pj]!.find(cell, (s) => ruleContained(cell, s, true)) !== undefined) continue;
          const list = uncovered.get(pj) ?? [];
          list.push(`${action}${resource ? ` on ${resource}` : ''}`);
          uncovered.set(pj, list);
          break;
        }
      }
      for (const [pj, what] of uncovered) {
        const shown = what.length > 4 ? `${what.slice(0, 4).join(', ')} and ${what.length - 4} more` : what.join(', ');
        issues.push({ severity: 'error', code: 'widens-parent', path: `layers[${li}].rules[${r.index}]`, layer: layers[li]!.id, rule: r.id,
          message: `rule "${r.id}" of layer "${layers[li]!.id}" allows ${shown}, which layer "${layers[pj]!.id}" above it does not allow; a lower layer can only narrow` });
      }
    }
  });
}
