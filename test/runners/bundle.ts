/**
 * Bundles the conformance suite for the browser Service Worker and for workerd with esbuild.
 * Fixtures reach the bundles through the virtual module `forge:fixtures`; in workerd, where
 * `WebAssembly.compile(bytes)` is refused, every fixture is also shipped as a CompiledWasm module
 * (and its instrumented variants), found by digest through the platform's bundled loader.
 */
import { build, type Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, readFixtures } from '../fixtures/build.ts';

const BROWSER_STORES = join(ROOT, 'platform/browser/idb-store.ts');

function virtualModules(modules: Record<string, string>): Plugin {
  return {
    name: 'forge-virtual',
    setup(b) {
      b.onResolve({ filter: /^forge:/ }, (args) => ({ path: args.path, namespace: 'forge-virtual' }));
      b.onLoad({ filter: /.*/, namespace: 'forge-virtual' }, (args) => {
        const contents = modules[args.path];
        if (contents === undefined) return { errors: [{ text: `unknown virtual module ${args.path}` }] };
        return { contents, loader: 'js', resolveDir: ROOT };
      });
    },
  };
}

function fixturesAsBase64(): string {
  const lines = [...readFixtures()].map(([name, bytes]) => `  ${JSON.stringify(name)}: d(${JSON.stringify(Buffer.from(bytes).toString('base64'))}),`);
  return `const d = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));\nexport const fixtures = {\n${lines.join('\n')}\n};\n`;
}

/** The conformance Service Worker as one classic script (a SW cannot `import()`). */
export async function bundleServiceWorker(): Promise<string> {
  const stores = existsSync(BROWSER_STORES)
    ? `import { createIdbStores } from ${JSON.stringify(BROWSER_STORES)};\nlet n = 0;\nexport const makeStores = () => createIdbStores('forge-conformance-' + Date.now() + '-' + (n++));\n`
    : 'export const makeStores = undefined;\n';
  const out = await build({
    entryPoints: [join(ROOT, 'test/runners/sw-entry.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    plugins: [virtualModules({ 'forge:fixtures': fixturesAsBase64(), 'forge:stores': stores })],
  });
  return out.outputFiles[0]!.text;
}

export interface WorkerBundle {
  /** The main ES module. */
  readonly main: string;
  /** Extra modules by path relative to the main module. */
  readonly wasm: ReadonlyArray<{ path: string; type: 'CompiledWasm' | 'Data'; contents: Uint8Array }>;
}

/**
 * The conformance Worker: entry `test/runners/worker-entry.ts`; `forge:fixtures` exports raw bytes
 * (Data modules, hashable) and `forge:modules` the compiled modules by digest.
 */
export async function bundleWorker(entry = join(ROOT, 'test/runners/worker-entry.ts')): Promise<WorkerBundle> {
  const { sha256 } = await import('@noble/hashes/sha2.js');
  const hex = (b: Uint8Array) => Buffer.from(sha256(b)).toString('hex');
  const wasm: Array<{ path: string; type: 'CompiledWasm' | 'Data'; contents: Uint8Array }> = [];
  const fixtureLines: string[] = [];
  const moduleLines: string[] = [];
  const seen = new Set<string>();
  const addModule = (bytes: Uint8Array, id: string) => {
    const digest = hex(bytes);
    if (seen.has(digest)) return;
    seen.add(digest);
    const path = `wasm/${digest}.wasm`;
    wasm.push({ path, type: 'CompiledWasm', contents: bytes });
    moduleLines.push(`import m_${id} from './${path}';`, `modules.set(${JSON.stringify(digest)}, m_${id});`);
  };
  const variants = await instrumentVariants();
  let i = 0;
  for (const [name, bytes] of readFixtures()) {
    const id = String(i++);
    wasm.push({ path: `fixtures/${name}.bin`, type: 'Data', contents: bytes });
    fixtureLines.push(`import f_${id} from './fixtures/${name}.bin';`, `fixtures[${JSON.stringify(name)}] = new Uint8Array(f_${id});`);
    addModule(bytes, id);
    variants.forEach((v, j) => {
      try {
        addModule(v(bytes), `${id}_${j}`);
      } catch {
        // a fixture the instrumenter refuses (a hostile one) has no instrumented variant to bundle
      }
    });
  }
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*', './wasm/*', './fixtures/*'],
    plugins: [virtualModules({
      'forge:fixtures': `export const fixtures = {};\n${fixtureLines.join('\n')}\n`,
      'forge:modules': `export const modules = new Map();\n${moduleLines.join('\n')}\n`,
    })],
  });
  return { main: out.outputFiles[0]!.text, wasm };
}

/**
 * The instrumented variants of each fixture the kernel may compile in a conformance case, so the
 * Worker (which cannot compile at run time) has them bundled.
 */
async function instrumentVariants(): Promise<Array<(bytes: Uint8Array) => Uint8Array>> {
  const modPath = join(ROOT, 'src/execution/instrument/index.ts');
  const casesPath = join(ROOT, 'test/conformance/instrument.ts');
  if (!existsSync(modPath)) return [];
  const { instrument } = (await import(modPath)) as { instrument(b: Uint8Array, o: object): { bytes: Uint8Array } };
  const variants: object[] = [...(existsSync(casesPath)
    ? ((await import(casesPath)) as { INSTRUMENT_VARIANTS?: object[] }).INSTRUMENT_VARIANTS ?? [{}]
    : [{}])];
  // A run with the kernel's default limits instruments with memoryMaxPages = floor(memoryBytes / 64 KiB)
  // (src/execution/container.ts): bundle that variant too, so such a run finds its module.
  const { limitsSchema } = (await import(join(ROOT, 'src/config/schema.ts'))) as { limitsSchema: { parse(v: object): { memoryBytes: number } } };
  variants.push({ memoryMaxPages: Math.floor(limitsSchema.parse({}).memoryBytes / 65536) });
  return variants.map((o) => (b: Uint8Array) => instrument(b, o).bytes);
}
