/**
 * `npm run bench`: runs every test/bench/*.bench.ts and prints each figure beside the baseline
 * measured in the same run, with the ratio. `--markdown` prints the table for the README.
 * Name bench files as arguments to run only those (`npm run bench -- policy`).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './harness.ts';

const dir = fileURLToPath(new URL('./', import.meta.url));
const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const only = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).filter((f) => only.length === 0 || only.some((o) => f.startsWith(o))).sort();

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const rows: Array<BenchRow & { file: string }> = [];
for (const f of files) {
  const mod = (await import(new URL(f, `file://${dir}`).href)) as { default: () => Promise<BenchRow[]> };
  process.stderr.write(`[bench] ${f}…\n`);
  for (const r of await mod.default()) {
    rows.push({ ...r, file: f });
    if (!markdown) {
      process.stdout.write(`${r.name.padEnd(58)} ${fmt(r.value).padStart(10)} ${r.unit.padEnd(9)} | ${r.baseline.name.padEnd(44)} ${fmt(r.baseline.value).padStart(10)} | ×${fmt(r.value / r.baseline.value)}\n`);
    }
  }
}
if (markdown) {
  process.stdout.write('| benchmark | value | baseline (same run) | baseline value | ratio |\n|---|---:|---|---:|---:|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.name} | ${fmt(r.value)} ${r.unit} | ${r.baseline.name} | ${fmt(r.baseline.value)} ${r.unit} | ×${fmt(r.value / r.baseline.value)} |\n`);
  }
}
