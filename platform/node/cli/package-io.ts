/** File helpers shared by the package and trust commands: every failure is a KernelError. */
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { KernelError, type ErrorCode } from '../../../src/errors.ts';
import { terminalSafe } from '../../../src/lib/escape.ts';
import { parseKeyFile, parseTrustRoot, resolveCrypto, trustRootDocument, type KeyPair, type TrustRoot } from '../../../src/packages/index.ts';
import { nodeCrypto } from '../crypto.ts';

/** noble for hashing and signing, Node's WebCrypto for verification. */
export const cliCrypto = resolveCrypto(nodeCrypto);

export function readBytes(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new KernelError('NOT_FOUND', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { path });
  }
}

export function readJson(path: string, what: string, code: ErrorCode): unknown {
  const text = new TextDecoder().decode(readBytes(path, what));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new KernelError(code, `${what} ${path} is not JSON: ${e instanceof Error ? e.message : String(e)}`, { path });
  }
}

export function readKey(path: string): KeyPair {
  try {
    return parseKeyFile(readJson(path, 'key file', 'KEY_INVALID'));
  } catch (e) {
    if (e instanceof KernelError && e.code === 'KEY_INVALID' && !e.message.includes(path)) throw new KernelError('KEY_INVALID', `${path}: ${e.message}`, { path });
    throw e;
  }
}

export function readRoot(path: string): TrustRoot {
  return parseTrustRoot(readJson(path, 'trust root', 'TRUST_ROOT_INVALID'));
}

/** Writes via a temporary file and a rename, so a reader never sees half a file. */
export function writeAtomic(path: string, data: Uint8Array | string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

export function writeRoot(path: string, root: TrustRoot): void {
  writeAtomic(path, `${JSON.stringify(trustRootDocument(root), null, 2)}\n`);
}

/** `2027-01-01`, `2027-01-01T12:00:00Z`, or a duration from now: `90d`, `12h`. */
export function parseTime(value: string, now: number, option: string): number {
  const rel = /^(\d+)([dh])$/.exec(value);
  if (rel) return now + Number(rel[1]) * (rel[2] === 'd' ? 86_400_000 : 3_600_000);
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new KernelError('BAD_REQUEST', `${option} ${JSON.stringify(value)} is not a time: use an ISO date such as 2027-01-01, or a duration such as 365d or 12h`);
  return t;
}

export function parseCount(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new KernelError('BAD_REQUEST', `${option} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** For repeatable options: `--key a.json --key b.json`. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function describeRoot(root: TrustRoot): string {
  const live = [...root.keys.values()].filter((k) => !root.revoked.has(k.id)).length;
  return `trust root v${root.version}: ${live} active key(s)${root.revoked.size ? `, ${root.revoked.size} revoked` : ''}, root threshold ${root.threshold}, package threshold ${root.packageThreshold}, expires ${new Date(root.expires).toISOString()}`;
}

/** Prints a line of the CLI's output; nothing in it can drive the terminal (terminalSafe). */
export const out = (line = ''): void => {
  process.stdout.write(`${terminalSafe(line)}\n`);
};
