/**
 * Node's config source: the file named by `--config` or FORGE_CONFIG, read as bytes (the core
 * parses them, so malformed JSON is reported the same way in every host), `process.env`, and
 * references resolved as files relative to the config file's directory.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { BOOT_ENV, type ConfigSources } from '../../src/config/index.ts';
import type { ResolveRef } from '../../src/config/references.ts';
import { KernelError } from '../../src/errors.ts';

export interface NodeConfigSource {
  readonly sources: ConfigSources;
  readonly resolveRef: ResolveRef;
}

/**
 * Reads the config file (when one is named) and the environment.
 * @throws KernelError CONFIG_INVALID when a named config file cannot be read
 */
export async function readNodeConfig(options: { configPath?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<NodeConfigSource> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const named = options.configPath ?? env[BOOT_ENV.configFile];
  const path = named ? resolve(cwd, named) : undefined;
  let file: Uint8Array | undefined;
  if (path) {
    try {
      file = new Uint8Array(await readFile(path));
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e);
      throw new KernelError('CONFIG_INVALID', `config file "${named}" cannot be read: ${why}`, { file: path });
    }
  }
  const base = path ? dirname(path) : cwd;
  return {
    sources: { ...(file && { file, fileName: named }), env: { ...env } },
    resolveRef: async (ref) => new Uint8Array(await readFile(resolve(base, ref))),
  };
}
