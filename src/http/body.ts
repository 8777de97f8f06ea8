/**
 * Request bodies, read once at the edge with a size cap: a body over the cap is refused as soon
 * as its Content-Length (or its streamed length) says so, before it is held in memory whole.
 */
import type { z } from 'zod';
import { KernelError } from '../errors.ts';
import { badRequest } from './errors.ts';
import { JSON_BODY, requireBodyType } from './media-type.ts';

function tooLarge(size: number | string, max: number, what: string): KernelError {
  return new KernelError('PKG_TOO_LARGE', `the ${what} is ${typeof size === 'number' ? `${size} bytes` : size}; the maximum is ${max} bytes`, { maxBytes: max, ...(typeof size === 'number' && { size }) });
}

/**
 * The whole body as bytes.
 * @throws KernelError PKG_TOO_LARGE over `max` bytes; BAD_REQUEST for a malformed Content-Length
 */
export async function readBody(req: Request, max: number, what: string): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null) {
    if (!/^[0-9]+$/.test(declared.trim())) throw new KernelError('BAD_REQUEST', `Content-Length ${JSON.stringify(declared)} is not a byte count`);
    const n = Number(declared);
    if (n > max) throw tooLarge(n, max, what);
  }
  if (req.body === null) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(`more than ${max} bytes`, max, what);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.length; }
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON body parsed by `schema`. It must be declared `application/json`: a body without a type
 * is what any page can send across origins (src/http/media-type.ts).
 * @throws KernelError BAD_REQUEST (no or another content type, not UTF-8 JSON, or a field the
 *   schema refuses — named), PKG_TOO_LARGE
 */
export async function readJson<S extends z.ZodType>(req: Request, schema: S, max: number): Promise<z.infer<S>> {
  requireBodyType(req, JSON_BODY, 'request body');
  const bytes = await readBody(req, max, 'request body');
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch (e) {
    throw new KernelError('BAD_REQUEST', `the request body is not UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(parsed.error, 'request body');
  return parsed.data;
}
