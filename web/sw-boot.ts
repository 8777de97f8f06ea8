/**
 * How the Service Worker boots its kernel, through the one boot sequence (src/boot.ts): the config
 * file is `forge.config.json` beside the SW's scope (optional: defaults without it; references
 * resolved relative to it), the stores are IndexedDB, and the kernel key is kept in IndexedDB
 * too — a Service Worker is stopped whenever it idles, and traces from its earlier lives must
 * still verify under the same key.
 */
import { openDB } from 'idb';
import { bootKernel, type BootedKernel } from '../src/boot.ts';
import type { StoreOpener } from '../src/ports/store-opener.ts';
import { fromHex, toHex } from '../src/lib/encoding.ts';
import { KernelError } from '../src/errors.ts';
import { createBrowserPlatform } from '../platform/browser/index.ts';
import { IDB_MIGRATIONS } from '../platform/browser/idb-schema.ts';
import { createIdbStores } from '../platform/browser/idb-store.ts';

export const CONFIG_FILE = 'forge.config.json';
const STORES_DB = 'forgeone';
const KEY_DB = 'forgeone-kernel-key';

/** The kernel's Ed25519 seed, created on first use. */
async function kernelKey(): Promise<string> {
  const db = await openDB(KEY_DB, 1, { upgrade: (d) => { d.createObjectStore('keys'); } });
  try {
    const have: unknown = await db.get('keys', 'kernel');
    if (typeof have === 'string' && fromHex(have)?.length === 32) return have;
    const seed = toHex(crypto.getRandomValues(new Uint8Array(32)));
    // `add` refuses to overwrite: a second worker racing us keeps the first key, and we read it back
    await db.add('keys', seed, 'kernel').catch(() => {});
    return (await db.get('keys', 'kernel')) as string;
  } finally {
    db.close();
  }
}

/** The config file's bytes, or undefined when there is none (404). @throws KernelError CONFIG_INVALID when it cannot be fetched */
async function fetchFile(url: URL, required: boolean): Promise<Uint8Array | undefined> {
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-store' });
  } catch (e) {
    throw new KernelError('CONFIG_INVALID', `${url.pathname} cannot be fetched: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.status === 404 && !required) return undefined;
  if (!res.ok) throw new KernelError('CONFIG_INVALID', `${url.pathname} answered HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

const idbOpener: StoreOpener = async (cfg) => {
  if (cfg.kind !== 'auto' && cfg.kind !== 'indexeddb') {
    throw new KernelError('CONFIG_INVALID', `config field "stores.kind": "${cfg.kind}" is not available in the browser; use "indexeddb" (the default) or "memory"`, { path: 'stores.kind' });
  }
  const stores = await createIdbStores(STORES_DB);
  return { stores, kind: 'indexeddb', schemaVersion: IDB_MIGRATIONS.length, persistent: true, close: () => stores.close() };
};

/**
 * Boots the Service Worker's kernel; `scope` is the SW registration's scope URL.
 * @throws KernelError from any boot step
 */
export async function bootServiceWorkerKernel(scope: string): Promise<BootedKernel> {
  const configUrl = new URL(CONFIG_FILE, scope);
  const file = await fetchFile(configUrl, false);
  return bootKernel({
    platform: createBrowserPlatform(),
    config: { ...(file && { file, fileName: CONFIG_FILE }), env: { FORGE_KERNEL_KEY: await kernelKey() } },
    resolveRef: async (ref) => (await fetchFile(new URL(ref, configUrl), true))!,
    openStores: idbOpener,
  });
}
