/** What every route file of the API is given: the kernel and the app's own state. */
import type { Hono } from 'hono';
import type { LoadedPolicy } from '../core/policies.ts';
import type { TrustRoot } from '../packages/trust-root.ts';
import type { Kernel } from '../kernel.ts';
import type { ArtifactCache } from './artifacts.ts';
import type { Principal } from './auth.ts';

export type ApiEnv = { Variables: { principal: Principal } };
export type Api = Hono<ApiEnv>;

export interface ApiDeps {
  readonly kernel: Kernel;
  /** The booted kernel's trust roots (none for a kernel made without the boot sequence). */
  readonly trustRoots: readonly TrustRoot[];
  /** The configured policy layers (platform, and one per tenant). */
  readonly policies: readonly LoadedPolicy[];
  /** The kernel's public key: verification pins it. */
  readonly publicKey: Uint8Array;
  readonly artifacts: ArtifactCache;
  /** Largest JSON request body, in bytes. */
  readonly maxBodyBytes: number;
}
