import { KernelError } from '../errors.ts';
import { kernelConfigSchema, type KernelConfig, type KernelConfigInput } from './schema.ts';

export { kernelConfigSchema, limitsSchema, type KernelConfig, type KernelConfigInput, type Limits } from './schema.ts';

/**
 * Validates a configuration, fills defaults and freezes the result.
 * @throws KernelError CONFIG_INVALID naming the path of the first bad field
 */
export function resolveConfig(input: unknown = {}): Readonly<KernelConfig> {
  const parsed = kernelConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    throw new KernelError('CONFIG_INVALID', `config field "${path}": ${issue.message}`, { path, issues: parsed.error.issues });
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

export type { KernelConfigInput as ConfigInput };
