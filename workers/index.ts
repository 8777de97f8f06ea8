/**
 * The ForgeOne Worker: the kernel on Cloudflare Workers. Modules arrive bundled at deploy time
 * (CompiledWasm), found by digest; the hono app is the same one the Node server mounts.
 */
import { createApp } from '../src/http/app.ts';
import { createKernel } from '../src/kernel.ts';
import { createCloudflarePlatform } from '../platform/cloudflare/index.ts';
import type { WorkerEnv } from './env.ts';

export { ForgeState } from './durable-objects.ts';

const bundled = new Map<string, WebAssembly.Module>();

export default {
  async fetch(request: Request, _env: WorkerEnv, _ctx: unknown): Promise<Response> {
    const kernel = createKernel({ platform: createCloudflarePlatform({ modules: bundled }) });
    return createApp(kernel).fetch(request);
  },
};
