/**
 * The Node HTTP server: the kernel's API (src/http/app.ts) and the web console (web/) on
 * @hono/node-server. It boots through the one boot sequence (bootNodeKernel) with the kernel key
 * kept beside the stores, so traces written before a restart still verify under the same key.
 */
import { serve, type ServerType } from '@hono/node-server';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/http/app.ts';
import type { Kernel } from '../../src/kernel.ts';
import { bootNodeKernel, withKernelKey, type NodeBootOptions } from './boot.ts';

export interface RunningServer {
  readonly port: number;
  readonly kernel: Kernel;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on (default 127.0.0.1). Only a loopback address leaves a token-less API open. */
  readonly hostname?: string;
  /** A kernel to serve; otherwise one is booted from `boot`. */
  readonly kernel?: Kernel;
  readonly boot?: NodeBootOptions;
  /** Where the kernel key lives when FORGE_KERNEL_KEY is not set (default `.forge`, as `forge run` and `forge trace key`). */
  readonly keyDir?: string;
  /** Largest JSON request body (default: see createApp). */
  readonly maxBodyBytes?: number;
}

const WEB = fileURLToPath(new URL('../../web/', import.meta.url));
const CONSOLE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
};

/** Whether a listen address is reachable only from this machine. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}


/**
 * Starts the kernel's HTTP API and console on Node. Port 0 picks a free port. Without a kernel it
 * boots one (src/boot.ts) from `boot`; a failed boot throws before anything listens.
 * @throws KernelError from the boot sequence, KEY_INVALID for an unreadable kernel key
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const hostname = options.hostname ?? '127.0.0.1';
  const booted = options.kernel ? undefined : await bootNodeKernel(withKernelKey(options.boot ?? {}, options.keyDir));
  const kernel = options.kernel ?? booted!;
  const app = createApp(kernel, { localOnly: isLoopback(hostname), ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }) });
  for (const [path, { file, type }] of Object.entries(CONSOLE_FILES)) {
    app.get(path, async (c) => c.body(await readFile(WEB + file, 'utf8'), 200, { 'content-type': type, 'cache-control': 'no-cache' }));
  }
  let server!: ServerType;
  const port = await new Promise<number>((ok, fail) => {
    server = serve({ fetch: app.fetch, port: options.port, hostname }, (info) => ok(info.port));
    server.once('error', fail);
  }).catch(async (e: unknown) => {
    await booted?.close();
    throw e;
  });
  return {
    port,
    kernel,
    close: () => new Promise<void>((ok) => server.close(() => ok())).then(() => booted?.close()),
  };
}
