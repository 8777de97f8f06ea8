/// <reference lib="webworker" />
/**
 * The ForgeOne Service Worker: the kernel running inside the browser. Requests under `/forge/`
 * are answered by the same hono app the Node server and the Worker mount.
 */
import { createApp } from '../src/http/app.ts';
import { createKernel, type Kernel } from '../src/kernel.ts';
import { createBrowserPlatform } from '../platform/browser/index.ts';

declare const self: ServiceWorkerGlobalScope;

const PREFIX = '/forge';
let kernel: Kernel | undefined;

/** The kernel of this Service Worker, created on first use. */
export function swKernel(): Kernel {
  kernel ??= createKernel({ platform: createBrowserPlatform() });
  return kernel;
}

self.addEventListener('install', () => { void self.skipWaiting(); });
self.addEventListener('activate', (event) => { event.waitUntil(self.clients.claim()); });
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(`${PREFIX}/`)) return;
  const inner = new URL(url.pathname.slice(PREFIX.length) + url.search, url.origin);
  event.respondWith(createApp(swKernel()).fetch(new Request(inner, event.request)));
});
