import { serve, type ServerType } from '@hono/node-server';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/http/app.ts';
import type { Kernel } from '../../src/kernel.ts';
import { bootNodeKernel, type NodeBootOptions } from './boot.ts';

export interface RunningServer {
  readonly port: number;
  readonly kernel: Kernel;
  close(): Promise<void>;
}

const CONSOLE_PAGE = fileURLToPath(new URL('../../web/index.html', import.meta.url));

/**
 * Starts the kernel's HTTP API and console on Node. Port 0 picks a free port. Without a kernel it
 * boots one (src/boot.ts) from `boot`; a failed boot throws before anything listens.
 * @throws KernelError from the boot sequence
 */
export async function startServer(options: { port: number; hostname?: string; kernel?: Kernel; boot?: NodeBootOptions }): Promise<RunningServer> {
  const booted = options.kernel ? undefined : await bootNodeKernel(options.boot);
  const kernel = options.kernel ?? booted!;
  const app = createApp(kernel);
  app.get('/', async (c) => c.html(await readFile(CONSOLE_PAGE, 'utf8')));
  let server!: ServerType;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, port: options.port, hostname: options.hostname ?? '127.0.0.1' }, (info) => resolve(info.port));
    server.once('error', reject);
  }).catch(async (e: unknown) => {
    await booted?.close();
    throw e;
  });
  return {
    port,
    kernel,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => booted?.close()),
  };
}
