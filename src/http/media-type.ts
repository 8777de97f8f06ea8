/**
 * The content type of a request body. A browser lets any page send a body to any server without
 * asking it first (no CORS preflight) only as `text/plain`, `application/x-www-form-urlencoded`,
 * `multipart/form-data` or with no type at all — what a form or a `no-cors` fetch sends. So every
 * write of this API names a type outside those: a page of another origin cannot send it without
 * a preflight, and the API answers no preflight (docs/http-api.md § Cross-origin requests).
 */
import { KernelError } from '../errors.ts';

/** The essences a page may send across origins without a preflight (Fetch: CORS-safelisted Content-Type). */
const SIMPLE = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

// RFC 9110 token characters, as the Fetch standard's MIME type parser reads a type and subtype
const ESSENCE = /^[\t\n\r ]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\/([!#$%&'*+.^_`|~0-9A-Za-z-]+)[\t\n\r ]*(?:;|$)/;

/**
 * The essence (`type/subtype`, lowercase) of a Content-Type value, read as a browser reads it —
 * parameters never count, so `application/x-www-form-urlencoded; x=+json` is a form. Undefined
 * when there is no value or it is not a media type.
 */
export function essenceOf(value: string | null | undefined): string | undefined {
  const m = value == null ? null : ESSENCE.exec(value);
  return m ? `${m[1]}/${m[2]}`.toLowerCase() : undefined;
}

/** Whether a body sent with this Content-Type could come from any page without the browser asking first. */
export function isSimpleBodyType(value: string | null | undefined): boolean {
  const e = essenceOf(value);
  return e === undefined || SIMPLE.has(e);
}

/** What one route's bodies must be sent as. */
export interface BodyType {
  /** The type to tell a caller to send. */
  readonly name: string;
  accepts(essence: string): boolean;
}

export const JSON_BODY: BodyType = { name: 'application/json', accepts: (e) => e === 'application/json' || /^application\/[^/]+\+json$/.test(e) };
export const PACKAGE_BODY: BodyType = { name: 'application/octet-stream', accepts: (e) => e === 'application/octet-stream' || e === 'application/vnd.forgeone.package' };

/** The refusal of a body sent as `value` where `type` is wanted; it says why a type any page can send is refused. */
function refusal(value: string | null, type: BodyType, what: string): KernelError {
  const details = { contentType: value, expected: type.name };
  if (value === null) {
    return new KernelError('BAD_REQUEST', `the ${what} must be sent with "Content-Type: ${type.name}": a request without a Content-Type is refused, since any web page can send one to this kernel without the browser asking first`, details);
  }
  const why = isSimpleBodyType(value) ? `: any web page can send ${essenceOf(value) ?? 'that'} to this kernel without the browser asking first` : '';
  return new KernelError('BAD_REQUEST', `the ${what} must be ${type.name}, not ${value}${why}`, details);
}

/**
 * Checks that a request's body is declared as `type`; `what` names the body in the message.
 * @throws KernelError BAD_REQUEST when the Content-Type is absent, malformed or another type
 */
export function requireBodyType(req: Request, type: BodyType, what: string): void {
  const value = req.headers.get('content-type');
  const essence = essenceOf(value);
  if (essence === undefined || !type.accepts(essence)) throw refusal(value, type, what);
}

/**
 * Checks that a write's body is declared as something a page could not send across origins
 * without asking; `type` is what the message tells the caller to send.
 * @throws KernelError BAD_REQUEST for no Content-Type, a malformed one, or a form or text type
 */
export function refuseSimpleBody(req: Request, type: BodyType, what: string): void {
  const value = req.headers.get('content-type');
  if (isSimpleBodyType(value)) throw refusal(value, type, what);
}
