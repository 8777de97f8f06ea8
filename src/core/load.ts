/**
 * The guest of a run or of a replay, loaded in one place so both trust the same thing: a
 * `.forgepkg` verified against the trust roots (the first root that accepts it), or — only when
 * the caller allows it — a bare WebAssembly module, whose provenance is then recorded as unsigned.
 */
import { toHex } from '../lib/encoding.ts';
import { verifyPackage } from '../packages/index.ts';
import type { TrustRoot } from '../packages/trust-root.ts';
import { isWasmModule } from '../lib/wasm-check.ts';
import { KernelError, isKernelError } from '../errors.ts';
import type { Kernel } from '../kernel.ts';
import type { Subject } from '../trust/index.ts';

export interface GuestSource {
  /** A `.forgepkg` (verified against `trustRoots`) or, with `allowUnsigned`, a bare WebAssembly module. */
  readonly bytes: Uint8Array;
  /** Verified trust roots; a package must verify under one of them. */
  readonly trustRoots?: readonly TrustRoot[];
  readonly allowUnsigned?: boolean;
}

export interface RunPackageInfo {
  readonly digest: string;
  readonly name?: string;
  readonly version?: string;
  readonly signer?: string;
}

export interface LoadedGuest {
  readonly module: Uint8Array;
  readonly moduleDigest: string;
  readonly entry: string;
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly manifestLimits: { readonly fuel?: number; readonly memory?: number; readonly timeoutMs?: number };
  readonly subject: Subject;
  /** `digest` is the content digest traces and quarantine identities name. */
  readonly pkg: RunPackageInfo;
}

/**
 * The module to run, its entry point, bundled files and provenance.
 * @throws KernelError PKG_UNSIGNED (a bare module not allowed, or a package and no trust root),
 *   the PKG_* / TRUST_ROOT_* code of the first root's refusal when no root accepts the package
 */
export async function loadGuest(kernel: Kernel, src: GuestSource, tenant: string, now: number): Promise<LoadedGuest> {
  if (isWasmModule(src.bytes)) {
    if (!src.allowUnsigned) {
      throw new KernelError('PKG_UNSIGNED', 'this is a bare WebAssembly module with no signature: allow unsigned modules to run it anyway (its provenance is recorded as unsigned), or sign it into a .forgepkg and give a trust root');
    }
    const digest = toHex(kernel.crypto.sha256(src.bytes));
    return {
      module: src.bytes, moduleDigest: digest, entry: '_start', files: new Map(), manifestLimits: {},
      subject: { signed: false, packageDigest: digest, tenant }, pkg: { digest },
    };
  }
  const roots = src.trustRoots ?? [];
  if (roots.length === 0) throw new KernelError('PKG_UNSIGNED', 'a package needs a trust root to verify its signatures before it runs');
  let firstError: unknown;
  for (const root of roots) {
    try {
      const v = await verifyPackage(src.bytes, root, { crypto: kernel.crypto, now, maxBytes: kernel.config.packages.maxBytes });
      const signer = v.signers[0]?.keyId;
      return {
        module: v.module, moduleDigest: v.moduleDigest, entry: v.manifest.entry, files: v.files, manifestLimits: v.manifest.limits,
        subject: {
          signed: true, packageName: v.manifest.name, packageDigest: v.packageDigest, rootVersion: v.rootVersion, tenant,
          ...(signer !== undefined && { signer }),
        },
        pkg: { digest: v.packageDigest, name: v.manifest.name, version: v.manifest.version, ...(signer !== undefined && { signer }) },
      };
    } catch (e) {
      if (!isKernelError(e)) throw e;
      firstError ??= e;
    }
  }
  throw firstError;
}
