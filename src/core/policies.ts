import type { KernelConfig, PolicySource, TenantPolicySource } from '../config/index.ts';
import { KernelError } from '../errors.ts';
import { builtinPolicy } from '../trust/builtin.ts';
import { compilePolicy, type CompiledPolicy } from '../trust/compile.ts';
import { parsePolicy } from '../trust/parse.ts';
import type { PolicyDocument, PolicyLevel } from '../trust/schema.ts';

/** One configured policy layer, parsed, validated and compiled at boot. */
export interface LoadedPolicy {
  /** `platform`, or `tenant:<id>`. */
  readonly layer: string;
  readonly id: string;
  /** `builtin:<name>` or `inline` (references were inlined by the config step). */
  readonly source: string;
  /** Digest of the graph this layer completes (platform, or platform → tenant): what a run's trace records. */
  readonly digest: string;
  readonly document: PolicyDocument;
  /** The compiled graph down to this layer, ready for `decide`. */
  readonly compiled: CompiledPolicy;
}

/**
 * Parses the platform layer and every tenant layer and compiles each graph (platform, and
 * platform → tenant), so a policy that is invalid or widens its parent refuses the boot rather
 * than the first run.
 * @throws KernelError POLICY_INVALID naming the config field and the policy field
 */
export function loadPolicies(config: Readonly<KernelConfig>): LoadedPolicy[] {
  const platformDoc = parse(config.policy.platform, 'platform', 'policy.platform');
  const out = [layer('platform', config.policy.platform, [platformDoc], 'policy.platform')];
  for (const [tenant, source] of Object.entries(config.policy.tenants)) {
    const path = `policy.tenants.${tenant}`;
    out.push(layer(`tenant:${tenant}`, source, [platformDoc, parse(source, 'tenant', path)], path));
  }
  return out;
}

function layer(name: string, source: PolicySource | TenantPolicySource, graph: PolicyDocument[], path: string): LoadedPolicy {
  const compiled = within(path, () => compilePolicy(graph));
  const document = graph.at(-1)!;
  const from = 'builtin' in source && source.builtin !== undefined ? `builtin:${source.builtin}` : 'inline';
  return { layer: name, id: document.id, source: from, digest: compiled.digest, document, compiled };
}

function parse(source: PolicySource | TenantPolicySource, level: PolicyLevel, path: string): PolicyDocument {
  const doc = 'builtin' in source && source.builtin !== undefined ? builtinPolicy(source.builtin) : within(path, () => parsePolicy(source.document));
  if (doc.layer !== level) {
    throw new KernelError('POLICY_INVALID', `config field "${path}": the document is a "${doc.layer}" layer; this place takes a "${level}" layer`, { path: `${path}.layer` });
  }
  return doc;
}

/** Runs a policy step, putting the config field in front of the policy's own message. */
function within<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    throw new KernelError(e.code, `config field "${path}": ${e.message}`, { ...e.details, configPath: path }, { cause: e });
  }
}
