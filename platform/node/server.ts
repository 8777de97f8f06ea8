/**
 * The Node HTTP server: the kernel's API (src/http/app.ts) and the web console (web/) on
 * @hono/node-server. It boots through the one boot sequence (bootNodeKernel) with the kernel key
 * kept beside the stores, so traces written before a restart still verify under the same key.
 */
import { serve, type ServerType } from '@hono/node-server';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/http/app.ts';
import { isLoopbackName } from '../../src/http/loopback.ts';
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
const CONSOLE_PAGES = ['/', '/index.html'];

/**
 * The console's pages load nothing but themselves and talk only to this origin; no other site may
 * frame them (a framed console could be clicked through by the page around it).
 */
const CONSOLE_HEADERS = {
  'cache-control': 'no-cache',
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * Whether a listen address is reachable only from this machine. Stricter than a loopback *name*
 * in a Host header: the OS, not the browser, resolves a listen address, so `*.localhost` is not one.
 */
export function isLoopback(hostname: string): boolean {
  const h = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  return isLoopbackName(h) && !h.toLowerCase().replace(/\.$/, '').endsWith('.localhost');
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
  const loopback = isLoopback(hostname);
  // on loopback the Host is checked too: that is what stops a DNS-rebinding page (src/http/origin.ts)
  const app = createApp(kernel, { localOnly: loopback, loopbackListener: loopback, ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }) });
  for (const path of CONSOLE_PAGES) {
    app.get(path, async (c) => c.body(await readFile(WEB + 'index.html', 'utf8'), 200, { 'content-type': 'text/html; charset=utf-8', ...CONSOLE_HEADERS }));
  }
  // the script is web/console.ts bundled (it imports src/), built once per server on its first
  // request — esbuild is loaded only then, so the API starts without it — and built again after a failure
  let script: Promise<string> | undefined;
  app.get('/console.js', async (c) => {
    script ??= import('../../web/build.ts').then((b) => b.bundleConsole()).catch((e: unknown) => {
      script = undefined;
      throw e;
    });
    return c.body(await script, 200, { 'content-type': 'text/javascript; charset=utf-8', ...CONSOLE_HEADERS });
  });
  let server!: ServerType;
  const port = await new Promise<number>((ok, fail) => {
    server = serve({ fetch: app.fetch, port: options.port, hostname }, (info) => ok(info.port));
    server.once('error', fail);
  }).catch(async (e: unknown) => {
    await booted?.close();
    throw e;
  });
  const sockets = trackSockets(server);
  return {
    port,
    kernel,
    close: () => {
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      sockets.endUnused();
      return closed.then(() => booted?.close());
    },
  };
}

/**
 * Which connections are serving a request. A browser opens spare connections that may never
 * send one, and Node's own idle check on close() does not count those, so close() would wait for
 * them for minutes (a `forge serve` with a console tab open would not stop). Closing ends every
 * connection that serves no request now; one that does ends when its answer is sent.
 */
function trackSockets(server: ServerType): { endUnused(): void } {
  const inFlight = new Map<Socket, number>();
  let closing = false;
  server.on('connection', (s: Socket) => {
    inFlight.set(s, 0);
    s.once('close', () => inFlight.delete(s));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const s = req.socket;
    inFlight.set(s, (inFlight.get(s) ?? 0) + 1);
    res.once('close', () => {
      const n = (inFlight.get(s) ?? 1) - 1;
      if (inFlight.has(s)) inFlight.set(s, n);
      // end, not destroy: what the socket still buffers of the answer is sent first
      if (closing && n === 0) s.end();
    });
  });
  return {
    endUnused() {
      closing = true;
      for (const [s, n] of inFlight) if (n === 0) s.destroy();
    },
  };
}
