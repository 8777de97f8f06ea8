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
    return await (await app()).fetch(new Request(new URL(path, request.url), request));
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
