/// <reference lib="webworker" />
/**
 * The ForgeOne Service Worker: the kernel running inside the browser. Requests under `forge/`
 * of its scope are answered by the same hono app the Node server and the Worker mount
 * (`/forge/v1/runs`, `/forge/health` …). The kernel boots on the first such request and is kept
 * for the worker's life; a failed boot is answered with its error and retried on the next request.
 * The API is open without tokens here: only pages of this origin can reach a Service Worker.
 */
import type { Hono } from 'hono';
import { createApp } from '../src/http/app.ts';
import { errorResponse } from '../src/http/errors.ts';
import { bootServiceWorkerKernel } from './sw-boot.ts';

declare const self: ServiceWorkerGlobalScope;

let serving: Promise<Hono> | undefined;

function app(): Promise<Hono> {
  serving ??= bootServiceWorkerKernel(self.registration.scope).then((kernel) => createApp(kernel, { localOnly: true }));
  serving.catch(() => { serving = undefined; });
  return serving;
}

async function answer(request: Request, path: string): Promise<Response> {
  try {
    // A navigation's Request cannot be copied as it is (its mode is 'navigate'): rebuild it from its
    // parts, headers included, so the app's origin checks see what the browser said (Origin, Sec-Fetch-*).
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    const copy = new Request(new URL(path, request.url), { method: request.method, headers: request.headers, ...(body !== undefined && { body }) });
    return await (await app()).fetch(copy);
  } catch (e) {
    return errorResponse(e);
  }
}

self.addEventListener('install', () => { void self.skipWaiting(); });
self.addEventListener('activate', (event) => { event.waitUntil(self.clients.claim()); });
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const prefix = new URL('forge/', self.registration.scope).pathname;
  if (url.origin !== self.location.origin || !url.pathname.startsWith(prefix)) return;
  event.respondWith(answer(event.request, `/${url.pathname.slice(prefix.length)}${url.search}`));
});
