/**
 * Redaction: which arguments and returned data stay out of a trace. Globs use the policy
 * language's syntax (src/lib/glob/paths.ts). A redacted value is stored as SHA-256(nonce ‖ 0x00 ‖
 * value) — salted with the run's nonce so equal secrets in two traces do not match, yet a replay
 * of this trace can still recompute and compare it.
 */
import { utf8 } from '../../lib/encoding.ts';
import { KernelError } from '../../errors.ts';
import { envGlobProblem, matchPath, parseEnvGlob, parsePathGlob, pathGlobProblem, type EnvGlob, type PathGlob } from '../../lib/glob/index.ts';
import type { RedactionRules } from '../format.ts';
import type { Hasher } from '../hash/hasher.ts';

export const DEFAULT_MAX_ENTRY_DATA = 1024 * 1024;
export const DEFAULT_MAX_RUN_DATA = 16 * 1024 * 1024;

export interface Redaction {
  readonly paths: readonly string[];
  readonly env: readonly string[];
  readonly data: 'keep' | 'digest';
  readonly maxEntryData: number;
  readonly maxRunData: number;
  path(p: string): boolean;
  envName(n: string): boolean;
}

/**
 * Compiles redaction rules.
 * @throws KernelError POLICY_INVALID naming the bad glob or cap
 */
export function compileRedaction(rules: RedactionRules = {}): Redaction {
  const paths = [...(rules.paths ?? [])];
  const env = [...(rules.env ?? [])];
  for (const g of [...paths, ...env]) {
    if (!g.isWellFormed()) throw new KernelError('POLICY_INVALID', 'a redaction glob holds a lone UTF-16 surrogate', { glob: g });
  }
  for (const g of paths) {
    const why = g.startsWith('/') ? pathGlobProblem(g) : 'path globs are absolute guest paths and start with "/"';
    if (why) throw new KernelError('POLICY_INVALID', `redact.paths: "${g}": ${why}`, { glob: g });
  }
  for (const g of env) {
    const why = envGlobProblem(g);
    if (why) throw new KernelError('POLICY_INVALID', `redact.env: "${g}": ${why}`, { glob: g });
  }
  const cap = (v: number | undefined, d: number, what: string) => {
    if (v === undefined) return d;
    if (!Number.isSafeInteger(v) || v < 0) throw new KernelError('POLICY_INVALID', `redact.${what} must be a non-negative integer, got ${v}`);
    return v;
  };
  const pathGlobs: PathGlob[] = paths.map(parsePathGlob);
  const envGlobs: EnvGlob[] = env.map(parseEnvGlob);
  return {
    paths, env,
    data: rules.data ?? 'keep',
    maxEntryData: cap(rules.maxEntryData, DEFAULT_MAX_ENTRY_DATA, 'maxEntryData'),
    maxRunData: cap(rules.maxRunData, DEFAULT_MAX_RUN_DATA, 'maxRunData'),
    path: (p) => pathGlobs.length > 0 && pathGlobs.some((g) => matchPath(g, p)),
    envName: (n) => envGlobs.length > 0 && envGlobs.some((g) => g.regex.test(n)),
  };
}

const SEP = Uint8Array.of(0);

/** The stored form of a redacted value. */
export function saltedDigest(h: Hasher, nonce: Uint8Array, value: string): Uint8Array {
  return h.digest(nonce, SEP, utf8.encode(value));
}
