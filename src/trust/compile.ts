/**
 * Compiles a validated policy graph into the structure `decide` reads: rules numbered in graph
 * order, limits and escalation rules gathered from every layer (a lower layer can only add them),
 * and per-(syscall, group) decision tables.
 */
import { canonicalConfigJson } from '../config/digest.ts';
import { toHex, utf8 } from '../lib/encoding.ts';
import { nobleCrypto } from '../crypto/noble.ts';
import { KernelError } from '../errors.ts';
import { WASI_SYSCALLS, DEFAULT_GROUP } from '../ports/syscalls.ts';
import { compileRule, type CompiledRule } from './match.ts';
import { compileLimit, describeLimit, type CompiledLimit } from './rate-limit.ts';
import type { EscalationRule, PolicyDocument, PolicyLevel } from './schema.ts';
import { DecisionTables } from './tables.ts';
import { validatePolicyGraph, type ValidationIssue } from './validate.ts';

export interface CompiledLayer {
  readonly id: string;
  readonly level: PolicyLevel;
  readonly mode: 'enforce' | 'monitor';
  /** The effective setting: the first layer always denies what it does not list. */
  readonly unlisted: 'inherit' | 'deny';
}

export type CompiledEscalation = EscalationRule & { readonly layerId: string; readonly monitor: boolean };

export interface CompiledPolicy {
  readonly layers: readonly CompiledLayer[];
  readonly rules: readonly CompiledRule[];
  readonly limits: readonly CompiledLimit[];
  /** Every layer's escalation rules, highest threshold first. */
  readonly escalation: readonly CompiledEscalation[];
  /** The validator's warnings (errors refuse compilation). */
  readonly warnings: readonly ValidationIssue[];
  /** Lowercase hex SHA-256 of the canonical JSON of the layer documents: what a trace records. */
  readonly digest: string;
  readonly documents: readonly PolicyDocument[];
  readonly tables: DecisionTables;
  /** The graph with escalation tiers stacked under it, by tier sequence ("strict", "baseline,strict"): built once per policy, shared by its gates. */
  readonly tierStacks: Map<string, CompiledPolicy>;
}

/** The digest a run's trace records for its policy graph. */
export function policyDigest(layers: readonly PolicyDocument[]): string {
  return toHex(nobleCrypto.sha256(utf8.encode(canonicalConfigJson(layers))));
}

/**
 * Validates and compiles a policy graph (platform layer first).
 * @throws KernelError POLICY_INVALID listing the validator's errors (details.issues, details.path of the first)
 */
export function compilePolicy(layers: readonly PolicyDocument[]): CompiledPolicy {
  const issues = validatePolicyGraph(layers);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    const first = errors[0]!;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
    throw new KernelError('POLICY_INVALID', `${first.path}: ${first.message}${more}`, { path: first.path, issues: errors });
  }
  return compileChecked(layers, issues);
}

/**
 * Compiles a graph whose validation was already done — by `compilePolicy`, or for a graph the
 * kernel builds itself (a validated graph with a built-in escalation tier stacked under it, which
 * narrows by construction). Never call it on a document from outside.
 */
export function compileChecked(layers: readonly PolicyDocument[], warnings: readonly ValidationIssue[]): CompiledPolicy {
  const rules: CompiledRule[] = [];
  const limits: CompiledLimit[] = [];
  const escalation: CompiledEscalation[] = [];
  layers.forEach((doc, li) => {
    for (const r of doc.rules) rules.push(compileRule(r, rules.length, li, doc.id));
    for (const l of doc.limits) limits.push(compileLimit(l, limits.length, doc.id, doc.mode === 'monitor'));
    for (const e of doc.escalation) escalation.push({ ...e, layerId: doc.id, monitor: doc.mode === 'monitor' });
  });
  escalation.sort((a, b) => b.below - a.below);
  return {
    layers: layers.map((d, i) => ({ id: d.id, level: d.layer, mode: d.mode, unlisted: i === 0 ? 'deny' : d.unlisted })),
    rules,
    limits,
    escalation,
    warnings,
    digest: policyDigest(layers),
    documents: layers,
    tables: new DecisionTables(rules, limits, layers.length),
    tierStacks: new Map(),
  };
}

export interface TableRow {
  readonly syscall: string;
  readonly group: string;
  /** Per layer: the allow and deny rule ids that can decide this syscall (before resources and subject). */
  readonly layers: readonly { readonly layer: string; readonly mode: string; readonly allow: readonly string[]; readonly deny: readonly string[]; readonly unlisted: string }[];
  readonly limits: readonly string[];
}

/** The compiled tables for every syscall under its default group (what `forge policy check` prints). */
export function describeTables(compiled: CompiledPolicy): TableRow[] {
  return WASI_SYSCALLS.map((syscall) => {
    const group = DEFAULT_GROUP[syscall];
    const t = compiled.tables.get(syscall, group)!;
    return {
      syscall,
      group,
      layers: t.layers.map((lt, i) => ({
        layer: compiled.layers[i]!.id,
        mode: compiled.layers[i]!.mode,
        unlisted: compiled.layers[i]!.unlisted,
        allow: lt.allow.all.map((r) => r.id),
        deny: lt.deny.all.map((r) => r.id),
      })),
      limits: t.limits.map((l) => `${l.id} (${describeLimit(l)}${l.monitor ? ', monitor' : ''})`),
    };
  });
}
