/** The guest a request body names — a module, a package, or a stored package by digest — as bytes for the core to verify. */
import { isWasmModule as isWasm } from '../lib/wasm-check.ts';
import { KernelError } from '../errors.ts';
import type { ApiDeps } from './context.ts';

/** The guest fields of a body (src/http/run-request.ts `guestFields`), exactly one of the three set. */
export interface GuestBody {
  readonly module?: Uint8Array;
  readonly package?: Uint8Array;
  readonly packageDigest?: string;
  readonly allowUnsigned?: boolean;
}

/** The guest bytes a body names. @throws KernelError BAD_REQUEST, PKG_UNSIGNED, NOT_FOUND */
export async function guestBytes(body: GuestBody, deps: ApiDeps): Promise<Uint8Array> {
  if (body.module) {
    if (!isWasm(body.module)) throw new KernelError('BAD_REQUEST', 'request body field "module" is not a WebAssembly module (no \\0asm header); send a .forgepkg as "package"', { field: 'module' });
    if (body.allowUnsigned !== true) {
      throw new KernelError('PKG_UNSIGNED', 'request body field "module" is a bare WebAssembly module with no signature: set "allowUnsigned": true to run it anyway (its provenance is recorded as unsigned), or send a signed .forgepkg as "package"', { field: 'allowUnsigned' });
    }
    return body.module;
  }
  if (body.package) {
    if (isWasm(body.package)) throw new KernelError('BAD_REQUEST', 'request body field "package" holds a bare WebAssembly module; send it as "module" with "allowUnsigned": true', { field: 'package' });
    return body.package;
  }
  const stored = await deps.kernel.platform.stores.packages.get(body.packageDigest!);
  if (!stored) throw new KernelError('NOT_FOUND', `no stored package has digest ${body.packageDigest}; upload it with POST /v1/packages`, { packageDigest: body.packageDigest });
  return stored;
}

/** argv[0] when the body names none: `main.wasm` for a module, `main` for a package (never throws). */
export const defaultName = (body: GuestBody): string => (body.module ? 'main.wasm' : 'main');
