/**
 * API authentication (docs/http-api.md § Auth). Tokens are declared in the config's `api`
 * section as SHA-256 hashes with scopes and an optional tenant; a request names one with
 * `Authorization: Bearer <token>`. The rule:
 *   - tokens configured and `api.requireAuth` (the default): every /v1 route needs a token with its scope;
 *   - `api.requireAuth: false`: anonymous requests get every scope (a token, if sent, still must be valid);
 *   - no tokens configured: open only where the host serves nothing but its own machine (a
 *     loopback listener, a Service Worker) — anywhere else every /v1 route is refused, so a
 *     forgotten config never leaves a public kernel open.
 */
import type { MiddlewareHandler } from 'hono';
import { API_SCOPES, type KernelConfig } from '../config/schema.ts';
import { equalBytes, fromHex, utf8 } from '../lib/encoding.ts';
import { KernelError } from '../errors.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';

export type Scope = (typeof API_SCOPES)[number];

/** Who is calling: a configured token, or anonymous where the API is open. */
export interface Principal {
  /** The token's id, or `anonymous`. */
  readonly id: string;
  /** `all` for an anonymous caller of an open API and for an `admin` token. */
  readonly scopes: ReadonlySet<Scope> | 'all';
  /** A tenant-bound token sees and runs only this tenant's identities. */
  readonly tenant?: string;
}

export type AuthMode = 'tokens' | 'open' | 'closed';

/** How this API authenticates, from the config and whether the host is reachable only locally. */
export function authMode(api: KernelConfig['api'], localOnly: boolean): AuthMode {
  if (!api.requireAuth) return 'open';
  if (api.tokens.length > 0) return 'tokens';
  return localOnly ? 'open' : 'closed';
}

const ANONYMOUS: Principal = { id: 'anonymous', scopes: 'all' };

/** The bearer token of a request, or undefined when none is sent. @throws KernelError UNAUTHORIZED for a malformed header */
function bearer(req: Request): string | undefined {
  const h = req.headers.get('authorization');
  if (h === null) return undefined;
  const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(h);
  if (!m) throw new KernelError('UNAUTHORIZED', 'the Authorization header must be "Bearer <token>"');
  return m[1]!;
}

/**
 * Finds the configured token whose hash matches. Every token is compared (in constant time per
 * comparison), so the time taken does not say which one nearly matched.
 */
function lookup(api: KernelConfig['api'], token: string, crypto: CryptoProvider): Principal | undefined {
  const hash = crypto.sha256(utf8.encode(token));
  let found: Principal | undefined;
  for (const t of api.tokens) {
    const want = t.sha256 === undefined ? undefined : fromHex(t.sha256);
    if (want && equalBytes(want, hash) && !found) {
      found = { id: t.id, scopes: t.scopes.includes('admin') ? 'all' : new Set(t.scopes), ...(t.tenant !== undefined && { tenant: t.tenant }) };
    }
  }
  return found;
}

/** Middleware that sets `principal`. @throws KernelError UNAUTHORIZED (no token, unknown token, API closed) */
export function authenticate(api: KernelConfig['api'], mode: AuthMode, crypto: CryptoProvider): MiddlewareHandler<{ Variables: { principal: Principal } }> {
  return async (c, next) => {
    if (mode === 'closed') {
      throw new KernelError('UNAUTHORIZED', 'this kernel is reachable from other machines and no API token is configured, so the API is closed: declare tokens in api.tokens (their secrets in FORGE_API_TOKEN_<ID>), or set api.requireAuth to false');
    }
    const token = bearer(c.req.raw);
    if (token === undefined) {
      if (mode === 'tokens') throw new KernelError('UNAUTHORIZED', 'this API needs a token: send "Authorization: Bearer <token>"');
      c.set('principal', ANONYMOUS);
    } else {
      const p = lookup(api, token, crypto);
      if (!p) throw new KernelError('UNAUTHORIZED', 'the bearer token is not one of this kernel\'s API tokens');
      c.set('principal', p);
    }
    await next();
  };
}

/** Whether the caller holds `scope` (`admin` holds every scope). */
export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes === 'all' || p.scopes.has(scope);
}

/** @throws KernelError FORBIDDEN when the caller's token lacks `scope` */
export function requireScope(p: Principal, scope: Scope, what: string): void {
  if (!hasScope(p, scope)) {
    throw new KernelError('FORBIDDEN', `token "${p.id}" may not ${what}: it needs the scope "${scope}"`, { token: p.id, scope });
  }
}

/**
 * The tenant a request acts as: the token's own, or the one asked for (default `local`).
 * @throws KernelError FORBIDDEN when a tenant-bound token asks for another tenant
 */
export function tenantFor(p: Principal, asked: string | undefined): string {
  if (p.tenant === undefined) return asked ?? 'local';
  if (asked !== undefined && asked !== p.tenant) {
    throw new KernelError('FORBIDDEN', `token "${p.id}" is bound to tenant "${p.tenant}" and may not act as "${asked}"`, { token: p.id, tenant: asked });
  }
  return p.tenant;
}

/** Whether the caller may see something belonging to container identity `identity` (`tenant/digest`). */
export function seesIdentity(p: Principal, identity: string): boolean {
  return p.tenant === undefined || identity.startsWith(`${p.tenant}/`);
}
