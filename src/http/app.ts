import { Hono } from 'hono';
import { kernelHealth } from '../diagnostics/health.ts';
import { KernelError, httpStatusOf } from '../errors.ts';
import type { Kernel } from '../kernel.ts';

/**
 * The kernel's HTTP API as one hono app, mounted unchanged by every host
 * (Node server, Service Worker, Worker).
 */
export function createApp(kernel: Kernel): Hono {
  const app = new Hono();
  // liveness: cheap, no self-tests
  app.get('/healthz', (c) => c.json(kernel.health()));
  // health: the self-tests run now; the same document `forge doctor --json` prints (src/diagnostics/health.ts)
  app.get('/health', async (c) => {
    const doc = await kernelHealth(kernel);
    return c.json(doc, doc.status === 'ok' ? 200 : 503);
  });
  app.onError((err, c) => {
    const body = err instanceof KernelError ? err.toJSON() : { code: 'INTERNAL', message: 'internal error', details: {} };
    return c.json({ error: body }, httpStatusOf(err) as 500);
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}`, details: {} } }, 404));
  return app;
}
