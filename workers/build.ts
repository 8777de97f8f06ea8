/**
 * `npm run build:worker -- PACKAGES_DIR --trust ROOT.json [--trust …] [--config forge.json] [--out dist/worker]`
 *
 * Builds a deployable Worker: a Worker cannot compile WebAssembly at run time, so every package
 * it will run is verified here (under the given trust roots), its module instrumented exactly as
 * the kernel will instrument it (fuel, and the memory cap of the kernel's default limits or the
 * package's own lower one), and shipped as a CompiledWasm module the kernel finds by the digest
 * of those instrumented bytes. The output directory holds `index.js` (the Worker, bundled with
 * esbuild), `wasm/<digest>.wasm`, `packages.json` (what was bundled) and a `wrangler.toml` that
 * deploys it as is (`no_bundle`): `cd dist/worker && npx wrangler deploy`. The config file goes
 * into the FORGE_CONFIG variable unchanged; without one, FORGE_CONFIG names the given trust roots.
 */
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { limitsSchema } from '../src/config/schema.ts';
import { readEnvelope, isEnvelope } from '../src/config/signature.ts';
import { loadTrustRoots } from '../src/core/trust-roots.ts';
import { toHex } from '../src/lib/encoding.ts';
import { nobleCrypto } from '../src/crypto/noble.ts';
import type { TrustRoot } from '../src/packages/trust-root.ts';
import { verifyPackage, type VerifiedPackage } from '../src/packages/verify.ts';
import { SELF_TEST_GUEST, SELF_TEST_GUEST_LIMITS } from '../src/diagnostics/guest-test.ts';
import { KernelError, isKernelError } from '../src/errors.ts';
import { instrument } from '../src/execution/instrument/index.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PAGE = 65536;

export interface WorkerBuildOptions {
  /** A directory of `.forgepkg` files (not searched recursively). */
  readonly packagesDir: string;
  /** Trust-root files every package must verify under (at least one root). */
  readonly trustFiles: readonly string[];
  /**
   * A config file (JSON or a signed envelope) shipped as the FORGE_CONFIG variable, unchanged; its
   * limits decide the memory cap and it must name the Worker's trust roots itself.
   */
  readonly configFile?: string;
  readonly outDir: string;
  /** The verification time (default now). */
  readonly now?: number;
}

export interface BundledPackage {
  readonly file: string;
  readonly name: string;
  readonly version: string;
  /** The content digest the kernel records (traces, quarantine identities). */
  readonly packageDigest: string;
  readonly signers: readonly string[];
  readonly moduleDigest: string;
  /** The bundled module: SHA-256 of the instrumented bytes, and the memory cap it was instrumented with. */
  readonly instrumentedDigest: string;
  readonly memoryMaxPages: number;
}

export interface WorkerBuildReport {
  readonly outDir: string;
  readonly packages: readonly BundledPackage[];
  /** Every bundled module file, by digest. */
  readonly modules: readonly string[];
}

/** The config document inside a config file (a bare config or the payload of a signed envelope). */
function configDocument(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new KernelError('CONFIG_MALFORMED', `${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (isEnvelope(value)) value = JSON.parse(new TextDecoder().decode(readEnvelope(value).payload));
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new KernelError('CONFIG_INVALID', `${file} is not a config object`);
  return value as Record<string, unknown>;
}

/** Verifies a package under the first root that accepts it. @throws KernelError the first root's refusal, naming the file */
async function verifyUnder(bytes: Uint8Array, roots: readonly TrustRoot[], file: string, now: number): Promise<VerifiedPackage> {
  let first: unknown;
  for (const root of roots) {
    try {
      return await verifyPackage(bytes, root, { crypto: nobleCrypto, now, maxBytes: Number.MAX_SAFE_INTEGER });
    } catch (e) {
      if (!isKernelError(e)) throw e;
      first ??= e;
    }
  }
  const e = first as KernelError;
  throw new KernelError(e.code, `${file}: ${e.message}`, { ...e.details, file });
}

/** A TOML basic string: JSON's string escapes (\" \\ \n \uXXXX) are all TOML escapes too. */
const tomlString = (s: string) => JSON.stringify(s);

/** wrangler.toml for the output: the project's name, date and bindings, deploying the built bundle as is. */
function wranglerToml(config: string): string {
  const base = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const field = (re: RegExp, fallback: string) => re.exec(base)?.[1] ?? fallback;
  const toml = `# Built by workers/build.ts: index.js is already bundled; the modules beside it are found by the rule below.
name = "${field(/^name = "([^"]+)"/m, 'forgeone')}"
main = "index.js"
compatibility_date = "${field(/^compatibility_date = "([^"]+)"/m, '2026-11-01')}"
no_bundle = true
find_additional_modules = true
base_dir = "."

[[rules]]
type = "CompiledWasm"
globs = ["wasm/*.wasm"]
fallthrough = false

[[kv_namespaces]]
binding = "FORGE_KV"
id = "${field(/binding = "FORGE_KV"\s*\nid = "([^"]+)"/, 'forge-kv')}"

[[durable_objects.bindings]]
name = "FORGE_STATE"
class_name = "ForgeState"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["ForgeState"]
`;
  return `${toml}\n[vars]\nFORGE_CONFIG = ${tomlString(config)}\n`;
}

/**
 * Builds the Worker into `outDir` (replacing it).
 * @throws KernelError PKG_* / TRUST_ROOT_* naming the file that does not verify, BAD_REQUEST
 *   (no packages, no trust root), CONFIG_* (an unreadable config file)
 */
export async function buildWorker(o: WorkerBuildOptions): Promise<WorkerBuildReport> {
  const now = o.now ?? Date.now();
  if (o.trustFiles.length === 0) throw new KernelError('BAD_REQUEST', 'give at least one --trust ROOT.json: every bundled package must verify before it ships');
  const roots = await loadTrustRoots(o.trustFiles.map((f) => ({ document: readFileSync(f, 'utf8'), source: f })), nobleCrypto, now);
  const configText = o.configFile === undefined ? undefined : readFileSync(o.configFile, 'utf8');
  const configured = limitsSchema.parse((configText === undefined ? {} : configDocument(configText, o.configFile!))['limits'] ?? {});
  const files = readdirSync(o.packagesDir).filter((f) => f.endsWith('.forgepkg')).sort();
  if (files.length === 0) throw new KernelError('BAD_REQUEST', `no .forgepkg files in ${o.packagesDir}`);

  const modules = new Map<string, Uint8Array>();
  const add = (bytes: Uint8Array) => {
    const digest = toHex(nobleCrypto.sha256(bytes));
    modules.set(digest, bytes);
    return digest;
  };
  // the boot self-test runs this guest in every host (docs/config.md § Self-tests)
  add(instrument(SELF_TEST_GUEST, { memoryMaxPages: Math.floor(SELF_TEST_GUEST_LIMITS.memoryBytes / PAGE) }).bytes);
  const packages: BundledPackage[] = [];
  for (const file of files) {
    const v = await verifyUnder(new Uint8Array(readFileSync(join(o.packagesDir, file))), roots, file, now);
    // runGuest caps memory at the least of the kernel's limit and the package's own
    const memoryMaxPages = Math.floor(Math.min(configured.memoryBytes, v.manifest.limits.memory ?? Infinity) / PAGE);
    packages.push({
      file, name: v.manifest.name, version: v.manifest.version, packageDigest: v.packageDigest, signers: v.signers.map((s) => s.keyId),
      moduleDigest: v.moduleDigest, instrumentedDigest: add(instrument(v.module, { memoryMaxPages }).bytes), memoryMaxPages,
    });
  }

  const entry = [
    `import { createWorker } from ${JSON.stringify(join(ROOT, 'workers/index.ts'))};`,
    `export { ForgeState } from ${JSON.stringify(join(ROOT, 'workers/index.ts'))};`,
    ...[...modules.keys()].map((d, i) => `import m${i} from './wasm/${d}.wasm';`),
    `const modules = new Map([${[...modules.keys()].map((d, i) => `[${JSON.stringify(d)}, m${i}]`).join(', ')}]);`,
    'export default createWorker(modules);',
  ].join('\n');
  const out = await build({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: 'forge-worker-entry.js', loader: 'js' },
    bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false, logLevel: 'error',
    mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'browser'], external: ['cloudflare:*', './wasm/*'],
  });

  rmSync(o.outDir, { recursive: true, force: true });
  mkdirSync(join(o.outDir, 'wasm'), { recursive: true });
  writeFileSync(join(o.outDir, 'index.js'), out.outputFiles[0]!.text);
  for (const [digest, bytes] of modules) writeFileSync(join(o.outDir, 'wasm', `${digest}.wasm`), bytes);
  writeFileSync(join(o.outDir, 'packages.json'), `${JSON.stringify({ builtAt: new Date(now).toISOString(), packages }, null, 2)}\n`);
  // Without a config, the Worker is given the build's own trust roots, so it verifies at run time what was verified here.
  const shipped = configText ?? JSON.stringify({ trust: { roots: o.trustFiles.map((f) => ({ document: JSON.parse(readFileSync(f, 'utf8')) as unknown })) } });
  writeFileSync(join(o.outDir, 'wrangler.toml'), wranglerToml(shipped));
  return { outDir: o.outDir, packages, modules: [...modules.keys()] };
}

if (import.meta.main) {
  const usage = 'usage: npm run build:worker -- PACKAGES_DIR --trust ROOT.json [--trust ROOT.json] [--config forge.json] [--out dist/worker]';
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: { trust: { type: 'string', multiple: true, default: [] }, config: { type: 'string' }, out: { type: 'string', default: 'dist/worker' } },
    });
    if (positionals.length !== 1) throw new KernelError('BAD_REQUEST', usage);
    const report = await buildWorker({
      packagesDir: resolve(positionals[0]!), trustFiles: values.trust.map((f) => resolve(f)), outDir: resolve(values.out),
      ...(values.config !== undefined && { configFile: resolve(values.config) }),
    });
    for (const p of report.packages) process.stdout.write(`bundled ${p.name}@${p.version} (${p.file}) as ${p.instrumentedDigest.slice(0, 16)}… (memory cap ${p.memoryMaxPages} pages)\n`);
    process.stdout.write(`worker written to ${report.outDir} (${report.modules.length} module(s)); deploy with: cd ${report.outDir} && npx wrangler deploy\n`);
  } catch (e) {
    process.stderr.write(e instanceof KernelError ? `error ${e.code}: ${e.message}\n` : `error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = e instanceof KernelError ? e.exitCode : 1;
  }
}
