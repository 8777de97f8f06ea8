/**
 * The body of `POST /v1/runs` (its guest and invocation fields shared with `POST /v1/runs/:id/replay`),
 * parsed once at the edge (zod), and the policy graph a run gets.
 * The kernel's configured platform layer (and the tenant's layer, when one is configured) sits
 * on top of every run: a caller's own documents only narrow it. Choosing a different built-in or
 * sending platform-level documents replaces the configured platform layer, which takes the
 * `policies:write` scope (see docs/http-api.md § Policies).
 */
import { z } from 'zod';
import { BUILTIN_POLICIES } from '../config/schema.ts';
import type { LoadedPolicy } from '../core/policies.ts';
import type { BuiltinPolicyName } from '../core/run.ts';
import { fromBase64 } from '../lib/encoding.ts';
import { KernelError } from '../errors.ts';
import { builtinPolicy, parsePolicy, type PolicyDocument } from '../trust/index.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const base64 = z.string().regex(BASE64, 'expected standard base64 (RFC 4648 §4, padded)').transform((s) => fromBase64(s)!);
const positive = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** The fields that name the guest: POST /v1/runs and POST /v1/runs/:id/replay take the same. */
export const guestFields = {
  /** A bare WebAssembly module; needs `allowUnsigned: true`. */
  module: base64.optional(),
  /** A `.forgepkg`, verified against the kernel's trust roots. */
  package: base64.optional(),
  /** The store key (SHA-256 of the file) of a package uploaded with POST /v1/packages. */
  packageDigest: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits').optional(),
  allowUnsigned: z.boolean().optional(),
};

/** What a trace does not hold, so a replay is given it again: argv and the values of the offered variables. */
export const invocationFields = {
  /** argv[0], by convention the file name the guest was given as. */
  name: z.string().min(1).max(255).optional(),
  args: z.array(z.string().max(64 * 1024)).max(4096).optional(),
  // Read as entries before zod builds an object: a record's output object would drop a variable
  // named `__proto__` (an assignment, not a key) with no decision and no trace entry.
  env: z.preprocess(
    (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? new Map(Object.entries(v)) : v),
    z.map(z.string().regex(/^[^=\0]+$/, 'a variable name holds no "=" and no NUL').max(1024), z.string().max(64 * 1024)),
  ).optional(),
};

/** A body names its guest exactly once. */
export function exactlyOneGuest(b: { module?: unknown; package?: unknown; packageDigest?: unknown }, ctx: z.RefinementCtx): void {
  const given = (['module', 'package', 'packageDigest'] as const).filter((k) => b[k] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue({ code: 'custom', path: [given[1] ?? 'module'], message: `give exactly one of "module", "package" or "packageDigest"${given.length ? ` (got ${given.join(', ')})` : ''}` });
  }
}

export const runBodySchema = z.strictObject({
  ...guestFields,
  policy: z.union([z.enum(BUILTIN_POLICIES), z.array(z.unknown()).min(1).max(16)]).optional(),
  ...invocationFields,
  stdin: base64.optional(),
  limits: z.strictObject({ fuel: positive.optional(), memoryBytes: positive.optional(), timeoutMs: positive.optional() }).optional(),
  tenant: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a tenant id is lowercase [a-z0-9._-], at most 63 characters').optional(),
}).superRefine(exactlyOneGuest);

export type RunBody = z.infer<typeof runBodySchema>;

export interface RunPolicy {
  /** What runGuest gets: a built-in name (it grants the package's bundled files) or the layers. */
  readonly policy: BuiltinPolicyName | PolicyDocument[];
  /** The configured platform layer is replaced: the caller needs `policies:write`. */
  readonly replacesPlatform: boolean;
  /** A caller-written layer escalates to quarantine: the caller needs `quarantine:admin`. */
  readonly quarantines?: boolean;
}

const builtinOf = (p: LoadedPolicy) => (p.source.startsWith('builtin:') ? (p.source.slice('builtin:'.length) as BuiltinPolicyName) : undefined);

/**
 * Whether caller-written layers escalate to quarantine: that outlives the run (the identity is
 * refused everywhere until an admin releases it), so it is not a narrowing a run may ask for.
 */
const quarantines = (docs: readonly PolicyDocument[]) => docs.some((d) => d.escalation.some((e) => e.action === 'quarantine'));

/**
 * The policy of one run.
 * @throws KernelError POLICY_INVALID naming the document (`policy[1]`) and its bad field
 */
export function runPolicy(asked: RunBody['policy'], policies: readonly LoadedPolicy[], tenant: string, envNames: readonly string[]): RunPolicy {
  const platform = policies.find((p) => p.layer === 'platform');
  if (!platform) throw new KernelError('INTERNAL', 'the kernel has no platform policy layer');
  const tenantDoc = policies.find((p) => p.layer === `tenant:${tenant}`)?.document;
  const configured = builtinOf(platform);
  const platformDoc = configured ? builtinPolicy(configured, { env: envNames }) : platform.document;
  const under = (top: PolicyDocument[], rest: PolicyDocument[] = []) => [...top, ...(tenantDoc ? [tenantDoc] : []), ...rest];

  if (asked === undefined) {
    return { policy: configured && !tenantDoc ? configured : under([platformDoc]), replacesPlatform: false };
  }
  if (typeof asked === 'string') {
    return { policy: tenantDoc ? under([builtinPolicy(asked, { env: envNames })]) : asked, replacesPlatform: asked !== configured };
  }
  const docs = asked.map((d, i) => {
    try {
      return parsePolicy(d);
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      throw new KernelError(e.code, `request body field "policy[${i}]": ${e.message}`, { ...e.details, field: `policy[${i}]` }, { cause: e });
    }
  });
  const top = docs.filter((d) => d.layer === 'platform');
  if (top.length > 0) {
    if (docs.slice(0, top.length).some((d) => d.layer !== 'platform')) {
      throw new KernelError('POLICY_INVALID', 'request body field "policy": platform layers come first (platform → tenant → package → run)', { field: 'policy' });
    }
    return { policy: under(top, docs.slice(top.length)), replacesPlatform: true, quarantines: quarantines(docs) };
  }
  return { policy: under([platformDoc], docs), replacesPlatform: false, quarantines: quarantines(docs) };
}
