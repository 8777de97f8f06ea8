import type { Command } from 'commander';
import { parsePackage, signPackage } from '../../../src/packages/index.ts';
import { cliCrypto, out, readBytes, readKey, writeAtomic } from './package-io.ts';

/** `forge sign APP.forgepkg --key KEY.json`: co-sign in place (or to --out). */
export function registerSign(program: Command): void {
  program
    .command('sign')
    .description('add a signature to a .forgepkg (co-sign); its content must still match its statement')
    .argument('<package>', 'the .forgepkg')
    .requiredOption('--key <file>', 'the signing key')
    .option('--out <file>', 'write the co-signed package here instead of over the input')
    .action(async (path: string, o: { key: string; out?: string }) => {
      const key = readKey(o.key);
      const before = readBytes(path, 'package');
      const after = await signPackage(before, key, { crypto: cliCrypto, maxBytes: Number.MAX_SAFE_INTEGER });
      const count = parsePackage(after, { maxBytes: Number.MAX_SAFE_INTEGER }).envelope.signatures.length;
      if (after.length === before.length) {
        out(`${path} is already signed by ${key.keyId} (${count} signature(s))`);
        if (o.out !== undefined) writeAtomic(o.out, after);
        return;
      }
      writeAtomic(o.out ?? path, after);
      out(`signed by ${key.keyId} → ${o.out ?? path} (${count} signature(s))`);
    });
}
