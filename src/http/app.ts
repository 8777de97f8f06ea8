import { Hono } from 'hono';
import type { BootedKernel } from '../boot.ts';
import { loadPolicies } from '../core/policies.ts';
import { toHex } from '../lib/encoding.ts';
import { keyPairFromSecret } from '../crypto/keys.ts';
import { kernelHealth } from '../diagnostics/health.ts';
import { KernelError } from '../errors.ts';
import type { Kernel } from '../kernel.ts';
import { artifactCache } from './artifacts.ts';
import { authMode, authenticate, type AuthMode } from './auth.ts';
import type { ApiDeps, ApiEnv } from './context.ts';
import { errorResponse } from './errors.ts';
import { guardOrigin, originRules } from './origin.ts';
import { registerPackages } from './packages.ts';
import { registerQuarantine } from './quarantine.ts';
import { registerReplay } from './replay.ts';
import { registerRuns } from './runs.ts';
import { registerTraces } from './traces.ts';

export interface AppOptions {
  /**
   * The host answers only its own machine — a loopback listener, a Service Worker. Only then is
   * the API open when no token is configured (docs/http-api.md § Auth). Default false.
   */
  readonly localOnly?: boolean;
  /**
   * The host listens on a loopback address (the Node server on 127.0.0.1): a request must name
   * this machine in its Host — a loopback name or one of `api.allowedHosts` — which defeats DNS
   * rebinding (docs/http-api.md § Cross-origin requests). Default false; a Service Worker has no
   * Host to check (its requests never leave the browser).
   */
  readonly loopbackListener?: boolean;
  /** Largest JSON request body in bytes; default: a base64 package of `packages.maxBytes` plus 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Runs whose manifest, policy and memory snapshot are kept for their evidence file (default 32). */
  readonly keepArtifacts?: number;
}

/** The answer of `GET /v1`: what this API is, for the caller (docs/http-api.md § GET /v1). */
export interface ApiInfo {
  readonly api: 'forgeone/v1';
  readonly kernelId: string;
  readonly platform: string;
  readonly auth: AuthMode;
  readonly principal: { readonly id: string; readonly tenant: string | null };
  readonly trustRoots: readonly { readonly version: number; readonly expires: string }[];
  /** The kernel key (hex): pin it to verify traces. */
  readonly publicKey: string;
}

const isBooted = (k: Kernel): k is BootedKernel => 'trustRoots' in k && 'policies' in k;

/**
 * The kernel's HTTP API as one hono app, mounted unchanged by every host (Node server, Service
 * Worker, Worker): `/healthz`, `/health`, and the versioned API under `/v1` (docs/http-api.md).
 * @throws KernelError POLICY_INVALID when a kernel made without the boot sequence has an invalid policy config
 */
export function createApp(kernel: Kernel, options: AppOptions = {}): Hono {
  const app = new Hono();
  // first, so that it guards every route — the health probes, and what a host adds later (the console)
  app.use('*', guardOrigin(originRules(kernel.config.api, options.loopbackListener ?? false)));
  // liveness: cheap, no self-tests
  app.get('/healthz', (c) => c.json(kernel.health()));
  // health: the self-tests run now; the same document `forge doctor --json` prints (src/diagnostics/health.ts)
  app.get('/health', async (c) => {
    const doc = await kernelHealth(kernel);
    return c.json(doc, doc.status === 'ok' ? 200 : 503);
  });

  const booted = isBooted(kernel) ? kernel : undefined;
  const deps: ApiDeps = {
    kernel,
    trustRoots: booted?.trustRoots ?? [],
    policies: booted?.policies ?? loadPolicies(kernel.config),
    publicKey: keyPairFromSecret(kernel.signingKey).publicKey,
    artifacts: artifactCache(options.keepArtifacts ?? 32),
    maxBodyBytes: options.maxBodyBytes ?? Math.ceil(kernel.config.packages.maxBytes / 3) * 4 + 1024 * 1024,
  };
  const mode = authMode(kernel.config.api, options.localOnly ?? false);
  const api = new Hono<ApiEnv>();
  api.use('*', authenticate(kernel.config.api, mode, kernel.crypto));
  api.get('/', (c) => c.json({
    api: 'forgeone/v1', kernelId: kernel.config.kernelId, platform: kernel.platform.name, auth: mode,
    principal: { id: c.get('principal').id, tenant: c.get('principal').tenant ?? null },
    trustRoots: deps.trustRoots.map((r) => ({ version: r.version, expires: new Date(r.expires).toISOString() })),
    publicKey: toHex(deps.publicKey),
  } satisfies ApiInfo));
  registerRuns(api, deps);
  registerTraces(api, deps);
  registerReplay(api, deps);
  registerPackages(api, deps);
  registerQuarantine(api, deps);
  app.route('/v1', api);

  app.onError((err) => errorResponse(err));
  app.notFound((c) => errorResponse(new KernelError('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`)));
  return app;
}
