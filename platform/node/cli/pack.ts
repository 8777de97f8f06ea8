import type { Command } from 'commander';
import { KernelError } from '../../../src/errors.ts';
import { escapeText } from '../../../src/lib/escape.ts';
import { packPackage, parsePackage } from '../../../src/packages/index.ts';
import { cliCrypto, collect, out, parseCount, readBytes, readJson, readKey, writeAtomic } from './package-io.ts';
import { summarizeContent } from './inspect.ts';

/** `forge pack MODULE.wasm --manifest M.json --key KEY.json --out APP.forgepkg`. */
export function registerPack(program: Command): void {
  program
    .command('pack')
    .description('build a signed .forgepkg from a WebAssembly module and a manifest (docs/forgepkg.md)')
    .argument('<module>', 'the .wasm module')
    .requiredOption('--manifest <file>', 'the manifest JSON (only name and version are required)')
    .option('--key <file>', 'a signing key (repeat to co-sign)', collect, [])
    .option('--file <guest=host>', 'mount a file: guest path = host file (repeat)', collect, [])
    .requiredOption('--out <file>', 'where to write the package')
    .option('--max-bytes <n>', 'refuse to build a package larger than this')
    .action(async (modulePath: string, o: { manifest: string; key: string[]; file: string[]; out: string; maxBytes?: string }) => {
      if (o.key.length === 0) throw new KernelError('BAD_REQUEST', 'give --key KEY.json to sign the package (repeat to co-sign); `forge keygen --out KEY.json` makes one');
      const files = new Map<string, Uint8Array>();
      for (const spec of o.file) {
        const eq = spec.indexOf('=');
        if (eq <= 0) throw new KernelError('BAD_REQUEST', `--file takes GUEST_PATH=HOST_FILE, got ${JSON.stringify(spec)}`);
        files.set(spec.slice(0, eq), readBytes(spec.slice(eq + 1), 'mounted file'));
      }
      const bytes = await packPackage(
        { module: readBytes(modulePath, 'module'), manifest: readJson(o.manifest, 'manifest', 'PKG_MANIFEST_INVALID'), files },
        { crypto: cliCrypto, keys: o.key.map(readKey), ...(o.maxBytes !== undefined && { maxBytes: parseCount(o.maxBytes, '--max-bytes') }) },
      );
      writeAtomic(o.out, bytes);
      const pkg = parsePackage(bytes);
      out(`packed ${escapeText(`${pkg.manifest.name}@${pkg.manifest.version}`)} → ${o.out} (${bytes.length} bytes)`);
      for (const line of summarizeContent(pkg)) out(`  ${escapeText(line)}`);
    });
}
