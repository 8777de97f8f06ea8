import { Option, type Command } from 'commander';
import type { NodeBootOptions } from '../boot.ts';

/** The options of every command that boots a kernel (`forge serve`, `forge doctor`). */
export interface BootCliOptions {
  config?: string;
  requireSignedConfig?: boolean;
  configKey: string[];
  trust: string[];
  corruptSelfTest: string[];
}

const collect = (v: string, acc: string[]) => [...acc, v];

export function addBootOptions(command: Command): Command {
  return command
    .option('--config <file>', 'JSON config file (or a signed DSSE envelope); FORGE_CONFIG when absent')
    .option('--require-signed-config', 'refuse an unsigned or badly signed config (also FORGE_REQUIRE_SIGNED_CONFIG=1)')
    .option('--config-key <hex|file>', 'a public key allowed to sign the config (repeatable; also FORGE_CONFIG_KEYS)', collect, [])
    .option('--trust <root.json>', 'a trust root to check and load at boot (repeatable)', collect, [])
    // exercises the self-test failure path in tests; it can make a self-test fail, never pass
    .addOption(new Option('--corrupt-self-test <name>', 'run the named self-test against corrupted vectors').hideHelp().argParser(collect).default([]));
}

export function nodeBootOptions(o: BootCliOptions): NodeBootOptions {
  return {
    ...(o.config !== undefined && { configPath: o.config }),
    ...(o.requireSignedConfig && { requireSignedConfig: true }),
    configKeys: o.configKey,
    trustRootFiles: o.trust,
    corruptSelfTests: o.corruptSelfTest,
  };
}
