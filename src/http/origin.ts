/**
 * Requests a browser sends on behalf of another site (docs/http-api.md § Cross-origin requests
 * and DNS rebinding). A kernel on this machine is reachable by every page the machine's browser
 * opens; a token-less one would run whatever such a page posts. One middleware, ahead of every
 * route, refuses:
 *   - a Host that is not this machine's name, when the listener is loopback or names are
 *     configured — a page whose own name an attacker re-points at 127.0.0.1 (DNS rebinding) is
 *     same-origin with the kernel as far as its browser knows, and only the Host says otherwise;
 *   - an Origin other than the request's own or one of `api.allowedOrigins`;
 *   - `Sec-Fetch-Site: cross-site` / `same-site` without such an Origin — navigations, images
 *     and `no-cors` reads carry no Origin, but a browser says where they come from;
 *   - a write whose body type a page can send across origins without a preflight
 *     (src/http/media-type.ts) — what is left when a browser sends neither header.
 * The Origin and Sec-Fetch-Site rules hold in every auth mode: they cost nothing, and a token in
 * a page's hands is not the page's to use. No CORS header is ever sent, so no answer is readable
 * by another origin; every answer also says so (CORP same-origin, nosniff).
 */
import type { MiddlewareHandler } from 'hono';
import type { KernelConfig } from '../config/schema.ts';
import { KernelError } from '../errors.ts';
import { errorResponse } from './errors.ts';
import { isLoopbackName } from './loopback.ts';
import { JSON_BODY, PACKAGE_BODY, refuseSimpleBody } from './media-type.ts';

export interface OriginRules {
  /** The listener is a loopback address: the Host must name this machine (or one of `allowedHosts`). */
  readonly loopbackListener: boolean;
  readonly allowedHosts: readonly string[];
  readonly allowedOrigins: readonly string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const isApi = (path: string) => path === '/v1' || path.startsWith('/v1/');

/** The hostname of a Host header value (`name[:port]`), or undefined when it is not one. */
function hostnameOf(authority: string): string | undefined {
  try {
    const u = new URL(`http://${authority}`);
    const bare = !u.username && !u.password && u.pathname === '/' && !u.search && !u.hash && !authority.includes('@');
    return bare ? u.hostname : undefined;
  } catch {
    return undefined;
  }
}

/** @throws KernelError FORBIDDEN when a name the request was sent to is not one this kernel answers */
function checkHost(req: Request, url: URL, rules: OriginRules): void {
  if (!rules.loopbackListener && rules.allowedHosts.length === 0) return;
  const header = req.headers.get('host');
  // the request line's URL and the Host header both name the host: each must be ours
  for (const raw of header === null ? [url.host] : [url.host, header]) {
    const name = hostnameOf(raw);
    const bare = name?.replace(/\.$/, '');
    if (name !== undefined && (isLoopbackName(name) || rules.allowedHosts.includes(bare!))) continue;
    const shown = name ?? raw.slice(0, 200);
    const message = rules.loopbackListener
      ? `this kernel answers only its own machine: Host ${shown} is not a loopback name; add it to api.allowedHosts to serve it`
      : `this kernel answers only loopback names and those in api.allowedHosts: Host ${shown} is not one of them; add it to api.allowedHosts to serve it`;
    // the lists stay out of the answer: a rebinding page can read it, and they name internal hosts
    throw new KernelError('FORBIDDEN', message, { host: shown });
  }
}

/** @throws KernelError FORBIDDEN for a request a page of another origin or site had the browser send */
function checkOrigin(req: Request, url: URL, path: string, rules: OriginRules): void {
  const own = url.origin;
  const origin = req.headers.get('origin');
  const listed = origin !== null && rules.allowedOrigins.includes(origin);
  if (origin !== null && origin !== own && !listed) {
    const who = origin === 'null' ? 'a page with an opaque origin ("null": a sandboxed frame, a local file, a redirect from another origin)' : `a page of ${origin}`;
    throw new KernelError('FORBIDDEN', `${who} may not call this kernel: only its own origin ${own}${rules.allowedOrigins.length ? ' and those in api.allowedOrigins' : ''} may, so that no web page can drive it through a visitor's browser; if ${origin} is this kernel under another name (a reverse proxy's), add it to api.allowedOrigins`, { origin });
  }
  const site = req.headers.get('sec-fetch-site');
  if ((site === 'cross-site' || site === 'same-site') && !listed) {
    // a person following a link to the console or a health page from elsewhere still gets it
    const link = (req.method === 'GET' || req.method === 'HEAD') && req.headers.get('sec-fetch-mode') === 'navigate' && req.headers.get('sec-fetch-dest') === 'document';
    if (link && !isApi(path)) return;
    throw new KernelError('FORBIDDEN', `this request was sent by the browser for a page of another site (Sec-Fetch-Site: ${site}), so it is refused: use the console at ${own}/, or call the API from a program${link ? ' (typing the address works)' : ''}`, { secFetchSite: site, ...(origin !== null && { origin }) });
  }
}

/** Marks an answer as this origin's alone: no other origin may embed or sniff it (no CORS header is ever set). */
function sameOriginOnly(res: Response): Response {
  try {
    res.headers.set('cross-origin-resource-policy', 'same-origin');
    res.headers.set('x-content-type-options', 'nosniff');
    return res;
  } catch {
    // an answer with immutable headers (one fetched from elsewhere) is copied
    return sameOriginOnly(new Response(res.body, res));
  }
}

/** The rules of this host: the config's lists and whether it listens on loopback only. */
export function originRules(api: KernelConfig['api'], loopbackListener: boolean): OriginRules {
  return { loopbackListener, allowedHosts: api.allowedHosts ?? [], allowedOrigins: api.allowedOrigins ?? [] };
}

/**
 * The middleware, registered ahead of every route (so it also guards routes a host adds later,
 * such as the Node server's console). Its refusals are answered here, with the same headers.
 * Refuses with KernelError FORBIDDEN (Host, Origin, Sec-Fetch-Site) or BAD_REQUEST (a write's body type).
 */
export function guardOrigin(rules: OriginRules): MiddlewareHandler {
  return async (c, next) => {
    const req = c.req.raw;
    try {
      const url = new URL(req.url);
      checkHost(req, url, rules);
      checkOrigin(req, url, c.req.path, rules);
      if (!SAFE_METHODS.has(req.method)) {
        refuseSimpleBody(req, c.req.path === '/v1/packages' ? PACKAGE_BODY : JSON_BODY, 'request body');
      }
    } catch (e) {
      return sameOriginOnly(errorResponse(e));
    }
    await next();
    const marked = sameOriginOnly(c.res);
    if (marked !== c.res) c.res = marked;
  };
}
