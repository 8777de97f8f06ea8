/// <reference lib="webworker" />
/**
 * The Service Worker used by the conformance runner: the product's own SW (web/sw.ts) plus a
 * message handler that runs the conformance suite inside it and replies with the results.
 */
import '../../web/sw.ts';
import { createBrowserPlatform } from '../../platform/browser/index.ts';
import { runCases } from '../conformance/harness.ts';
import { SUITE } from '../conformance/suite.ts';
import { fixtures } from 'forge:fixtures';
import { makeStores } from 'forge:stores';

declare const self: ServiceWorkerGlobalScope;

self.addEventListener('message', (event) => {
  if ((event.data as { kind?: string } | null)?.kind !== 'run-conformance') return;
  const port = event.ports[0]!;
  event.waitUntil((async () => {
    try {
      const results = await runCases(SUITE, {
        runtime: 'browser',
        platform: createBrowserPlatform(),
        fixture(name) {
          const b = fixtures[name];
          if (!b) throw new Error(`no fixture named ${name}`);
          return b.slice();
        },
        ...(makeStores ? { makeStores } : {}),
      });
      port.postMessage({ results });
    } catch (e) {
      port.postMessage({ error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) });
    }
  })());
});
