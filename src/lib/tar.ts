/**
 * The minimal POSIX ustar (IEEE 1003.1-1988) subset an evidence file needs: regular files with
 * short names, written reproducibly (fixed mode, owner and mtime) so `tar -xf` and every archive
 * tool read it; and a strict reader for the files this writer produces.
 */
import { KernelError } from '../errors.ts';

const BLOCK = 512;
const enc = new TextEncoder();
const dec = new TextDecoder();

function field(h: Uint8Array, off: number, len: number, text: string): void {
  h.set(enc.encode(text).subarray(0, len), off);
}
function octal(h: Uint8Array, off: number, len: number, v: number): void {
  field(h, off, len, `${v.toString(8).padStart(len - 1, '0')}\0`);
}

/** One ustar archive of `files` (names of at most 100 ASCII bytes, sizes below 8 GiB). */
export function writeTar(files: readonly { name: string; data: Uint8Array }[], mtimeSeconds = 0): Uint8Array {
  const size = files.reduce((n, f) => n + BLOCK + Math.ceil(f.data.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(size);
  let pos = 0;
  for (const f of files) {
    if (!/^[\x21-\x7e]{1,100}$/.test(f.name)) throw new KernelError('INTERNAL', `tar member name "${f.name}" is not 1–100 printable ASCII bytes`);
    const h = out.subarray(pos, pos + BLOCK);
    field(h, 0, 100, f.name);
    octal(h, 100, 8, 0o644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, f.data.length);
    octal(h, 136, 12, mtimeSeconds);
    field(h, 148, 8, '        ');
    field(h, 156, 1, '0');
    field(h, 257, 8, 'ustar\x0000');
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += h[i]!;
    field(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    out.set(f.data, pos + BLOCK);
    pos += BLOCK + Math.ceil(f.data.length / BLOCK) * BLOCK;
  }
  return out;
}

/** True when `bytes` start with a ustar header. */
export function isTar(bytes: Uint8Array): boolean {
  return bytes.length >= BLOCK && dec.decode(bytes.subarray(257, 262)) === 'ustar';
}

/**
 * Reads the regular files of a ustar archive, checking every header checksum.
 * @throws KernelError TRACE_INVALID for a truncated or corrupt archive
 */
export function readTar(bytes: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let pos = 0;
  while (pos + BLOCK <= bytes.length) {
    const h = bytes.subarray(pos, pos + BLOCK);
    if (h.every((b) => b === 0)) return files;
    const text = (off: number, len: number) => dec.decode(h.subarray(off, off + len)).replace(/\0.*$/s, '');
    const name = text(0, 100);
    const size = Number.parseInt(text(124, 12).trim(), 8);
    const stated = Number.parseInt(text(148, 8).trim(), 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (!Number.isSafeInteger(size) || size < 0 || sum !== stated || text(257, 6) !== 'ustar') {
      throw new KernelError('TRACE_INVALID', `evidence archive: the header at byte ${pos} is corrupt`, { offset: pos });
    }
    if (pos + BLOCK + size > bytes.length) throw new KernelError('TRACE_INVALID', `evidence archive: "${name}" is truncated`, { member: name });
    if (text(156, 1) === '0' || text(156, 1) === '') files.set(name, bytes.slice(pos + BLOCK, pos + BLOCK + size));
    pos += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new KernelError('TRACE_INVALID', 'evidence archive: no end-of-archive marker (truncated)');
}
