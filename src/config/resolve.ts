import { formatIssuePath } from '../lib/zod-issues.ts';
import { KernelError } from '../errors.ts';
import { CONFIG_ENV } from './env.ts';
import { kernelConfigSchema, type KernelConfig } from './schema.ts';

/**
 * Validates a configuration value, fills defaults and deep-freezes the result.
 * @param fromEnv the `FORGE_*` variables that set fields, so an error can name the variable too
 * @throws KernelError CONFIG_INVALID naming the path of the first bad field
 */
export function resolveConfig(input: unknown = {}, fromEnv: readonly string[] = []): Readonly<KernelConfig> {
  const parsed = kernelConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // an unknown key is reported at its own path, not at its parent's
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = formatIssuePath([...issue.path, ...keys.slice(0, 1)]);
    const bound = CONFIG_ENV.find((b) => fromEnv.includes(b.name) && path.startsWith(b.path));
    const via = bound ? ` (set by ${bound.name})` : '';
    const message = issue.code === 'unrecognized_keys' ? 'is not a configuration field (see docs/config.md)' : issue.message;
    throw new KernelError('CONFIG_INVALID', `config field "${path}"${via}: ${message}`, { path, issues: parsed.error.issues });
  }
  return deepFreeze(parsed.data);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
