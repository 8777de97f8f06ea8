import { KernelError } from '../errors.ts';

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, integers only.
 * Signed documents (trust roots, in-toto statements) are signed over this form, so two writers
 * that hold the same value produce the same bytes.
 * @throws KernelError INTERNAL for a value JSON cannot represent canonically (a float, undefined…)
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new KernelError('INTERNAL', `canonical JSON holds only safe integers, got ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value).sort().flatMap((k) => {
      const v = (value as Record<string, unknown>)[k];
      return v === undefined ? [] : [`${JSON.stringify(k)}:${canonicalJson(v)}`];
    });
    return `{${entries.join(',')}}`;
  }
  throw new KernelError('INTERNAL', `canonical JSON cannot hold a ${typeof value}`);
}
