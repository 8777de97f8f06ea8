import { toHex, utf8 } from '../lib/encoding.ts';
import { nobleCrypto } from '../crypto/noble.ts';
import { KernelError } from '../errors.ts';

/**
 * Canonical JSON in the RFC 8785 shape: keys sorted by UTF-16 code units, no whitespace, numbers
 * in ECMAScript's shortest round-trip form (what `JSON.stringify` writes), `undefined` members
 * dropped. Unlike src/lib/canonical-json.ts (signed package documents: integers only) it takes
 * fractions, because an inline policy document may hold a rate such as `perSecond: 0.5`.
 * @throws KernelError CONFIG_INVALID on a value JSON cannot carry (NaN, Infinity, a bigint)
 */
export function canonicalConfigJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new KernelError('CONFIG_INVALID', `a config value is not a finite number: ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalConfigJson(v ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalConfigJson(o[k])}`).join(',')}}`;
  }
  throw new KernelError('CONFIG_INVALID', `a config value of type ${typeof value} cannot be written as JSON`);
}

/**
 * Lowercase hex SHA-256 of the canonical JSON of a resolved config: the value every trace's
 * genesis entry carries, so a run names exactly the configuration it ran under. Key order and
 * formatting of the file do not change it; any change of a value does.
 */
export function configDigest(config: unknown): string {
  return toHex(nobleCrypto.sha256(utf8.encode(canonicalConfigJson(config))));
}
