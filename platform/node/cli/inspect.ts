import type { Command } from 'commander';
import { KernelError } from '../../../src/errors.ts';
import { escapeText } from '../../../src/lib/escape.ts';
import { toHex } from '../../../src/lib/encoding.ts';
import { parsePackage, type ParsedPackage } from '../../../src/packages/index.ts';
import { digestContent } from '../../../src/packages/content.ts';
import { checkStatement } from '../../../src/packages/statement.ts';
import { cliCrypto, out, readBytes } from './package-io.ts';

/** Lines describing a parsed package's content and signatures (no trust decision). */
export function summarizeContent(pkg: ParsedPackage): string[] {
  const lines = [
    `package  sha256:${toHex(cliCrypto.sha256(pkg.envelope.payload))}`,
    `module   sha256:${toHex(cliCrypto.sha256(pkg.module))} (${pkg.module.length} bytes)`,
  ];
  for (const [p, b] of pkg.files) lines.push(`file     ${p} (${b.length} bytes)`);
  for (const s of pkg.envelope.signatures) lines.push(`signed   by key ${s.keyid}`);
  if (pkg.envelope.signatures.length === 0) lines.push('signed   by nobody');
  return lines;
}

/** `forge inspect APP.forgepkg`: what a package holds, without deciding whether to trust it. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show what a .forgepkg holds (format, manifest with defaults, digests, signers) — checks structure and digests, not trust')
    .argument('<package>', 'the .forgepkg')
    .option('--json', 'print as JSON')
    .action((path: string, o: { json?: boolean }) => {
      const bytes = readBytes(path, 'package');
      const pkg = parsePackage(bytes, { maxBytes: bytes.length });
      let mismatch: KernelError | undefined;
      try {
        checkStatement(pkg.envelope.payload, digestContent(cliCrypto, pkg.manifestBytes, pkg.module, pkg.files).subjects, pkg.formatVersion);
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        mismatch = e;
      }
      if (o.json) {
        out(JSON.stringify({
          formatVersion: pkg.formatVersion, size: pkg.size, manifest: pkg.manifest,
          packageDigest: toHex(cliCrypto.sha256(pkg.envelope.payload)), moduleDigest: toHex(cliCrypto.sha256(pkg.module)), moduleBytes: pkg.module.length,
          files: [...pkg.files].map(([p, b]) => ({ path: p, bytes: b.length })), signatures: pkg.envelope.signatures.map((s) => s.keyid),
          digestsMatch: mismatch === undefined,
        }, null, 2));
      } else {
        out(`${path}: .forgepkg format ${pkg.formatVersion}, ${pkg.size} bytes — not verified (use forge verify --trust ROOT.json)`);
        // An unverified package's names and manifest are the author's words: shown escaped.
        for (const line of summarizeContent(pkg)) out(`  ${escapeText(line)}`);
        out(`  digests  ${mismatch ? `MISMATCH: ${escapeText(mismatch.message)}` : 'content matches the signed statement'}`);
        out('  manifest (defaults applied):');
        for (const line of JSON.stringify(pkg.manifest, null, 2).split('\n')) out(`    ${line}`);
      }
      if (mismatch) throw mismatch;
    });
}
