import { formatIssuePath } from '../lib/zod-issues.ts';
import { KernelError } from '../errors.ts';

/**
 * Secrets never come from a file: a config file is copied, committed and mailed around. This scan
 * runs over the whole file (inline policy and trust-root documents included) before the schema,
 * so the message can say where the secret belongs instead of "unrecognized key".
 */

const SECRET_WORDS = new Set(['secret', 'secrets', 'password', 'passwd', 'passphrase', 'token', 'apikey', 'privatekey', 'privkey', 'seed', 'credential', 'credentials']);
const SECRET_PAIRS = new Set(['private key', 'api key', 'secret key', 'access key', 'signing key', 'client secret']);
const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Splits `apiKey`, `api_key`, `api-key` and `APIKey` alike into lowercase words. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** True when a field name looks like it holds a secret. */
export function looksSecret(key: string): boolean {
  const w = words(key);
  if (w.some((x) => SECRET_WORDS.has(x))) return true;
  for (let i = 0; i + 1 < w.length; i++) if (SECRET_PAIRS.has(`${w[i]} ${w[i + 1]}`)) return true;
  return false;
}

/**
 * Refuses a file that carries a secret-looking field or a PEM private key anywhere.
 * @throws KernelError CONFIG_INVALID naming the field's path and where the secret belongs
 */
export function rejectSecrets(value: unknown, path: readonly (string | number)[] = []): void {
  const where = formatIssuePath(path);
  if (typeof value === 'string' && PEM_PRIVATE.test(value)) {
    throw secretError(where, 'holds a PEM private key');
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => rejectSecrets(v, [...path, i]));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (looksSecret(k)) throw secretError(formatIssuePath([...path, k]), 'looks like a secret');
      rejectSecrets(v, [...path, k]);
    }
  }
}

function secretError(path: string, what: string): KernelError {
  return new KernelError(
    'CONFIG_INVALID',
    `config field "${path}" ${what}; secrets are never read from a config file — pass them through environment variables (FORGE_API_TOKEN_<ID>, FORGE_KERNEL_KEY) or the host's secret bindings`,
    { path },
  );
}
