import type { Command } from 'commander';
import { KernelError } from '../../../src/errors.ts';
import {
  createTrustRoot, draftFrom, parsePublicKey, rotateRoot, verifyRootRotation, verifyTrustRoot, withKey, withoutKey, withRevocation,
  type KeyRole, type RootDraft, type TrustRoot,
} from '../../../src/packages/index.ts';
import { HEX64 } from '../../../src/crypto/keys.ts';
import { cliCrypto, collect, describeRoot, out, parseCount, parseTime, readJson, readKey, readRoot, writeRoot } from './package-io.ts';

const checkOpts = () => ({ crypto: cliCrypto, now: Date.now() });

function signersOf(files: string[]) {
  if (files.length === 0) throw new KernelError('BAD_REQUEST', 'give --key KEY.json for each current root key that signs this change (repeat --key to meet the threshold)');
  return files.map(readKey);
}

async function rotateAndWrite(rootPath: string, outPath: string | undefined, prev: TrustRoot, draft: RootDraft, keyFiles: string[]): Promise<void> {
  const next = await rotateRoot(prev, draft, signersOf(keyFiles), checkOpts());
  writeRoot(outPath ?? rootPath, next);
  out(`${describeRoot(next)} — written to ${outPath ?? rootPath}`);
}

function parseRoles(value: string): KeyRole[] {
  const roles = value.split(',').map((r) => r.trim());
  if (roles.length === 0 || roles.some((r) => r !== 'root' && r !== 'package')) throw new KernelError('BAD_REQUEST', `--roles is a comma list of "root" and "package", got ${JSON.stringify(value)}`);
  return roles as KeyRole[];
}

/** `forge trust init|add-key|revoke|rotate|verify` (docs/cli-packages.md). */
export function registerTrust(program: Command): void {
  const trust = program.command('trust').description('create and evolve trust roots (docs/trust-root.md)');

  trust.command('init')
    .description('create root v1 trusting one key, signed by it')
    .requiredOption('--key <file>', 'the first key (root and package roles)')
    .requiredOption('--out <file>', 'where to write the root')
    .option('--expires <time>', 'expiry of the root: ISO date or duration', '365d')
    .option('--name <label>', 'a label for the key')
    .option('--packages <glob>', 'package names the key may sign (repeat; default every name)', collect, [])
    .action(async (o: { key: string; out: string; expires: string; name?: string; packages: string[] }) => {
      const key = readKey(o.key);
      const now = Date.now();
      const draft = withKey({ expires: new Date(parseTime(o.expires, now, '--expires')).toISOString(), threshold: 1, packageThreshold: 1, keys: [] }, key,
        { ...(o.name !== undefined && { name: o.name }), ...(o.packages.length > 0 && { packages: o.packages }) });
      const root = await createTrustRoot(draft, [key], checkOpts());
      writeRoot(o.out, root);
      out(`${describeRoot(root)} — written to ${o.out}`);
    });

  trust.command('add-key')
    .description('make the next root version, trusting one more key')
    .requiredOption('--root <file>', 'the current root (rewritten unless --out)')
    .requiredOption('--public-key <file-or-hex>', 'the new key: a key document (`forge keygen --public`) or 64 hex digits')
    .option('--key <file>', 'a current root key signing the change (repeat to meet the threshold)', collect, [])
    .option('--name <label>', 'a label for the new key')
    .option('--roles <list>', 'what the key may sign: root,package (default both)')
    .option('--packages <glob>', 'package names the key may sign (repeat; default every name)', collect, [])
    .option('--not-before <time>', 'the key is valid from this time')
    .option('--expires <time>', 'the key is valid until this time')
    .option('--out <file>', 'write the new version here instead of over --root')
    .action(async (o: { root: string; publicKey: string; key: string[]; name?: string; roles?: string; packages: string[]; notBefore?: string; expires?: string; out?: string }) => {
      const prev = readRoot(o.root);
      const now = Date.now();
      const pub = parsePublicKey(HEX64.test(o.publicKey) ? o.publicKey : readJson(o.publicKey, 'public key', 'KEY_INVALID'));
      const draft = withKey(draftFrom(prev), pub, {
        ...(o.name !== undefined && { name: o.name }), ...(o.roles !== undefined && { roles: parseRoles(o.roles) }),
        ...(o.packages.length > 0 && { packages: o.packages }),
        ...(o.notBefore !== undefined && { notBefore: parseTime(o.notBefore, now, '--not-before') }),
        ...(o.expires !== undefined && { expires: parseTime(o.expires, now, '--expires') }),
      });
      await rotateAndWrite(o.root, o.out, prev, draft, o.key);
    });

  trust.command('revoke')
    .description('make the next root version, revoking a key: its signatures fail from then on')
    .requiredOption('--root <file>', 'the current root (rewritten unless --out)')
    .requiredOption('--key-id <id>', 'the key id to revoke (64 hex digits)')
    .requiredOption('--reason <text>', 'why, recorded in the root and shown in every refusal')
    .option('--key <file>', 'a current root key signing the change (repeat to meet the threshold)', collect, [])
    .option('--out <file>', 'write the new version here instead of over --root')
    .action(async (o: { root: string; keyId: string; reason: string; key: string[]; out?: string }) => {
      if (!HEX64.test(o.keyId)) throw new KernelError('BAD_REQUEST', '--key-id is a key id: 64 lowercase hex digits');
      const prev = readRoot(o.root);
      await rotateAndWrite(o.root, o.out, prev, withRevocation(draftFrom(prev), o.keyId, o.reason, Date.now()), o.key);
    });

  trust.command('rotate')
    .description('make the next root version: new expiry, thresholds, retired keys')
    .requiredOption('--root <file>', 'the current root (rewritten unless --out)')
    .option('--key <file>', 'a current root key signing the change (repeat to meet the threshold)', collect, [])
    .option('--expires <time>', 'new expiry of the root: ISO date or duration')
    .option('--threshold <n>', 'root keys needed to sign the next version')
    .option('--package-threshold <n>', 'distinct keys needed to sign a package')
    .option('--remove-key <id>', 'retire a key: it becomes unknown, not revoked (repeat)', collect, [])
    .option('--out <file>', 'write the new version here instead of over --root')
    .action(async (o: { root: string; key: string[]; expires?: string; threshold?: string; packageThreshold?: string; removeKey: string[]; out?: string }) => {
      const prev = readRoot(o.root);
      let draft = draftFrom(prev);
      for (const id of o.removeKey) draft = withoutKey(draft, id);
      draft = {
        ...draft,
        ...(o.expires !== undefined && { expires: new Date(parseTime(o.expires, Date.now(), '--expires')).toISOString() }),
        ...(o.threshold !== undefined && { threshold: parseCount(o.threshold, '--threshold') }),
        ...(o.packageThreshold !== undefined && { packageThreshold: parseCount(o.packageThreshold, '--package-threshold') }),
      };
      await rotateAndWrite(o.root, o.out, prev, draft, o.key);
    });

  trust.command('verify')
    .description('check a root: its own signatures and expiry, or that it validly follows --previous')
    .argument('<root>', 'the root to check')
    .option('--previous <file>', 'the version it claims to follow')
    .action(async (rootPath: string, o: { previous?: string }) => {
      const root = readRoot(rootPath);
      if (o.previous !== undefined) await verifyRootRotation(readRoot(o.previous), root, checkOpts());
      else await verifyTrustRoot(root, checkOpts());
      out(`ok ${describeRoot(root)}${o.previous !== undefined ? ` (follows ${o.previous})` : ''}`);
    });
}
