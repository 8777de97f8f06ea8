import { fromHex, toHex, utf8 } from '../lib/encoding.ts';
import { KernelError } from '../errors.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';
import { configDigest } from './digest.ts';
import { BOOT_ENV, API_TOKEN_ENV_PREFIX, apiTokenEnvName, configFromEnv, envBool, envList } from './env.ts';
import { resolveConfig } from './resolve.ts';
import type { KernelConfig } from './schema.ts';
import { rejectSecrets } from './secrets.ts';
import { isEnvelope, openEnvelope, parseConfigKey, readEnvelope } from './signature.ts';

/** Where a configuration comes from. Plain values, so every host can fill them its own way. */
export interface ConfigSources {
  /**
   * The config file: its raw text or bytes (parsed here, so every host reports malformed JSON the
   * same way), or a value already parsed. A DSSE envelope is opened and its signature checked.
   */
  file?: unknown;
  /** Names the file in messages. */
  fileName?: string;
  /** Environment variables (`FORGE_*`); other names are ignored. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ConfigTrust {
  /** Refuse an unsigned or badly signed file. FORGE_REQUIRE_SIGNED_CONFIG can also turn it on; nothing in the file can. */
  requireSigned?: boolean;
  /** Ed25519 public keys (64 hex digits or key documents) allowed to sign the config; FORGE_CONFIG_KEYS adds more. */
  keys?: readonly unknown[];
}

export interface ConfigProvenance {
  readonly file: string | null;
  /** `verified`: signed by a trusted key; `unchecked`: signed, but no key was given to check it; `unsigned`. */
  readonly signature: 'verified' | 'unchecked' | 'unsigned';
  readonly signerKeyId: string | null;
  readonly requireSigned: boolean;
  /** The `FORGE_*` variables that set configuration fields (secrets are not listed). */
  readonly envOverrides: readonly string[];
}

/** Secrets arrive only from the environment or the host's bindings; they are not part of the config or its digest. */
export interface KernelSecrets {
  /** 32-byte Ed25519 seed of the kernel's signing key (checkpoints, attestations). */
  readonly kernelKey?: Uint8Array;
}

export interface LoadedConfig {
  readonly config: Readonly<KernelConfig>;
  readonly digest: string;
  readonly provenance: ConfigProvenance;
  readonly secrets: KernelSecrets;
}

/**
 * Merges defaults ← file ← environment, validates, freezes and digests the result.
 * @throws KernelError CONFIG_MALFORMED (not JSON), CONFIG_UNSIGNED, CONFIG_SIGNATURE_INVALID,
 *   CONFIG_INVALID (schema, a secret in the file, a bad environment variable) — each naming the
 *   field path or the variable
 */
export async function loadConfig(sources: ConfigSources, trust: ConfigTrust, crypto: CryptoProvider): Promise<LoadedConfig> {
  // a Worker's env also holds bindings (KV namespaces, Durable Objects): only strings are settings
  const env = Object.fromEntries(Object.entries(sources.env ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const fileName = sources.fileName ?? null;
  const label = fileName ? `config file "${fileName}"` : 'the config file';
  const requireSigned = trust.requireSigned === true || envBool(BOOT_ENV.requireSigned, env[BOOT_ENV.requireSigned] ?? '');
  const keys = [
    ...(trust.keys ?? []).map((k) => parseConfigKey(k, 'configKeys')),
    ...envList(env[BOOT_ENV.configKeys] ?? '').map((k) => parseConfigKey(k, BOOT_ENV.configKeys)),
  ];

  let file = parseJson(sources.file, label);
  let signature: ConfigProvenance['signature'] = 'unsigned';
  let signerKeyId: string | null = null;
  if (isEnvelope(file)) {
    if (keys.length > 0 || requireSigned) {
      const opened = await openEnvelope(file, keys, crypto);
      signature = 'verified';
      signerKeyId = opened.keyId;
      file = parseJson(opened.payload, `the signed payload of ${label}`);
    } else {
      file = parseJson(readEnvelope(file).payload, `the signed payload of ${label}`);
      signature = 'unchecked';
    }
  } else if (requireSigned) {
    throw new KernelError('CONFIG_UNSIGNED', file === undefined
      ? 'requireSignedConfig is set but no config file was given: pass a signed config (a DSSE envelope, see docs/config.md)'
      : `${label} is not signed, and requireSignedConfig is set: sign it with \`forge config sign\` (a DSSE envelope, see docs/config.md)`);
  }
  if (file !== undefined && (file === null || typeof file !== 'object' || Array.isArray(file))) {
    throw new KernelError('CONFIG_INVALID', `config field "(root)": ${label} must hold a JSON object`, { path: '(root)' });
  }
  if (file !== undefined) rejectSecrets(file);

  const { partial, used } = configFromEnv(env);
  if (requireSigned && used.length > 0) {
    throw new KernelError('CONFIG_INVALID', `environment variable ${used[0]} would override the signed config; with requireSignedConfig only secrets come from the environment — put the setting in the signed file`, { variable: used[0] });
  }
  const merged = deepMerge((file ?? {}) as Record<string, unknown>, partial);
  const config = resolveConfig(applyTokenSecrets(merged, env, crypto), used);

  const kernelKeyHex = env[BOOT_ENV.kernelKey];
  let kernelKey: Uint8Array | undefined;
  if (kernelKeyHex !== undefined && kernelKeyHex.trim() !== '') { // set but empty is unset, as in a shell
    kernelKey = fromHex(kernelKeyHex.trim());
    if (!kernelKey || kernelKey.length !== 32) {
      throw new KernelError('CONFIG_INVALID', `environment variable ${BOOT_ENV.kernelKey}: expected 64 hex digits (an Ed25519 seed)`, { variable: BOOT_ENV.kernelKey });
    }
  }
  return {
    config,
    digest: configDigest(config),
    provenance: Object.freeze({ file: fileName, signature, signerKeyId, requireSigned, envOverrides: Object.freeze(used) }),
    secrets: Object.freeze(kernelKey ? { kernelKey } : {}),
  };
}

function parseJson(value: unknown, label: string): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) return value;
  const text = typeof value === 'string' ? value : utf8.decode(value);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new KernelError('CONFIG_MALFORMED', `${label} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Objects merge key by key; anything else (arrays included) from `over` replaces `base`. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
    out[k] = isObj(b) && isObj(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/**
 * Raw API tokens come only from `FORGE_API_TOKEN_<ID>`; each is hashed into its declared token's
 * `sha256`, so the resolved config (and its digest) holds hashes, never tokens.
 */
function applyTokenSecrets(merged: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>, crypto: CryptoProvider): Record<string, unknown> {
  const names = Object.keys(env).filter((n) => n.startsWith(API_TOKEN_ENV_PREFIX) && env[n] !== undefined).sort();
  const api = merged['api'] as { tokens?: unknown } | undefined;
  const tokens = Array.isArray(api?.tokens) ? [...(api.tokens as Array<Record<string, unknown>>)] : [];
  for (const name of names) {
    const i = tokens.findIndex((t) => typeof t?.['id'] === 'string' && apiTokenEnvName(t['id']) === name);
    if (i < 0) throw new KernelError('CONFIG_INVALID', `environment variable ${name} names no token declared in api.tokens (declare its id and scopes in the config file)`, { variable: name });
    const raw = env[name]!;
    if (raw.length < 16) throw new KernelError('CONFIG_INVALID', `environment variable ${name}: an API token needs at least 16 characters`, { variable: name });
    const hash = toHex(crypto.sha256(utf8.encode(raw)));
    if (tokens[i]!['sha256'] !== undefined && tokens[i]!['sha256'] !== hash) {
      throw new KernelError('CONFIG_INVALID', `config field "api.tokens[${i}].sha256" and ${name} disagree; give the token in one place`, { path: `api.tokens[${i}].sha256`, variable: name });
    }
    tokens[i] = { ...tokens[i], sha256: hash };
  }
  tokens.forEach((t, i) => {
    if (t && typeof t === 'object' && t['sha256'] === undefined && typeof t['id'] === 'string') {
      throw new KernelError('CONFIG_INVALID', `config field "api.tokens[${i}].sha256": token "${t['id']}" has no hash — set ${apiTokenEnvName(t['id'])} or give the token's SHA-256`, { path: `api.tokens[${i}].sha256` });
    }
  });
  return tokens.length ? { ...merged, api: { ...(merged['api'] as object), tokens } } : merged;
}
