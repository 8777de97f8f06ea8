import { z } from 'zod';

/**
 * The one configuration schema of the kernel. Every object is strict: an unknown key (a typo) is
 * an error naming its path, never silently ignored. docs/config.md documents each field
 * and its default; test/config/docs.test.ts keeps the two in step.
 */

/** Default limits applied to a run when neither the package nor the caller sets them. */
export const limitsSchema = z.strictObject({
  /** Instruction budget injected into the guest (decremented per function entry, loop iteration). */
  fuel: z.number().int().positive().default(10_000_000_000),
  /** Linear memory cap in bytes. */
  memoryBytes: z.number().int().positive().default(256 * 1024 * 1024),
  /** Wall-clock limit in milliseconds, where the host can interrupt. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** Captured stdout / stderr caps in bytes. */
  stdoutBytes: z.number().int().nonnegative().default(16 * 1024 * 1024),
  stderrBytes: z.number().int().nonnegative().default(1024 * 1024),
});

/** Trace retention (applied by src/stores/retention.ts): whole traces, oldest first, never a part of one. */
const retentionSchema = z.strictObject({
  /** Keep at most this many traces. Unset: no count limit. */
  maxRuns: z.number().int().nonnegative().optional(),
  /** Delete traces created longer ago than this many milliseconds. Unset: no age limit. */
  maxAgeMs: z.number().int().nonnegative().optional(),
  /** An unsealed trace younger than this is still being written and is never deleted. */
  unsealedGraceMs: z.number().int().nonnegative().default(24 * 60 * 60 * 1000),
});

export const STORE_KINDS = ['auto', 'memory', 'sqlite', 'indexeddb', 'cloudflare'] as const;

const storesSchema = z.strictObject({
  /** `auto` takes the host's default (Node: sqlite, browser: indexeddb, Workers: cloudflare). */
  kind: z.enum(STORE_KINDS).default('auto'),
  /** Where a file-backed store keeps its data (Node). Relative paths are relative to the working directory. */
  dataDir: z.string().min(1).default('.forge/data'),
  retention: retentionSchema.prefault({}),
});

/**
 * A policy or trust-root document: a reference the host resolves at boot (a file path in Node, a
 * binding or bundled name elsewhere), or the document inline; a policy may also name a built-in.
 */
const refOrDocument = {
  ref: z.string().min(1).optional(),
  document: z.record(z.string(), z.unknown()).optional(),
};
const exactlyOne = (s: Record<string, unknown>) => Object.values(s).filter((x) => x !== undefined).length === 1;

export const BUILTIN_POLICIES = ['baseline', 'permissive', 'strict'] as const;
/** The platform layer may be a built-in policy (built-ins are platform layers). */
export const policySourceSchema = z.strictObject({ builtin: z.enum(BUILTIN_POLICIES).optional(), ...refOrDocument })
  .refine(exactlyOne, { message: 'give exactly one of "builtin", "ref" or "document"' });
const tenantPolicySourceSchema = z.strictObject(refOrDocument)
  .refine(exactlyOne, { message: 'give exactly one of "ref" or "document" (built-in policies are platform layers)' });
const trustRootSourceSchema = z.strictObject(refOrDocument)
  .refine(exactlyOne, { message: 'give exactly one of "ref" or "document"' });

const TENANT_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;

const policySchema = z.strictObject({
  /** The top layer of the policy graph, applied to every run. */
  platform: policySourceSchema.default({ builtin: 'baseline' }),
  /** Per-tenant layers under the platform layer; they can only narrow it. */
  tenants: z.record(z.string().regex(TENANT_ID, 'a tenant id is lowercase [a-z0-9._-], at most 63 characters'), tenantPolicySourceSchema).default({}),
});

export const API_SCOPES = [
  'packages:read', 'packages:write', 'runs:execute', 'traces:read', 'policies:read', 'policies:write',
  'quarantine:read', 'quarantine:admin', 'health:read', 'admin',
] as const;

const apiTokenSchema = z.strictObject({
  /** Names the token in logs and in `FORGE_API_TOKEN_<ID>`; lowercase [a-z0-9_-]. */
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a token id is lowercase [a-z0-9_-], at most 63 characters'),
  /** Lowercase hex SHA-256 of the token. The token itself never appears in a file. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (the SHA-256 of the token)').optional(),
  scopes: z.array(z.enum(API_SCOPES)).min(1),
  /** Restricts the token to one tenant's packages, runs and traces. */
  tenant: z.string().regex(TENANT_ID).optional(),
});

/** An origin exactly as a browser writes it in the Origin header, so that comparing strings is comparing origins. */
const isSerializedOrigin = (s: string) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s;
  } catch {
    return false;
  }
};
const HOST_NAME = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/;
/** A host name as a URL gives it (lowercase, IPv6 in brackets, canonical), so that comparing strings is comparing hosts. */
const isHostName = (s: string) => {
  try {
    return HOST_NAME.test(s) && new URL(`http://${s}`).hostname === s;
  } catch {
    return false;
  }
};

const apiSchema = z.strictObject({
  /** When true, every API route except the health probes needs a bearer token. */
  requireAuth: z.boolean().default(true),
  tokens: z.array(apiTokenSchema).default([]).refine((ts) => new Set(ts.map((t) => t.id)).size === ts.length, {
    message: 'token ids must be unique',
  }),
  /**
   * Origins that are this kernel's own under another name — the public origin of a reverse proxy
   * in front of it. A request whose Origin is neither the request's own origin nor one of these
   * is refused. Not a CORS list: no CORS header is ever sent (docs/http-api.md). Unset: none —
   * and unset rather than an empty default, so that configs without it keep their digest.
   */
  allowedOrigins: z.array(z.string().refine(isSerializedOrigin, 'expected an origin as a browser sends it: scheme://host[:port], lowercase, no path or trailing slash, no default port')).optional(),
  /**
   * Host names (any port) this kernel answers besides loopback names. A loopback listener answers
   * only loopback names and these (DNS rebinding); once set, every host enforces the list. Unset: none.
   */
  allowedHosts: z.array(z.string().refine(isHostName, 'expected a host name without a port (any port is accepted): lowercase letters, digits, "-" and ".", or an IPv6 address in brackets')).optional(),
});

const anomalySchema = z.strictObject({
  /** Syscalls per sliding window the detector looks at. */
  windowSize: z.number().int().min(8).default(256),
  /** Percentage of denied calls in a window above which the window is anomalous. */
  maxDenialPercent: z.number().int().min(0).max(100).default(25),
  /** Distinct paths probed in one window above which the window is anomalous. */
  maxDistinctPaths: z.number().int().positive().default(64),
  /** Standard deviations a syscall's rate may move from the run's own baseline. */
  zScore: z.number().int().positive().default(4),
});

export const kernelConfigSchema = z.strictObject({
  /** Format version of this document. */
  version: z.literal(1).default(1),
  /** A stable name for this kernel instance; bound into every trace's genesis entry. */
  kernelId: z.string().min(1).max(128).default('forgeone'),
  limits: limitsSchema.prefault({}),
  trace: z.strictObject({
    /** A signed Merkle checkpoint every this many entries (and at the end of a run). */
    checkpointInterval: z.number().int().positive().default(1024),
  }).prefault({}),
  packages: z.strictObject({
    /** Largest `.forgepkg` accepted, in bytes. */
    maxBytes: z.number().int().positive().default(64 * 1024 * 1024),
  }).prefault({}),
  stores: storesSchema.prefault({}),
  policy: policySchema.prefault({}),
  trust: z.strictObject({
    /** Trust roots loaded at boot; an expired one refuses the boot. */
    roots: z.array(trustRootSourceSchema).default([]),
  }).prefault({}),
  api: apiSchema.prefault({}),
  anomaly: anomalySchema.prefault({}),
});

export type KernelConfig = z.infer<typeof kernelConfigSchema>;
export type KernelConfigInput = z.input<typeof kernelConfigSchema>;
export type Limits = z.infer<typeof limitsSchema>;
export type PolicySource = z.infer<typeof policySourceSchema>;
export type TenantPolicySource = z.infer<typeof tenantPolicySourceSchema>;
export type TrustRootSource = z.infer<typeof trustRootSourceSchema>;
export type ApiToken = z.infer<typeof apiTokenSchema>;
