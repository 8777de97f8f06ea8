/**
 * Runs the conformance suite inside a real Service Worker in Debian's Chromium, driven by
 * Playwright. The SW and a page that registers it are served from a loopback HTTP server.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { CaseResult } from '../conformance/harness.ts';
import { buildFixtures } from '../fixtures/build.ts';
import { bundleServiceWorker } from './bundle.ts';
import type { RuntimeReport } from './report.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** Installs Debian's chromium when absent and running as root; otherwise says how. */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: run \`sudo apt-get install -y chromium\` and retry`);
  }
  process.stderr.write('[chromium] installing Debian chromium with apt-get…\n');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>forge conformance</title>
<script>
window.runConformance = async () => {
  const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const sw = reg.installing || reg.waiting || reg.active;
  if (sw.state !== 'activated') await new Promise((ok) => sw.addEventListener('statechange', () => sw.state === 'activated' && ok()));
  const ch = new MessageChannel();
  const reply = new Promise((ok) => { ch.port1.onmessage = (e) => ok(e.data); });
  sw.postMessage({ kind: 'run-conformance' }, [ch.port2]);
  return reply;
};
</script>`;

/**
 * The environment Chromium runs with: its config and cache directories inside `dir` (a temp
 * directory), so a test run writes nothing to the home directory.
 */
export function chromiumEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { ...env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') };
}

/** Launch flags for headless Chromium on a closed network, as root. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

export async function runChromiumConformance(): Promise<RuntimeReport> {
  ensureChromium();
  await buildFixtures();
  const sw = await bundleServiceWorker();
  const server = createServer((req, res) => {
    if (req.url === '/sw.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'service-worker-allowed': '/' });
      res.end(sw);
    } else if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  const profile = mkdtempSync(join(tmpdir(), 'forge-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: chromiumEnv(profile) });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    await page.goto(`http://127.0.0.1:${port}/`);
    const reply = (await page.evaluate('window.runConformance()')) as { results?: CaseResult[]; error?: string };
    if (reply.error || !reply.results) return { runtime: 'browser', results: [], error: reply.error ?? 'no results' };
    return { runtime: 'browser', results: reply.results };
  } finally {
    await browser.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
