import type { Command } from 'commander';
import { configDigest, isEnvelope, loadConfig, signConfig } from '../../../src/config/index.ts';
import { inlineReferences } from '../../../src/config/references.ts';
import { KernelError } from '../../../src/errors.ts';
import { readConfigKeys } from '../boot.ts';
import { readNodeConfig } from '../config-source.ts';
import { cliCrypto, readBytes, readKey, writeAtomic } from './package-io.ts';

const collect = (v: string, acc: string[]) => [...acc, v];

/** `forge config show|sign`: the effective configuration, and signed config files (docs/config.md). */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('show the effective configuration, or sign a config file');

  config.command('show')
    .description('print the effective config (defaults ← file ← FORGE_* environment, references inlined), its digest and its provenance')
    .option('--config <file>', 'JSON config file (or a signed envelope); FORGE_CONFIG when absent')
    .option('--config-key <hex|file>', 'a public key allowed to sign the config (repeatable)', collect, [])
    .option('--require-signed-config', 'refuse an unsigned or badly signed config')
    .option('--json', 'print one JSON document')
    .action(async (o: { config?: string; configKey: string[]; requireSignedConfig?: boolean; json?: boolean }) => {
      const { sources, resolveRef } = await readNodeConfig(o.config !== undefined ? { configPath: o.config } : {});
      const keys = await readConfigKeys(o.configKey, process.cwd());
      const loaded = await loadConfig(sources, { keys, ...(o.requireSignedConfig && { requireSigned: true }) }, cliCrypto);
      const { config: effective } = await inlineReferences(loaded.config, resolveRef);
      const digest = configDigest(effective);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ digest, provenance: loaded.provenance, config: effective }, null, 2)}\n`);
        return;
      }
      const p = loaded.provenance;
      process.stdout.write(`digest ${digest}\nfile ${p.file ?? '(none: defaults and environment)'}\nsignature ${p.signature}${p.signerKeyId ? ` (key ${p.signerKeyId})` : ''}\n`
        + `environment overrides ${p.envOverrides.length ? p.envOverrides.join(', ') : '(none)'}\n${JSON.stringify(effective, null, 2)}\n`);
    });

  config.command('sign')
    .description('wrap a config file in a DSSE envelope signed by KEY (boot with --require-signed-config --config-key PUB to insist on it)')
    .argument('<file>', 'the JSON config file')
    .requiredOption('--key <file>', 'the signing key (forge keygen)')
    .requiredOption('--out <file>', 'where to write the signed config')
    .action(async (file: string, o: { key: string; out: string }) => {
      const bytes = readBytes(file, 'config file');
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder().decode(bytes));
      } catch (e) {
        throw new KernelError('CONFIG_MALFORMED', `config file "${file}" is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (isEnvelope(parsed)) throw new KernelError('BAD_REQUEST', `config file "${file}" is already a signed envelope; sign the plain config instead`);
      // refuse to sign what would not boot: schema, secrets and all (without this shell's environment)
      await loadConfig({ file: bytes, fileName: file, env: {} }, {}, cliCrypto);
      const key = readKey(o.key);
      const envelope = await signConfig(bytes, key, cliCrypto);
      writeAtomic(o.out, `${JSON.stringify(envelope, null, 2)}\n`);
      process.stdout.write(`signed by ${key.keyId} → ${o.out}\n`);
    });
}
