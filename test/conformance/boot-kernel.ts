/** A kernel booted for a conformance case on the host's real stores (when it has them). Web standards only. */
import { bootKernel, type BootedKernel, type BootOptions } from '../../src/boot.ts';
import type { ConformanceEnv } from './harness.ts';

/** Boots with config `{ kernelId }` and the host's fresh stores; `over` replaces any option. */
export function bootOnHostStores(env: ConformanceEnv, kernelId: string, over: Partial<BootOptions> = {}): Promise<BootedKernel> {
  const makeStores = env.makeStores;
  return bootKernel({
    platform: env.platform,
    config: { file: { kernelId }, env: {} },
    ...(makeStores && { openStores: async () => ({ stores: await makeStores(), kind: `${env.runtime}-store`, schemaVersion: null, persistent: true }) }),
    ...over,
  });
}
