/**
 * The flags of `forge run`, parsed once into typed values: sizes (`64MiB`), durations (`5s`),
 * fuel, directory mounts (`HOST[::GUEST]`) and environment variables (`K=V`). Every malformed
 * flag is a KernelError BAD_REQUEST naming the flag and an example of the expected form.
 */
import { KernelError } from '../../../src/errors.ts';
import { absoluteGuestPath } from '../../../src/execution/wasi/vfs.ts';

export interface DirSpec {
  readonly host: string;
  /** The preopen name the guest sees (`--dir data` mounts at `data`, as given). */
  readonly guest: string;
  /** The same as a normalized absolute path: what the policy grants. */
  readonly guestAbs: string;
  readonly readonly: boolean;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3,
};

/** `65536`, `512KiB`, `64MiB`, `1GiB` (K/M/G alone are binary; KB/MB/GB decimal). */
export function parseSize(value: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new KernelError('BAD_REQUEST', `${option} takes a size such as 64MiB, 512KiB or 1GiB, got ${JSON.stringify(value)}`);
  return n;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, '': 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** `500ms`, `5s`, `2m`, `1h`; a bare number is seconds. Returns milliseconds. */
export function parseDuration(value: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? DURATION_UNITS[m[2]!.toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new KernelError('BAD_REQUEST', `${option} takes a duration such as 500ms, 5s or 2m, got ${JSON.stringify(value)}`);
  return n;
}

/** A positive integer instruction budget; `_` separators allowed (`1_000_000`). */
export function parseFuel(value: string): number {
  const digits = value.replaceAll('_', '');
  const n = /^\d+$/.test(digits) ? Number(digits) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new KernelError('BAD_REQUEST', `--fuel takes a positive integer (at most 2^53−1) such as 1000000000, got ${JSON.stringify(value)}`);
  return n;
}

/** `HOST[::GUEST]`; without `::GUEST` the directory is mounted at the path as given. */
export function parseDir(value: string, readonly: boolean): DirSpec {
  const option = readonly ? '--dir-ro' : '--dir';
  const at = value.indexOf('::');
  const host = at < 0 ? value : value.slice(0, at);
  const guest = at < 0 ? value : value.slice(at + 2);
  if (host === '' || guest === '' || guest.includes('\0')) {
    throw new KernelError('BAD_REQUEST', `${option} takes HOST[::GUEST] such as ./data::/data, got ${JSON.stringify(value)}`);
  }
  return { host, guest, guestAbs: absoluteGuestPath(guest), readonly };
}

/** `NAME=value` (the value may contain `=` and newlines). */
export function parseEnv(value: string): readonly [string, string] {
  const eq = value.indexOf('=');
  const name = eq < 0 ? '' : value.slice(0, eq);
  if (name === '' || name.includes('\0') || value.includes('\0')) {
    throw new KernelError('BAD_REQUEST', `--env takes NAME=VALUE such as LANG=C.UTF-8, got ${JSON.stringify(value)}`);
  }
  return [name, value.slice(eq + 1)];
}

/** Mount points must differ: two preopens with one name would make the guest's view ambiguous. */
export function checkDistinct(dirs: readonly DirSpec[]): void {
  const seen = new Set<string>();
  for (const d of dirs) {
    if (seen.has(d.guestAbs)) throw new KernelError('BAD_REQUEST', `two directories are mounted at ${d.guestAbs}; give each --dir a different ::GUEST path`);
    seen.add(d.guestAbs);
  }
}
