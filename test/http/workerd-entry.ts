/**
 * The product Worker (workers/index.ts) for the workerd quarantine test, given its configuration
 * as a deployment would through wrangler vars and secrets (FORGE_CONFIG, FORGE_API_TOKEN_CI).
 * Two kernels serve it — the header `x-forge-kernel: b` picks the second — so a test can show a
 * kernel that never saw a run still refuses what the Durable Object says is quarantined.
 */
import { modules } from 'forge:modules';
import type { WorkerEnv } from '../../workers/env.ts';
import { createWorker } from '../../workers/index.ts';
import { WORKERD_CONFIG, WORKERD_TOKEN } from './workerd-config.ts';

export { ForgeState } from '../../workers/index.ts';

const kernels = { a: createWorker(modules), b: createWorker(modules) };

export default {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Promise<Response> {
    const worker = request.headers.get('x-forge-kernel') === 'b' ? kernels.b : kernels.a;
    return worker.fetch(request, { ...env, FORGE_CONFIG: JSON.stringify(WORKERD_CONFIG), FORGE_API_TOKEN_CI: WORKERD_TOKEN } as WorkerEnv, ctx);
  },
};
