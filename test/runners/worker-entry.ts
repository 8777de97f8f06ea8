/**
 * The Worker used by the conformance runner: the product's Worker (workers/index.ts) plus a route
 * that runs the conformance suite inside workerd and answers with the results.
 */
import { createWorker } from '../../workers/index.ts';
import { createCloudflarePlatform } from '../../platform/cloudflare/index.ts';
import { runCases } from '../conformance/harness.ts';
import { SUITE } from '../conformance/suite.ts';
import { fixtures } from 'forge:fixtures';
import { modules } from 'forge:modules';
import { makeWorkerStores, type WorkerEnv } from '../../workers/env.ts';

export { ForgeState } from '../../workers/index.ts';

/** The product Worker over every bundled fixture module (raw and instrumented). */
const worker = createWorker(modules);

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: unknown): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== '/__conformance') return worker.fetch(request, env, ctx);
    let n = 0;
    const makeStores = makeWorkerStores(env, () => `conformance-${Date.now()}-${n++}`);
    const results = await runCases(SUITE, {
      runtime: 'cloudflare',
      platform: createCloudflarePlatform({ modules }),
      fixture(name) {
        const b = fixtures[name];
        if (!b) throw new Error(`no fixture named ${name}`);
        return b.slice();
      },
      ...(makeStores ? { makeStores } : {}),
    });
    return Response.json({ results });
  },
};
