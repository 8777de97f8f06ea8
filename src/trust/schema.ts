/**
 * The policy language: one JSON document per layer of the policy graph (platform → tenant →
 * package → run). This zod schema is the single definition; `policyJsonSchema()` derives the JSON
 * Schema from it and docs/policy.md documents it with examples. Action names are plain strings
 * here on purpose: the graph validator reports unknown ones with a suggestion (like Cedar's).
 */
import { z } from 'zod';

/** Layer levels, from the widest (platform) to the narrowest (run). */
export const POLICY_LEVELS = ['platform', 'tenant', 'package', 'run'] as const;
export type PolicyLevel = (typeof POLICY_LEVELS)[number];

/** Tiers an escalation rule can apply: built-in policies added as a narrowing layer. */
export const ESCALATION_TIERS = ['baseline', 'strict'] as const;

const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/,
  'ids are 1–128 characters: letters, digits and . _ : @ / - (starting with a letter or digit)');

/**
 * Limits on patterns. Policies arrive from API callers and package authors, and one decision
 * costs up to O(path × pattern) (src/lib/glob/paths.ts), so the pattern side is bounded here. The
 * wildcard counts are far above what a real policy writes; they keep the work of a pattern close
 * to its length. `maxLength`/`maxItems` are only for the JSON Schema: the rule-level check below
 * does the refusing, so that its message can name the rule.
 */
export const PATTERN_LIMITS = {
  /** Characters in one path glob (a guest path argument is at most PATH_MAX, 4096 bytes). */
  pathGlobLength: 1024,
  /** Characters in one env glob. */
  envGlobLength: 256,
  /** Whole `**` segments in one path glob. */
  globstars: 16,
  /** `*` wildcards in one glob, not counting `**` segments. */
  stars: 16,
  /** Globs in one rule's `paths`, and in its `env`. */
  globsPerRule: 1024,
  /** Rules in one layer document. */
  rulesPerDocument: 4096,
} as const;

const pathGlobSchema = z.string().min(1).meta({ maxLength: PATTERN_LIMITS.pathGlobLength })
  .refine((g) => g.startsWith('/'), 'path globs are absolute guest paths and start with "/" (e.g. "/data/**")')
  .refine((g) => g.split('/').every((seg) => seg === '**' || !seg.includes('**')), '"**" must be a whole path segment (e.g. "/data/**/x")');

const envGlobSchema = z.string().min(1).meta({ maxLength: PATTERN_LIMITS.envGlobLength });

const countStars = (s: string) => s.split('*').length - 1;

/** What in one glob is over PATTERN_LIMITS, or undefined. */
function globOverLimit(kind: 'path' | 'env', g: string): string | undefined {
  const L = PATTERN_LIMITS;
  const max = kind === 'path' ? L.pathGlobLength : L.envGlobLength;
  if (g.length > max) return `is ${g.length} characters long, over the limit of ${max}`;
  const segs = kind === 'path' ? g.split('/') : [g];
  const globstars = kind === 'path' ? segs.filter((x) => x === '**').length : 0;
  if (globstars > L.globstars) return `has ${globstars} "**" segments, over the limit of ${L.globstars}`;
  const stars = segs.reduce((n, x) => n + (kind === 'path' && x === '**' ? 0 : countStars(x)), 0);
  if (stars > L.stars) return `has ${stars} "*" wildcards${kind === 'path' ? ' besides its "**" segments' : ''}, over the limit of ${L.stars}`;
  return undefined;
}

const subjectMatchSchema = z.strictObject({
  packageName: z.string().min(1).optional(),
  packageDigest: z.string().min(1).optional(),
  signer: z.string().min(1).optional(),
  signed: z.boolean().optional(),
  tenant: z.string().min(1).optional(),
  labels: z.record(z.string().min(1), z.string()).optional(),
});

const ruleSchema = z.strictObject({
  id: idSchema,
  effect: z.enum(['allow', 'deny']),
  /** WASI syscall names, action groups (fs.read, …) or "*" for every syscall. */
  actions: z.array(z.string().min(1)).min(1),
  subject: subjectMatchSchema.optional(),
  resources: z.strictObject({
    paths: z.array(pathGlobSchema).min(1).meta({ maxItems: PATTERN_LIMITS.globsPerRule }).optional(),
    env: z.array(envGlobSchema).min(1).meta({ maxItems: PATTERN_LIMITS.globsPerRule }).optional(),
    fds: z.array(z.int().min(0).max(0x7fffffff)).min(1).optional(),
  }).optional(),
  conditions: z.strictObject({
    bytes: z.strictObject({ min: z.int().min(0).optional(), max: z.int().min(0).optional() })
      .refine((b) => b.min !== undefined || b.max !== undefined, 'a bytes condition needs "min", "max" or both')
      .optional(),
    access: z.array(z.enum(['read', 'write', 'readwrite'])).min(1).optional(),
  }).optional(),
  description: z.string().optional(),
}).superRefine((rule, ctx) => {
  for (const kind of ['path', 'env'] as const) {
    const field = kind === 'path' ? 'paths' : 'env';
    const globs = rule.resources?.[field];
    if (globs === undefined) continue;
    if (globs.length > PATTERN_LIMITS.globsPerRule) {
      ctx.addIssue({ code: 'custom', path: ['resources', field],
        message: `rule "${rule.id}" lists ${globs.length} ${kind} globs, over the limit of ${PATTERN_LIMITS.globsPerRule} per rule` });
      continue;
    }
    globs.forEach((g, i) => {
      const why = globOverLimit(kind, g);
      if (why) ctx.addIssue({ code: 'custom', path: ['resources', field, i], message: `rule "${rule.id}": ${kind} glob ${why}` });
    });
  }
});

const limitSchema = z.strictObject({
  id: idSchema,
  /** What the limit counts; absent means every syscall. */
  actions: z.array(z.string().min(1)).min(1).optional(),
  /** calls: 1 per call; bytes: the bytes a call moves; opens: 1 per path_open. */
  kind: z.enum(['calls', 'bytes', 'opens']).default('calls'),
  /** Token-bucket refill rate (units per second of the injected clock). */
  perSecond: z.number().positive().optional(),
  /** Bucket capacity; defaults to one second's worth (perSecond). */
  burst: z.number().positive().optional(),
  /** A quota for the whole run: never refilled. */
  total: z.int().min(0).optional(),
  description: z.string().optional(),
}).refine((l) => l.perSecond !== undefined || l.total !== undefined, 'a limit needs "perSecond" (a rate), "total" (a quota) or both')
  .refine((l) => l.burst === undefined || l.perSecond !== undefined, '"burst" is the capacity of a rate: it needs "perSecond"');

const escalationSchema = z.strictObject({
  /** Acts once the trust score falls below this value. */
  below: z.number().min(0).max(100),
  /** Narrow the container to a built-in tier for the rest of the run. */
  apply: z.enum(ESCALATION_TIERS).optional(),
  /** Or quarantine the container identity. */
  action: z.literal('quarantine').optional(),
}).refine((e) => (e.apply === undefined) !== (e.action === undefined), 'an escalation rule has exactly one of "apply" (a tier) or "action": "quarantine"');

export const policyDocumentSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1),
  /** Names the layer in reasons and validation messages. */
  id: idSchema,
  layer: z.enum(POLICY_LEVELS),
  /** monitor: decisions and limits are computed and recorded, but never refuse. */
  mode: z.enum(['enforce', 'monitor']).default('enforce'),
  /**
   * For actions this layer has no allow rule for: `inherit` passes the decision of the layers
   * above through; `deny` refuses them. The first layer of a graph always behaves as `deny`.
   */
  unlisted: z.enum(['inherit', 'deny']).default('inherit'),
  description: z.string().optional(),
  rules: z.array(ruleSchema).max(PATTERN_LIMITS.rulesPerDocument, `a layer has at most ${PATTERN_LIMITS.rulesPerDocument} rules (the limit per document)`).default([]),
  limits: z.array(limitSchema).default([]),
  escalation: z.array(escalationSchema).default([]),
});

export type PolicyDocument = z.output<typeof policyDocumentSchema>;
export type PolicyDocumentInput = z.input<typeof policyDocumentSchema>;
export type PolicyRule = PolicyDocument['rules'][number];
export type PolicyLimit = PolicyDocument['limits'][number];
export type EscalationRule = PolicyDocument['escalation'][number];
export type SubjectMatch = NonNullable<PolicyRule['subject']>;

/** Who a container is, as the rules' `subject` clauses see it. */
export interface Subject {
  readonly packageName?: string;
  readonly packageDigest?: string;
  readonly signer?: string;
  readonly signed: boolean;
  readonly rootVersion?: number;
  readonly tenant?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** The policy language as a JSON Schema (draft 2020-12), for editors and other tools. */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(policyDocumentSchema, { io: 'input' }) as Record<string, unknown>;
}
