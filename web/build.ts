/**
 * `npm run build:web [-- --out dist/web]` — the console with the kernel in the browser: `sw.js`
 * (web/sw.ts and the whole kernel, one classic script: a Service Worker cannot `import()`),
 * `index.html` set to register it and to use its `forge/` API prefix, and `console.js`. Serve the
 * directory from any static host; an optional `forge.config.json` beside it configures the kernel.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const WEB = fileURLToPath(new URL('./', import.meta.url));

/** Writes the browser build into `outDir`; returns the files written. */
export async function buildWeb(outDir: string): Promise<string[]> {
  const sw = await build({
    entryPoints: [join(WEB, 'sw.ts')],
    bundle: true, format: 'iife', platform: 'browser', target: 'es2022', write: false, logLevel: 'error', minify: false,
  });
  const page = readFileSync(join(WEB, 'index.html'), 'utf8')
    .replace('<meta name="forge-api" content="">', '<meta name="forge-api" content="forge">')
    .replace('<meta name="forge-sw" content="">', '<meta name="forge-sw" content="sw.js">');
  if (!page.includes('content="sw.js"')) throw new Error('web/index.html lost its forge-api / forge-sw meta tags');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'sw.js'), sw.outputFiles[0]!.text);
  writeFileSync(join(outDir, 'index.html'), page);
  writeFileSync(join(outDir, 'console.js'), readFileSync(join(WEB, 'console.js')));
  return ['sw.js', 'index.html', 'console.js'];
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist/web' } } });
  const out = resolve(values.out);
  const files = await buildWeb(out);
  process.stdout.write(`wrote ${files.join(', ')} to ${out}; serve it over http(s) and open index.html\n`);
}
