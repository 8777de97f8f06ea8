import type { Command } from 'commander';
import { toHex } from '../../../src/lib/encoding.ts';
import { escapeText } from '../../../src/lib/escape.ts';
import { DEFAULT_MAX_PACKAGE_BYTES, verifyPackage, verifyTrustRoot } from '../../../src/packages/index.ts';
import { cliCrypto, out, parseCount, readBytes, readRoot } from './package-io.ts';

/** `forge verify APP.forgepkg --trust ROOT.json`: exit 0 with a summary, else `error CODE: message`. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify a .forgepkg against a trust root: who signed it, under which root, its digest')
    .argument('<package>', 'the .forgepkg')
    .requiredOption('--trust <root>', 'the trust root JSON to verify against (itself checked: own signatures, expiry)')
    .option('--max-bytes <n>', 'largest package accepted', String(DEFAULT_MAX_PACKAGE_BYTES))
    .option('--json', 'print the result as JSON')
    .action(async (path: string, o: { trust: string; maxBytes: string; json?: boolean }) => {
      const now = Date.now();
      const root = await verifyTrustRoot(readRoot(o.trust), { crypto: cliCrypto, now });
      const v = await verifyPackage(readBytes(path, 'package'), root, { crypto: cliCrypto, now, maxBytes: parseCount(o.maxBytes, '--max-bytes') });
      const files = [...v.files].map(([p, b]) => ({ path: p, bytes: b.length, sha256: toHex(cliCrypto.sha256(b)) }));
      if (o.json) {
        out(JSON.stringify({ verified: true, manifest: v.manifest, packageDigest: v.packageDigest, moduleDigest: v.moduleDigest, moduleBytes: v.module.length, files, signers: v.signers, rootVersion: v.rootVersion }, null, 2));
        return;
      }
      // the manifest, the file names and the signers' names are the author's and the root's words
      out(escapeText(`verified ${v.manifest.name}@${v.manifest.version} (${v.manifest.kind})`));
      out(`  package  sha256:${v.packageDigest}`);
      out(`  module   sha256:${v.moduleDigest} (${v.module.length} bytes)`);
      for (const f of files) out(`  file     ${escapeText(f.path)} (${f.bytes} bytes)`);
      for (const s of v.signers) out(`  signer   ${escapeText(`${s.keyId}${s.name ? ` (${s.name})` : ''}`)}`);
      out(`  root     v${v.rootVersion}`);
    });
}
