/**
 * The policy graph validator, in the spirit of Cedar's: it reads the layers as a whole and
 * reports what the author cannot have meant — an unknown action, a glob no guest path can match,
 * a rule another rule always overrides, a lower layer allowing what its parents do not.
 * Errors make `compilePolicy` refuse the graph; warnings are kept beside the compiled policy.
 */
import { ACTION_GROUPS, WASI_SYSCALLS } from '../ports/syscalls.ts';
import { actionCovered, cellsOf, ContainerIndex, ruleContained, ruleWeight, subjectsCompatible } from './containment.ts';
import { charge, envGlobProblem, pathGlobProblem, subsetBudget, type SubsetBudget } from '../lib/glob/index.ts';
import { compileRule, type CompiledRule } from './match.ts';
import { POLICY_LEVELS, type PolicyDocument } from './schema.ts';

export interface ValidationIssue {
  readonly severity: 'error' | 'warning';
  readonly code: 'layer-order' | 'duplicate-id' | 'unknown-action' | 'never-matches' | 'shadowed' | 'redundant' | 'widens-parent' | 'broad-grant' | 'unchecked';
  readonly message: string;
  /** Where, as `layers[1].rules[3].actions[0]`. */
  readonly path: string;
  readonly layer: string;
  readonly rule?: string;
}

const KNOWN_ACTIONS: readonly string[] = ['*', ...WASI_SYSCALLS, ...ACTION_GROUPS];
const LONGEST_ACTION = Math.max(...KNOWN_ACTIONS.map((a) => a.length));

/**
 * The work budgets of the pairwise checks, in steps (a candidate rule looked at, a state of a glob
 * subset test; docs/policy.md § Validation cost). The review's 80 KB document of 400 heavy globs
 * took 15 s; with these budgets any document within the schema limits is checked in well under a
 * second. When a budget runs out the check gives the answer that fails closed: `widens-parent`
 * refuses what it could not prove narrower, `shadowed`/`redundant` are skipped with an
 * `unchecked` note. An ordinary graph (1,000 rules) uses a small fraction of them.
 */
export const VALIDATION_BUDGET = {
  /** Every comparison of the shadowed/redundant warnings together. */
  warnings: 500_000,
  /** Every comparison of the widens-parent check together. */
  widening: 1_000_000,
  /** One glob subset test. */
  perTest: 20_000,
} as const;

/** Counts the steps the pairwise checks spend (tests bound the work without timing it). */
export interface ValidationMeter {
  steps: number;
}

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
  // The edit distance to every known action is at least the difference in length, so a name much
  // longer than all of them gets no suggestion (and no quadratic work on a megabyte-long name).
  const generic = ' (actions are WASI syscall names, the groups fs.read, fs.write, fs.meta, env, clock, random, stdio, proc, net, or "*")';
  if (name.length - LONGEST_ACTION > Math.max(2, Math.floor(name.length / 3))) return generic;
  const best = KNOWN_ACTIONS.map((k) => [k, distance(name, k)] as const).sort((x, y) => x[1] - y[1])[0]!;
  return best[1] <= Math.max(2, Math.floor(name.length / 3)) ? ` — did you mean "${best[0]}"?` : generic;
}

const carriesPath = (a: string) => a === '*' || a.startsWith('path_') || a.startsWith('fs.');
const carriesEnv = (a: string) => a === '*' || a === 'env' || a === 'environ_get' || a === 'environ_sizes_get';
const carriesFd = (a: string) => a === '*' || /^(fd_|path_|sock_|fs\.)/.test(a) || a === 'stdio' || a === 'net';
const carriesAccess = (a: string) => a === '*' || a === 'path_open' || a === 'fs.read' || a === 'fs.write';
const BYTES_ACTIONS = new Set(['*', 'fd_read', 'fd_pread', 'fd_write', 'fd_pwrite', 'fd_readdir', 'random_get', 'sock_recv', 'sock_send', 'path_readlink', 'fs.read', 'fs.write', 'random', 'stdio', 'net']);

/**
 * Reports every problem of a layered policy graph (platform first); never throws. The pairwise
 * checks run under VALIDATION_BUDGET; `meter` (optional) receives the steps they spent.
 */
export function validatePolicyGraph(layers: readonly PolicyDocument[], meter?: ValidationMeter): ValidationIssue[] {
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

  const warnings = subsetBudget(VALIDATION_BUDGET.warnings, VALIDATION_BUDGET.perTest);
  const widening = subsetBudget(VALIDATION_BUDGET.widening, VALIDATION_BUDGET.perTest);
  checkShadowing(layers, rules, issues, warnings);
  checkWidening(layers, rules, issues, widening);
  if (meter) meter.steps += warnings.spent + widening.spent;
  return issues;
}

function checkShadowing(layers: readonly PolicyDocument[], rules: CompiledRule[][], issues: ValidationIssue[], budget: SubsetBudget): void {
  const denies = new ContainerIndex(rules.flatMap((rs, li) => (layers[li]!.mode === 'enforce' ? rs.filter((r) => r.effect === 'deny') : [])));
  // Where the budget first stopped a comparison, and where it ran out (a shadowed or redundant rule may then go unreported).
  let first: { li: number; r: CompiledRule } | undefined;
  let stopped: { li: number; r: CompiledRule } | undefined;
  for (let li = 0; li < rules.length && !stopped; li++) {
    const rs = rules[li]!;
    const doc = layers[li]!;
    // A rule is redundant only beside a rule of its own effect.
    const sameLayer = { allow: new ContainerIndex(rs.filter((r) => r.effect === 'allow')), deny: new ContainerIndex(rs.filter((r) => r.effect === 'deny')) };
    for (const r of rs) {
      const before = budget.overruns;
      const path = `layers[${li}].rules[${r.index}]`;
      const where = `rule "${r.id}" of layer "${doc.id}"`;
      const killer = r.effect === 'allow' ? denies.find(r, (s) => ruleContained(r, s, false, budget), budget) : undefined;
      if (killer) {
        issues.push({ severity: 'warning', code: 'shadowed', path, layer: doc.id, rule: r.id,
          message: `${where} is shadowed by deny rule "${killer.id}" of layer "${layers[killer.layer]!.id}": every request it allows is denied (deny beats allow)` });
        continue;
      }
      const twin = sameLayer[r.effect].find(r, (s) => s !== r && s.effect === r.effect && ruleContained(r, s, false, budget) && (s.index < r.index || !ruleContained(s, r, false, budget)), budget);
      if (twin) {
        issues.push({ severity: 'warning', code: 'redundant', path, layer: doc.id, rule: r.id,
          message: `${where} is shadowed by ${twin.effect} rule "${twin.id}" of the same layer: it matches every request "${r.id}" matches, so "${r.id}" changes nothing` });
      }
      if ((budget.overruns > before || budget.left < 0) && first === undefined) first = { li, r };
      if (budget.left < 0) {
        stopped = { li, r };
        break;
      }
    }
  }
  if (first === undefined) return;
  const name = (at: { li: number; r: CompiledRule }) => `rule "${at.r.id}" of layer "${layers[at.li]!.id}"`;
  const skipped = (n: number) => `${n} comparison${n === 1 ? '' : 's'}`;
  let what: string;
  if (stopped === undefined) what = `stopped ${skipped(budget.overruns)} (the first for ${name(first)}), which count as not proved`;
  else if (stopped.r === first.r) what = `ran out at ${name(stopped)}: it and the rules after it were not checked`;
  else what = `ran out at ${name(stopped)}: it and the rules after it were not checked, and before it ${skipped(budget.overruns)} (the first for ${name(first)}) count as not proved`;
  issues.push({ severity: 'warning', code: 'unchecked', path: `layers[${first.li}].rules[${first.r.index}]`, layer: layers[first.li]!.id, rule: first.r.id,
    message: `the validator's work budget for the shadowed and redundant checks ${what}; a shadowed or redundant rule may go unreported (write such globs as literal paths or subtrees to have them checked)` });
}

function checkWidening(layers: readonly PolicyDocument[], rules: CompiledRule[][], issues: ValidationIssue[], budget: SubsetBudget): void {
  const allows = rules.map((rs) => rs.filter((s) => s.effect === 'allow'));
  const indexes = allows.map((rs) => new ContainerIndex(rs));
  const tick = (n = 1) => charge(budget, n);
  for (let li = 1; li < rules.length; li++) {
    for (const r of rules[li]!) {
      if (r.effect !== 'allow') continue;
      // One issue per rule and parent layer, naming every part of the rule that parent does not allow.
      const uncovered = new Map<number, { shown: string[]; count: number }>();
      // Does parent layer pj constrain this action for R's subject? It does when it is the root, denies
      // what it does not list, or lists the action for a compatible subject (the same for every cell of an action).
      const constrainsMemo = new Map<string, boolean>();
      const constrains = (pj: number, action: string): boolean => {
        if (pj === 0 || layers[pj]!.unlisted === 'deny') return true;
        const key = `${pj} ${action}`;
        let v = constrainsMemo.get(key);
        if (v === undefined) {
          // Out of budget: assume it constrains (the cell is then only proved by a containing rule).
          v = allows[pj]!.some((s) => tick(1 + ruleWeight(s)) || (actionCovered(action, s, true) && subjectsCompatible(s.subject, r.subject)));
          constrainsMemo.set(key, v);
        }
        return v;
      };
      let overrun = false;
      for (const { cell, action, resource } of cellsOf(r)) {
        // Each cell costs a step (a rule of 1,024 paths and 1,024 env globs has a million).
        if (tick()) break;
        for (let pj = 0; pj < li; pj++) {
          const before = budget.overruns;
          if (!constrains(pj, action) || indexes[pj]!.some(cell, (s) => ruleContained(cell, s, true, budget), budget) !== undefined) continue;
          if (budget.overruns > before || budget.left < 0) overrun = true;
          // The first four are named, the rest counted (a rule may have a million cells).
          const u = uncovered.get(pj) ?? { shown: [], count: 0 };
          if (u.count++ < 4) u.shown.push(`${action}${resource ? ` on ${resource}` : ''}`);
          uncovered.set(pj, u);
          break;
        }
      }
      const path = `layers[${li}].rules[${r.index}]`;
      if (budget.left < 0) {
        // Fail closed: what was not proved narrower is refused, and the rest of the graph is not checked.
        issues.push({ severity: 'error', code: 'widens-parent', path, layer: layers[li]!.id, rule: r.id,
          message: `rule "${r.id}" of layer "${layers[li]!.id}" could not be proved to narrow the layers above it within the validator's work budget, so it is refused (and the rules after it were not checked); write its globs as literal narrowings of the parent's` });
        return;
      }
      for (const [pj, what] of uncovered) {
        const shown = what.count > 4 ? `${what.shown.join(', ')} and ${what.count - 4} more` : what.shown.join(', ');
        const why = overrun ? ' (some containment tests exceeded the validator\'s work budget and count as not proved; write such globs as literal narrowings of the parent\'s)' : '';
        issues.push({ severity: 'error', code: 'widens-parent', path, layer: layers[li]!.id, rule: r.id,
          message: `rule "${r.id}" of layer "${layers[li]!.id}" allows ${shown}, which layer "${layers[pj]!.id}" above it does not allow; a lower layer can only narrow${why}` });
      }
    }
  }
}
