/**
 * `npm test`: installs what is missing, type-checks, checks for import cycles, runs the unit tests
 * and the conformance suite in Node, in a Chromium Service Worker and in workerd, checks the three
 * ran the same cases, and ends with one line summed over every runner: `N passed, N failed[, N skipped]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findCycles } from './cycles.ts';
import { buildFixtures, ROOT } from './fixtures/build.ts';
import { ensureChromium, runChromiumConformance } from './runners/chromium.ts';
import { runNodeConformance } from './runners/node.ts';
import { counts, printReport, type RuntimeReport } from './runners/report.ts';
import { runWorkerdConformance } from './runners/workerd.ts';

const out = (line: string) => process.stdout.write(`${line}\n`);
const total = { passed: 0, failed: 0, skipped: 0 };
const failures: string[] = [];

function tally(runner: string, c: { passed: number; failed: number; skipped: number }, failed: string[] = []): void {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
  failures.push(...failed.map((f) => `${runner}: ${f}`));
}

const wanted = new Set(process.argv.slice(2));
const want = (step: string) => wanted.size === 0 || wanted.has(step);

if (Number(process.versions.node.split('.')[0]) < 24) {
  out(`npm test needs the project's Node 24 (found ${process.version}); run it through \`npm test\`, which puts node_modules/.bin first on PATH.`);
  process.exit(2);
}
process.env['WRANGLER_SEND_METRICS'] = 'false';
process.env['CLOUDFLARE_CF_FETCH_ENABLED'] = 'false';

// ── set-up ───────────────────────────────────────────────────────────────────────────────────
out('── set-up: fixtures (WAT via wabt, C via clang wasm32-wasi) and Chromium');
await buildFixtures();
if (want('browser')) ensureChromium();

// ── typecheck ────────────────────────────────────────────────────────────────────────────────
if (want('typecheck')) {
  out('── typecheck (tsc --noEmit, strict)');
  // the whole tree, then the console again with a page's globals only (no Node, no worker types)
  const failed = ['tsconfig.json', 'web/tsconfig.json']
    .filter((p) => spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', p], { cwd: ROOT, stdio: 'inherit' }).status !== 0);
  tally('typecheck', failed.length === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 }, failed.map((p) => `tsc -p ${p} reported errors`));
}

// ── cycles ───────────────────────────────────────────────────────────────────────────────────
if (want('cycles')) {
  out('── cycles (dpdm: every import of src/ platform/ web/ workers/, type-only ones included)');
  const { files, cycles, unresolved } = await findCycles(ROOT);
  for (const c of cycles) out(`   ✗ cycle: ${[...c, c[0]].join(' → ')}`);
  for (const u of unresolved) out(`   ✗ unresolved: ${u}`);
  // an empty graph would pass vacuously: the globs or the tool went wrong
  const problems = [...cycles.map((c) => `import cycle ${c.join(' → ')}`), ...unresolved.map((u) => `unresolved import ${u}`), ...(files === 0 ? ['no module found'] : [])];
  out(`   ${files} modules, ${cycles.length} cycles, ${unresolved.length} unresolved imports`);
  tally('cycles', problems.length === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 }, problems);
}

// ── unit tests (node:test) ───────────────────────────────────────────────────────────────────
if (want('unit')) {
  out('── unit tests (node --test)');
  const cache = join(ROOT, '.cache');
  mkdirSync(cache, { recursive: true });
  const countsFile = join(cache, 'unit-counts.json');
  rmSync(countsFile, { force: true });
  const r = spawnSync(process.execPath, [
    '--test', '--test-concurrency=2',
    '--test-reporter=dot', '--test-reporter-destination=stdout',
    `--test-reporter=${join(ROOT, 'test/runners/count-reporter.mjs')}`, `--test-reporter-destination=${countsFile}`,
    'test/**/*.test.ts',
  ], { cwd: ROOT, stdio: 'inherit' });
  try {
    const c = JSON.parse(readFileSync(countsFile, 'utf8')) as { passed: number; failed: number; skipped: number; failures: string[] };
    tally('unit', c, c.failures);
    out(`   unit: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  } catch {
    tally('unit', { passed: 0, failed: 1, skipped: 0 }, [`node --test ended (status ${r.status}) without reporting counts`]);
  }
}

// ── conformance in three runtimes ────────────────────────────────────────────────────────────
const runners: Array<[string, () => Promise<RuntimeReport>]> = [
  ['node', runNodeConformance],
  ['browser', runChromiumConformance],
  ['cloudflare', runWorkerdConformance],
];
const reports: RuntimeReport[] = [];
for (const [name, run] of runners) {
  if (!want(name) && !want('conformance')) continue;
  let report: RuntimeReport;
  try {
    report = await run();
  } catch (e) {
    report = { runtime: name as RuntimeReport['runtime'], results: [], error: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
  reports.push(report);
  printReport(report, out);
  const c = counts(report.results);
  tally(`conformance/${name}`, report.error ? { ...c, failed: c.failed + 1 } : c,
    [...report.results.filter((r) => r.status === 'fail').map((r) => r.name), ...(report.error ? ['runtime failed to run the suite'] : [])]);
}
if (reports.length > 1) {
  // Every runtime must have run the same cases (a skip counts, and names its reason).
  const [first, ...rest] = reports;
  const names = (r: RuntimeReport) => r.results.map((x) => x.name).join('\n');
  const same = rest.every((r) => names(r) === names(first!));
  out(`\n── cross-runtime: ${reports.map((r) => `${r.runtime} ${r.results.length} cases`).join(', ')} — ${same ? 'the same cases' : 'DIFFERENT case lists'}`);
  tally('cross-runtime', same ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 }, same ? [] : ['the runtimes did not run the same cases']);
}

if (failures.length) {
  out('\n── failures');
  for (const f of failures) out(`   ✗ ${f}`);
}
out('');
out(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exitCode = total.failed === 0 ? 0 : 1;
