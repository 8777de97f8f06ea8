/** Test material for the HTTP API tests: fixtures, signed packages and trust roots made in memory, scratch dirs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { toHex } from '../../src/lib/encoding.ts';
import { generateKeyPair, nobleCrypto, packPackage, type KeyPair } from '../../src/packages/index.ts';
import { createTrustRoot } from '../../src/packages/root-signing.ts';
import { trustRootDocument } from '../../src/packages/trust-root.ts';
import { buildFixtures, FIXTURES_OUT, readFixtures } from '../fixtures/build.ts';

let built: Map<string, Uint8Array> | undefined;

/** A built fixture's bytes (builds the fixtures on first use). */
export async function fixture(name: string): Promise<Uint8Array> {
  if (!built) {
    await buildFixtures();
    built = readFixtures();
  }
  const b = built.get(name);
  if (!b) throw new Error(`no fixture ${name}`);
  return b;
}

export const fixturePath = (name: string) => join(FIXTURES_OUT, `${name}.wasm`);

/** A directory removed when the enclosing test (or, at module level, the file) ends. */
export function scratch(prefix = 'forge-http-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Signed {
  readonly key: KeyPair;
  /** The trust-root document (JSON value) that trusts `key`. */
  readonly root: unknown;
  sign(module: Uint8Array, name: string, files?: Record<string, Uint8Array>): Promise<Uint8Array>;
}

/** A signing key and a trust root trusting it, valid for a day. */
export async function signer(): Promise<Signed> {
  const key = generateKeyPair();
  const now = Date.now();
  const root = await createTrustRoot({
    expires: new Date(now + 86_400_000).toISOString(), threshold: 1, keys: [{ id: key.keyId, publicKey: toHex(key.publicKey) }],
  }, [key], { crypto: nobleCrypto, now });
  return {
    key,
    root: trustRootDocument(root),
    sign: (module, name, files = {}) => packPackage({ module, manifest: { name, version: '1.0.0' }, files }, { crypto: nobleCrypto, keys: [key] }),
  };
}

/** The prober packaged with a file under /data (its preopen). */
export async function proberPackage(s: Signed, name = 'test/prober'): Promise<Uint8Array> {
  return s.sign(await fixture('http-prober'), name, { '/data/readme.txt': new TextEncoder().encode('nothing to see\n') });
}

export const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
export const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
