/**
 * The CryptoProvider contract (test/crypto/contract.ts) in every host, over the provider the
 * kernel runs on there (`resolveCrypto`: the host's pieces — in Chromium and workerd, WebCrypto's
 * Ed25519 verification — over noble), and that provider against noble alone on pseudo-random
 * inputs. Web standards only: bundled into the Service Worker and the Worker.
 */
import { nobleCrypto, resolveCrypto } from '../../src/crypto/noble.ts';
import { agreementChecks, keyDerivationChecks, providerContract, type ContractCheck } from '../crypto/contract.ts';
import type { ConformanceCase, ConformanceEnv } from './harness.ts';

/** The checks close over the host's provider, so they are built per host; resolved, it has every method, so every host has the same list. */
function checks(env: ConformanceEnv): ContractCheck[] {
  const kernel = resolveCrypto(env.platform.crypto);
  return [
    ...providerContract(kernel),
    ...keyDerivationChecks(),
    ...agreementChecks([{ name: 'the kernel\'s provider', provider: kernel }, { name: 'noble', provider: nobleCrypto }], 7, 8),
  ];
}

const NAMES = checks({ platform: { crypto: nobleCrypto } } as unknown as ConformanceEnv).map((c) => c.name);

export const cryptoCases: ConformanceCase[] = NAMES.map((name) => ({
  name: `crypto: ${name}`,
  async run(env) {
    const check = checks(env).find((c) => c.name === name);
    if (!check) throw new Error(`this host's provider has no check "${name}"`);
    await check.run();
  },
}));
