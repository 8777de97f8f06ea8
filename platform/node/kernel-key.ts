/**
 * The kernel's signing key on Node: it signs every trace's checkpoints and closing attestation.
 * FORGE_KERNEL_KEY (64 hex digits, an Ed25519 seed) wins when set — the form for containers and
 * secret managers; otherwise `<dataDir>/kernel-key.json` (the `forge keygen` format), created on
 * first use with mode 0600 inside a 0700 directory, and refused if group or others can read it.
 */
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fromHex } from '../../src/lib/encoding.ts';
import { generateKeyPair, keyFileJson, keyPairFromSecret, parseKeyFile, parsePublicKey, type KeyPair } from '../../src/packages/index.ts';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import { KernelError } from '../../src/errors.ts';

export const KERNEL_KEY_FILE = 'kernel-key.json';
export const DEFAULT_DATA_DIR = '.forge';

export interface KernelKey extends KeyPair {
  /** Where the key came from: the environment, an existing file, or a file created just now. */
  readonly source: 'env' | 'file' | 'created';
  readonly path?: string;
}

export interface KernelKeyOptions {
  /** The data directory (default `.forge`, relative to the working directory). */
  readonly dataDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Create the key file when it does not exist (default true). */
  readonly create?: boolean;
}

/**
 * Loads (or creates) the kernel signing key.
 * @throws KernelError KEY_INVALID for a malformed FORGE_KERNEL_KEY or key file, or a key file others can read;
 *   NOT_FOUND when it does not exist and `create` is false
 */
export function loadKernelKey(opts: KernelKeyOptions = {}): KernelKey {
  const env = opts.env ?? process.env;
  const hex = env['FORGE_KERNEL_KEY'];
  if (hex !== undefined && hex.trim() !== '') {
    const seed = /^[0-9a-fA-F]{64}$/.test(hex.trim()) ? fromHex(hex.trim()) : undefined;
    if (!seed) throw new KernelError('KEY_INVALID', 'FORGE_KERNEL_KEY must be 64 hex digits: the 32-byte Ed25519 seed of the kernel key');
    return { ...keyPairFromSecret(seed), source: 'env' };
  }
  const dir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const path = join(dir, KERNEL_KEY_FILE);
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new KernelError('KEY_INVALID', `cannot read the kernel key ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { path });
    if (opts.create === false) throw new KernelError('NOT_FOUND', `no kernel key at ${path} (and FORGE_KERNEL_KEY is not set)`, { path });
    return create(dir, path);
  }
  if ((mode & 0o077) !== 0) {
    throw new KernelError('KEY_INVALID', `the kernel key ${path} is readable by others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${path}`, { path });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new KernelError('KEY_INVALID', `the kernel key ${path} is not JSON: ${e instanceof Error ? e.message : String(e)}`, { path });
  }
  try {
    return { ...parseKeyFile(doc), source: 'file', path };
  } catch (e) {
    throw new KernelError('KEY_INVALID', `the kernel key ${path}: ${e instanceof Error ? e.message : String(e)}`, { path });
  }
}

function create(dir: string, path: string): KernelKey {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = generateKeyPair({ crypto: nobleCrypto });
  let fd: number;
  try {
    // 'wx': exclusive — two processes starting at once cannot both write a key.
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadKernelKey({ dataDir: dir, env: {}, create: false });
    throw new KernelError('KEY_INVALID', `cannot create the kernel key ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { path });
  }
  try {
    writeSync(fd, `${JSON.stringify(keyFileJson(key), null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  return { ...key, source: 'created', path };
}

/**
 * A kernel public key given on the command line: a key document (public or private) or 64 hex digits.
 * @throws KernelError KEY_INVALID
 */
export function readPublicKeyArg(arg: string): Uint8Array {
  if (/^[0-9a-f]{64}$/.test(arg)) return parsePublicKey(arg).publicKey;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(arg, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KernelError('KEY_INVALID', `--key ${arg}: ${code ? `cannot read it (${code})` : 'not a JSON key document'}`, { path: arg });
  }
  return parsePublicKey(doc).publicKey;
}
