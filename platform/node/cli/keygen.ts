import type { Command } from 'commander';
import { writeFileSync, chmodSync } from 'node:fs';
import { KernelError } from '../../../src/errors.ts';
import { generateKeyPair, keyFileJson, parsePublicKey, publicKeyJson } from '../../../src/packages/index.ts';
import { cliCrypto, out, readJson } from './package-io.ts';

/** `forge keygen --out KEY.json` creates a key (mode 0600); `--public [KEY.json]` prints a public key. */
export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('create an Ed25519 signing key, or print the public half of one')
    .option('--out <file>', 'write a new private key here (mode 0600; refuses to overwrite without --force)')
    .option('--public [file]', 'print the public key document: of the new key, or of an existing key file')
    .option('--force', 'overwrite --out if it exists')
    .action((opts: { out?: string; public?: string | boolean; force?: boolean }) => {
      if (opts.out === undefined) {
        if (typeof opts.public !== 'string') throw new KernelError('BAD_REQUEST', 'give --out KEY.json to create a key, or --public KEY.json to print the public key of one');
        out(JSON.stringify(publicKeyJson(parsePublicKey(readJson(opts.public, 'key file', 'KEY_INVALID')))));
        return;
      }
      if (typeof opts.public === 'string') throw new KernelError('BAD_REQUEST', '--public takes no file together with --out (it prints the new key\'s public half)');
      const key = generateKeyPair({ crypto: cliCrypto });
      try {
        writeFileSync(opts.out, `${JSON.stringify(keyFileJson(key), null, 2)}\n`, { mode: 0o600, flag: opts.force ? 'w' : 'wx' });
        chmodSync(opts.out, 0o600);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new KernelError('BAD_REQUEST', code === 'EEXIST' ? `${opts.out} exists; pass --force to overwrite it` : `cannot write ${opts.out}: ${code ?? String(e)}`);
      }
      if (opts.public === true) out(JSON.stringify(publicKeyJson(key)));
      else out(`key ${key.keyId} written to ${opts.out} (mode 0600)`);
    });
}
