/**
 * The package manifest: what the package is and what it asks for. Only `name` and `version` are
 * required; every other field has a documented default (docs/forgepkg.md) that grants nothing.
 * A manifest requests; the kernel's policy decides.
 */
import { z } from 'zod';
import { KernelError } from '../errors.ts';
import { firstIssue } from '../lib/zod-issues.ts';

// Each pattern is linear-time: classes never overlap their delimiters, so no backtracking blowup.
const NAME_RE = /^[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)*$/;
const SEMVER_RE = /^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const MAX_GUEST_PATH = 1024;

/** An absolute guest path with no empty, `.` or `..` segment and no NUL: `/` or `/data/in.txt`. */
export function isGuestPath(p: string): boolean {
  if (p.length === 0 || p.length > MAX_GUEST_PATH || p[0] !== '/' || p.includes('\0')) return false;
  if (p === '/') return true;
  return p.slice(1).split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

const guestPath = z.string().refine(isGuestPath, 'must be an absolute guest path such as /data/in.txt (no empty, "." or ".." segments, at most 1024 characters)');

export const packageNameSchema = z.string().max(128, 'at most 128 characters')
  .regex(NAME_RE, 'must be lowercase letters, digits, ".", "_" or "-", in "/"-separated segments that start with a letter or digit (e.g. "acme/hello")');

export const manifestSchema = z.strictObject({
  name: packageNameSchema,
  version: z.string().max(64, 'at most 64 characters').regex(SEMVER_RE, 'must be a semantic version such as 1.0.0'),
  description: z.string().max(1024).optional(),
  /** `command`: a WASI command run to completion; `edge`: an edge function (request as CGI env + stdin). */
  kind: z.enum(['command', 'edge']).default('command'),
  /** The export called to start the guest. */
  entry: z.string().min(1).max(256).default('_start'),
  capabilities: z.strictObject({
    /** Guest paths (a file or a directory and everything under it) the guest asks to read or write. */
    files: z.array(z.strictObject({
      path: guestPath,
      access: z.enum(['ro', 'rw']).default('ro'),
    })).max(256).default([]),
    /** Names of host environment variables the guest asks to see. */
    env: z.array(z.string().max(128).regex(ENV_RE, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)')).max(256).default([]),
    clocks: z.boolean().default(false),
    random: z.boolean().default(false),
  }).prefault({}),
  /** Requested limits; an absent limit means the kernel's configured one (config.limits). */
  limits: z.strictObject({
    fuel: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    /** Linear memory cap, bytes. */
    memory: z.number().int().positive().max(2 ** 48).optional(),
    timeoutMs: z.number().int().positive().max(2 ** 31).optional(),
  }).prefault({}),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestInput = z.input<typeof manifestSchema>;

/**
 * Validates a manifest value and applies its defaults.
 * @throws KernelError PKG_MANIFEST_INVALID with `details.path` naming the bad field
 */
export function validateManifest(value: unknown): Manifest {
  const r = manifestSchema.safeParse(value);
  if (r.success) return r.data;
  const { path, message } = firstIssue(r.error);
  throw new KernelError('PKG_MANIFEST_INVALID', `manifest field ${path}: ${message}`, { path });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses manifest bytes (UTF-8 JSON) into a Manifest with defaults applied.
 * @throws KernelError PKG_MANIFEST_INVALID (not UTF-8, not JSON, or a field fails the schema)
 */
export function parseManifestBytes(bytes: Uint8Array): Manifest {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new KernelError('PKG_MANIFEST_INVALID', 'the manifest is not valid UTF-8', { path: '(root)' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new KernelError('PKG_MANIFEST_INVALID', `the manifest is not JSON: ${e instanceof Error ? e.message : String(e)}`, { path: '(root)' });
  }
  return validateManifest(value);
}
