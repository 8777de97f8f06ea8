/**
 * Boot test material made in memory, with web standards only (the conformance case imports it):
 * trust roots valid or expired, and signed config envelopes, from fixed key seeds.
 */
import { signConfig, type ConfigEnvelope } from '../../src/config/index.ts';
import { utf8 } from '../../src/lib/encoding.ts';
import { keyPairFromSecret, type KeyPair } from '../../src/crypto/keys.ts';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import { createTrustRoot, type RootDraft } from '../../src/packages/root-signing.ts';
import { trustRootDocument } from '../../src/packages/trust-root.ts';
import { toHex } from '../../src/lib/encoding.ts';

const seed = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 0xff);

/** The key that signs test trust roots. */
export const ROOT_KEY: KeyPair = keyPairFromSecret(seed(1));
/** The key that signs test configs. */
export const CONFIG_KEY: KeyPair = keyPairFromSecret(seed(2));
/** A key nobody trusts. */
export const OTHER_KEY: KeyPair = keyPairFromSecret(seed(3));

const DAY = 24 * 60 * 60 * 1000;

/**
 * A signed trust-root document (JSON value) that expires `expiresIn` ms after `now`; a negative
 * value gives a root that was valid when signed and has expired since.
 */
export async function trustRootDoc(now: number, expiresIn = 365 * DAY): Promise<unknown> {
  const signedAt = expiresIn > 0 ? now : now + expiresIn - DAY;
  const draft: RootDraft = {
    expires: new Date(now + expiresIn).toISOString(),
    threshold: 1,
    keys: [{ id: ROOT_KEY.keyId, publicKey: toHex(ROOT_KEY.publicKey), name: 'test root key' }],
  };
  const root = await createTrustRoot(draft, [ROOT_KEY], { crypto: nobleCrypto, now: signedAt });
  return trustRootDocument(root);
}

/** A config value wrapped in a DSSE envelope signed by `key`. */
export async function signedConfig(config: unknown, key: KeyPair = CONFIG_KEY): Promise<ConfigEnvelope> {
  return signConfig(utf8.encode(JSON.stringify(config)), key, nobleCrypto);
}

export const configKeyHex = (key: KeyPair = CONFIG_KEY): string => toHex(key.publicKey);
