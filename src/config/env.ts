import { KernelError } from '../errors.ts';
import { BUILTIN_POLICIES } from './schema.ts';

/**
 * The documented mapping from `FORGE_*` environment variables to configuration fields. An explicit
 * table rather than a name-mangling rule, so the names stay stable when a field is renamed and
 * docs/config.md can list every one (test/config/docs.test.ts checks it does).
 */
type EnvKind = 'string' | 'int' | 'bool' | 'policy' | 'refs';

export interface EnvBinding {
  readonly name: string;
  /** Dotted path of the configuration field. */
  readonly path: string;
  readonly kind: EnvKind;
}

const bind = (name: string, path: string, kind: EnvKind): EnvBinding => ({ name, path, kind });

export const CONFIG_ENV: readonly EnvBinding[] = [
  bind('FORGE_KERNEL_ID', 'kernelId', 'string'),
  bind('FORGE_LIMITS_FUEL', 'limits.fuel', 'int'),
  bind('FORGE_LIMITS_MEMORY_BYTES', 'limits.memoryBytes', 'int'),
  bind('FORGE_LIMITS_TIMEOUT_MS', 'limits.timeoutMs', 'int'),
  bind('FORGE_LIMITS_STDOUT_BYTES', 'limits.stdoutBytes', 'int'),
  bind('FORGE_LIMITS_STDERR_BYTES', 'limits.stderrBytes', 'int'),
  bind('FORGE_TRACE_CHECKPOINT_INTERVAL', 'trace.checkpointInterval', 'int'),
  bind('FORGE_PACKAGES_MAX_BYTES', 'packages.maxBytes', 'int'),
  bind('FORGE_STORES_KIND', 'stores.kind', 'string'),
  bind('FORGE_STORES_DATA_DIR', 'stores.dataDir', 'string'),
  bind('FORGE_STORES_RETENTION_MAX_RUNS', 'stores.retention.maxRuns', 'int'),
  bind('FORGE_STORES_RETENTION_MAX_AGE_MS', 'stores.retention.maxAgeMs', 'int'),
  bind('FORGE_STORES_RETENTION_UNSEALED_GRACE_MS', 'stores.retention.unsealedGraceMs', 'int'),
  bind('FORGE_POLICY_PLATFORM', 'policy.platform', 'policy'),
  bind('FORGE_TRUST_ROOTS', 'trust.roots', 'refs'),
  bind('FORGE_API_REQUIRE_AUTH', 'api.requireAuth', 'bool'),
  bind('FORGE_ANOMALY_WINDOW_SIZE', 'anomaly.windowSize', 'int'),
  bind('FORGE_ANOMALY_MAX_DENIAL_PERCENT', 'anomaly.maxDenialPercent', 'int'),
  bind('FORGE_ANOMALY_MAX_DISTINCT_PATHS', 'anomaly.maxDistinctPaths', 'int'),
  bind('FORGE_ANOMALY_Z_SCORE', 'anomaly.zScore', 'int'),
];

/** Variables that steer the boot but are not configuration fields (never in the digest). */
export const BOOT_ENV = {
  /** Path of the JSON config file (read by the Node adapter). */
  configFile: 'FORGE_CONFIG',
  /** `true`/`1`: refuse an unsigned or badly signed config. */
  requireSigned: 'FORGE_REQUIRE_SIGNED_CONFIG',
  /** Comma-separated hex Ed25519 public keys allowed to sign the config. */
  configKeys: 'FORGE_CONFIG_KEYS',
  /** Hex 32-byte Ed25519 seed of the kernel's signing key (a secret). */
  kernelKey: 'FORGE_KERNEL_KEY',
} as const;

/** `FORGE_API_TOKEN_<ID>`: the raw API token of the token declared with that id (a secret). */
export const API_TOKEN_ENV_PREFIX = 'FORGE_API_TOKEN_';

/** The env name carrying the raw value of API token `id`. */
export function apiTokenEnvName(id: string): string {
  return API_TOKEN_ENV_PREFIX + id.toUpperCase().replace(/-/g, '_');
}

/** Parses a boolean environment value. @throws KernelError CONFIG_INVALID */
export function envBool(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === '') return false;
  throw envError(name, `expected true or false, got ${JSON.stringify(raw)}`);
}

/** A comma-separated list, blanks dropped. */
export function envList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * The configuration fields the environment sets, as a nested partial config, and which variables
 * set them. Every `FORGE_*` name must be known: a misspelt variable is an error, not a no-op.
 * @throws KernelError CONFIG_INVALID naming the variable
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): { partial: Record<string, unknown>; used: string[] } {
  const partial: Record<string, unknown> = {};
  const used: string[] = [];
  const known = new Set<string>([...CONFIG_ENV.map((b) => b.name), ...Object.values(BOOT_ENV)]);
  for (const [name, raw] of Object.entries(env)) {
    // a Worker's env also holds bindings (objects such as FORGE_KV): only strings are settings
    if (!name.startsWith('FORGE_') || typeof raw !== 'string') continue;
    if (name.startsWith(API_TOKEN_ENV_PREFIX)) continue;
    if (!known.has(name)) {
      throw new KernelError('CONFIG_INVALID', `environment variable ${name} is not a ForgeOne setting (docs/config.md lists them all)`, { variable: name });
    }
    const b = CONFIG_ENV.find((x) => x.name === name);
    if (!b) continue;
    setPath(partial, b.path.split('.'), parseValue(b, raw));
    used.push(name);
  }
  return { partial, used: used.sort() };
}

function parseValue(b: EnvBinding, raw: string): unknown {
  switch (b.kind) {
    case 'string': return raw;
    case 'bool': return envBool(b.name, raw);
    case 'int': {
      const t = raw.trim().replace(/_/g, '');
      const n = /^-?[0-9]+$/.test(t) ? Number(t) : Number.NaN;
      if (!Number.isSafeInteger(n)) throw envError(b.name, `expected an integer, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'policy': {
      const v = raw.trim();
      return (BUILTIN_POLICIES as readonly string[]).includes(v) ? { builtin: v } : { ref: v };
    }
    case 'refs': return envList(raw).map((ref) => ({ ref }));
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let o = target;
  for (const key of path.slice(0, -1)) {
    const next = o[key];
    o = (next && typeof next === 'object' ? next : (o[key] = {})) as Record<string, unknown>;
  }
  o[path.at(-1)!] = value;
}

function envError(name: string, what: string): KernelError {
  return new KernelError('CONFIG_INVALID', `environment variable ${name}: ${what}`, { variable: name });
}
