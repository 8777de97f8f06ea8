/**
 * The web console, used as a person would, in Debian's Chromium: against the Node server (a
 * module dropped in, run, its output and its decision timeline seen, the trace verified, the
 * evidence downloaded, a prober quarantined) and against the kernel inside a Service Worker
 * (the same page, built by web/build.ts, talking to the SW's `forge/` prefix).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../platform/node/server.ts';
import { readEvidence } from '../../src/dna/index.ts';
import { buildWeb } from '../../web/build.ts';
import { CHROMIUM, CHROMIUM_ARGS, chromiumEnv, ensureChromium } from '../runners/chromium.ts';
import { fixture, fixturePath, proberPackage, scratch, signer } from './helpers.ts';

const SHOTS = '/tmp';

let browser: Browser;
before(async () => {
  ensureChromium();
  await fixture('http-hello');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, env: chromiumEnv(scratch('forge-console-home-')) });
});
after(async () => { await browser?.close(); });

/** Drops the http-hello module in, fills the form, runs it, and waits for its output. */
async function runHello(page: Page): Promise<void> {
  await page.setInputFiles('#file', fixturePath('http-hello'));
  await page.waitForFunction(() => !(document.getElementById('run') as HTMLButtonElement).disabled);
  assert.equal(await page.isChecked('#allow-unsigned'), true, 'a bare module ticks "allow unsigned"');
  await page.fill('#args', 'from\nthe console');
  await page.fill('#env', 'WHO=browser');
  await page.fill('#stdin', 'typed in\n');
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('stdout')!.textContent!.startsWith('hello'));
  assert.equal(await page.textContent('#stdout'), 'hello from the console\nWHO=(unset)\nTYPED IN\n');
  assert.equal(await page.textContent('#stderr'), 'http-hello: done\n');
  assert.equal(await page.textContent('#status'), 'exited');
  assert.equal(await page.textContent('#exit-code'), '3');
  assert.match((await page.textContent('#trust'))!, /^\d+$/);
}

/** The decision timeline as the page shows it: one row per syscall. */
async function timeline(page: Page): Promise<Array<{ effect: string; cells: string[] }>> {
  await page.waitForSelector('#timeline tr');
  return page.$$eval('#timeline tr', (rows) => rows.map((r) => ({ effect: r.getAttribute('data-effect') ?? '', cells: [...r.querySelectorAll('td')].map((td) => td.textContent ?? '') })));
}

describe('the console on the Node server', () => {
  let server: RunningServer;
  let base: string;
  const dir = scratch('forge-console-');
  before(async () => {
    const s = await signer();
    writeFileSync(join(dir, 'root.json'), JSON.stringify(s.root));
    writeFileSync(join(dir, 'prober.forgepkg'), await proberPackage(s, 'test/console-prober'));
    server = await startServer({
      port: 0, keyDir: join(dir, 'key'),
      boot: { cwd: dir, env: { FORGE_STORES_DATA_DIR: join(dir, 'data') }, trustRootFiles: [join(dir, 'root.json')] },
    });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => { await server?.close(); });

  it('runs a dropped module and shows its output, its decisions, verification and evidence', async () => {
    const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
    try {
      await page.goto(`${base}/`);
      await page.waitForSelector('body[data-ready="true"]');
      assert.match((await page.textContent('#kernel'))!, /kernel forgeone on node · auth open · 1 trust root/);
      await runHello(page);

      const rows = await timeline(page);
      const who = rows.find((r) => r.cells[1] === 'environ_get' && r.cells[2] === 'WHO');
      assert.ok(who, `the timeline shows the WHO decision: ${JSON.stringify(rows.map((r) => r.cells.slice(1, 4)))}`);
      assert.equal(who.effect, 'deny');
      assert.equal(who.cells[4], '(default deny)');
      assert.match(who.cells[5]!, /denied by default/);
      assert.equal(who.cells[6], 'NOTCAPABLE');
      const write = rows.find((r) => r.cells[1] === 'fd_write' && r.effect === 'allow');
      assert.match(write!.cells[4]!, /baseline\.stdio/);
      assert.match((await page.textContent('#timeline-count'))!, /calls, 1 denied/);

      await page.click('#verify');
      await page.waitForFunction(() => document.getElementById('verdict')!.textContent!.includes('verified'));
      assert.match((await page.textContent('#verdict'))!, /verified.*intact/);

      const runId = (await page.textContent('#run-id'))!;
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#evidence')]);
      assert.equal(download.suggestedFilename(), `forge-evidence-${runId}.tar`);
      const { index } = readEvidence(new Uint8Array(readFileSync((await download.path())!)));
      assert.equal(index.runId, runId);

      await page.waitForSelector(`#runs tr[data-run="${runId}"]`);
      await page.screenshot({ path: join(SHOTS, 'forge-console.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('shows a prober quarantined, lists the identity, and refuses the next run', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await page.goto(`${base}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.setInputFiles('#file', join(dir, 'prober.forgepkg'));
      await page.waitForFunction(() => document.getElementById('file-name')!.textContent!.includes('a package'));
      await page.click('#run');
      await page.waitForFunction(() => document.getElementById('status')!.textContent === 'quarantined');
      assert.match((await page.textContent('#trust'))!, /\(quarantined\)/);
      const rows = await timeline(page);
      assert.ok(rows.filter((r) => r.effect === 'deny' && r.cells[1] === 'path_open').length >= 5, 'the denied probes are on the timeline');
      await page.waitForSelector('#quarantine code');
      assert.match((await page.textContent('#quarantine'))!, /^local\/[0-9a-f]{64}/);
      await page.click('#run');
      await page.waitForFunction(() => document.getElementById('error')!.textContent!.includes('QUARANTINED'));
      await page.screenshot({ path: join(SHOTS, 'forge-console-quarantine.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
});

describe('the console with the kernel in a Service Worker', () => {
  it('the same page, built with the SW, runs a module in the browser', async () => {
    const dir = scratch('forge-console-sw-');
    await buildWeb(dir);
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
    const http = createServer((req, res) => {
      const name = (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '').slice(1).split('?')[0]!;
      try {
        const body = readFileSync(join(dir, name));
        res.writeHead(200, { 'content-type': types[extname(name)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    const context = await chromium.launchPersistentContext(scratch('forge-console-profile-'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width: 1400, height: 1000 }, env: chromiumEnv(scratch('forge-console-home-')) });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/index.html`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      assert.match((await page.textContent('#kernel'))!, /kernel forgeone on browser · auth open/);
      await runHello(page);
      const rows = await timeline(page);
      assert.equal(rows.find((r) => r.cells[1] === 'environ_get')?.effect, 'deny');
      await page.click('#verify');
      await page.waitForFunction(() => document.getElementById('verdict')!.textContent!.includes('verified'));
      await page.screenshot({ path: join(SHOTS, 'forge-console-sw.png'), fullPage: true });
    } finally {
      await context.close();
      http.close();
    }
  });
});
