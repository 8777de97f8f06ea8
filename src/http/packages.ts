/**
 * `POST /v1/packages` stores a `.forgepkg` that verifies under the kernel's trust roots, keyed
 * by the SHA-256 of its bytes; `GET /v1/packages` lists what is stored. The store is
 * content-addressed and shared by every tenant: holding a digest grants nothing, since a run
 * verifies the package again and runs under the caller's own tenant.
 */
import { isWasmModule } from '../lib/wasm-check.ts';
import { toHex } from '../lib/encoding.ts';
import { parsePackage } from '../packages/format.ts';
import type { Manifest } from '../packages/manifest.ts';
import { verifyPackage, type VerifiedPackage } from '../packages/verify.ts';
import { KernelError, isKernelError } from '../errors.ts';
import { requireScope } from './auth.ts';
import { readBody } from './body.ts';
import type { Api, ApiDeps } from './context.ts';
import { PACKAGE_BODY, requireBodyType } from './media-type.ts';

/**
 * Verifies a package under the first of the kernel's roots that accepts it.
 * @throws KernelError PKG_UNSIGNED (no roots), else the first root's refusal (PKG_*, TRUST_ROOT_EXPIRED)
 */
export async function verifyUnderRoots(bytes: Uint8Array, deps: ApiDeps): Promise<VerifiedPackage> {
  if (deps.trustRoots.length === 0) {
    throw new KernelError('PKG_UNSIGNED', 'this kernel has no trust roots, so it cannot verify a package: configure trust.roots (docs/config.md)');
  }
  let first: unknown;
  for (const root of deps.trustRoots) {
    try {
      return await verifyPackage(bytes, root, { crypto: deps.kernel.crypto, now: deps.kernel.platform.clock.now(), maxBytes: deps.kernel.config.packages.maxBytes });
    } catch (e) {
      if (!isKernelError(e)) throw e;
      first ??= e;
    }
  }
  throw first;
}

const LIST_MAX = 200;

/** The answer of `POST /v1/packages` (201): the stored package, keyed by `digest`. */
export interface StoredPackage {
  /** SHA-256 of the file: the store key, and what `packageDigest` names in a run. */
  readonly digest: string;
  readonly packageDigest: string;
  readonly name: string;
  readonly version: string;
  readonly size: number;
  readonly signers: VerifiedPackage['signers'];
  readonly rootVersion: number;
}

/** One item of `GET /v1/packages`: a stored package's manifest facts, or why it cannot be read. */
export interface PackageListItem {
  readonly digest: string;
  readonly size: number;
  readonly name?: string;
  readonly version?: string;
  readonly kind?: Manifest['kind'];
  readonly unreadable?: string;
}

/** The answer of `GET /v1/packages`: at most the first 200 digests in order, `total` of all. */
export interface PackageList {
  readonly packages: readonly PackageListItem[];
  readonly total: number;
}

/** Mounts `POST /packages` and `GET /packages`; handlers throw KernelError PKG_*, BAD_REQUEST, FORBIDDEN, STORE_UNAVAILABLE. */
export function registerPackages(api: Api, deps: ApiDeps): void {
  const store = deps.kernel.platform.stores.packages;

  api.post('/packages', async (c) => {
    requireScope(c.get('principal'), 'packages:write', 'store packages');
    requireBodyType(c.req.raw, PACKAGE_BODY, 'package');
    const bytes = await readBody(c.req.raw, deps.kernel.config.packages.maxBytes, 'package');
    if (isWasmModule(bytes)) {
      throw new KernelError('BAD_REQUEST', 'this is a bare WebAssembly module: the package store holds signed .forgepkg files (sign it with `forge pack`, or run it with POST /v1/runs and "allowUnsigned")');
    }
    const v = await verifyUnderRoots(bytes, deps);
    const digest = toHex(deps.kernel.crypto.sha256(bytes));
    await store.put(digest, bytes);
    return c.json({
      digest, packageDigest: v.packageDigest, name: v.manifest.name, version: v.manifest.version, size: bytes.length,
      signers: v.signers, rootVersion: v.rootVersion,
    } satisfies StoredPackage, 201);
  });

  api.get('/packages', async (c) => {
    requireScope(c.get('principal'), 'packages:read', 'list packages');
    const digests = (await store.list()).sort();
    const packages: PackageListItem[] = [];
    for (const digest of digests.slice(0, LIST_MAX)) {
      const bytes = await store.get(digest);
      if (!bytes) continue; // removed since list()
      try {
        const p = parsePackage(bytes, { maxBytes: Math.max(bytes.length, 1) });
        packages.push({ digest, name: p.manifest.name, version: p.manifest.version, kind: p.manifest.kind, size: bytes.length });
      } catch (e) {
        packages.push({ digest, size: bytes.length, unreadable: e instanceof Error ? e.message : String(e) });
      }
    }
    return c.json({ packages, total: digests.length } satisfies PackageList);
  });
}
