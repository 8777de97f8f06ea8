/**
 * The web builds, with esbuild. `bundleConsole()` is the console's script (web/console.ts and the
 * src/ helpers it imports, one ES module), built on demand by every host that serves the page: the
 * Node server (platform/node/server.ts) and the build below.
 *
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

/** One browser bundle of `entry` (a file of web/), as text. */
async function bundle(entry: string, format: 'iife' | 'esm'): Promise<string> {
  const out = await build({
    entryPoints: [join(WEB, entry)],
    bundle: true, format, platform: 'browser', target: 'es2022', write: false, logLevel: 'error', minify: false,
    // the bundle's path comments name files of the repository, never where it is installed
    absWorkingDir: join(WEB, '..'),
  });
  return out.outputFiles[0]!.text;
}

/**
 * The console's script, `console.js`: web/console.ts bundled as the ES module index.html loads.
 * @throws Error when esbuild cannot build it (its message names the file and line)
 */
export const bundleConsole = (): Promise<string> => bundle('console.ts', 'esm');

/** Writes the browser build into `outDir`; returns the files written. */
export async function buildWeb(outDir: string): Promise<string[]> {
  const [sw, script] = await Promise.all([bundle('sw.ts', 'iife'), bundleConsole()]);
  const page = readFileSync(join(WEB, 'index.html'), 'utf8')
    .replace('<meta name="forge-api" content="">', '<meta name="forge-api" content="forge">')
    .replace('<meta name="forge-sw" content="">', '<meta name="forge-sw" content="sw.js">');
  if (!page.includes('content="sw.js"')) throw new Error('web/index.html lost its forge-api / forge-sw meta tags');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'sw.js'), sw);
  writeFileSync(join(outDir, 'index.html'), page);
  writeFileSync(join(outDir, 'console.js'), script);
  return ['sw.js', 'index.html', 'console.js'];
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist/web' } } });
  const out = resolve(values.out);
  const files = await buildWeb(out);
  process.stdout.write(`wrote ${files.join(', ')} to ${out}; serve it over http(s) and open index.html\n`);
}
