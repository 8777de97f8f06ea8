/**
 * Bounds-checked access to a guest's linear memory. Views are cached and rebuilt only when
 * `memory.buffer` changes (after `memory.grow`): a new DataView per call costs 60–80 ns here.
 * Every accessor checks `ptr + len` against the current size and throws the bare errno
 * `E.FAULT`, which the gate returns to the guest — a bad pointer is never a host exception.
 */
import { E } from './constants.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

export class GuestMemory {
  #memory: WebAssembly.Memory | undefined;
  #buffer: ArrayBuffer | SharedArrayBuffer | undefined;
  #shared = false;
  u8: Uint8Array = new Uint8Array(0);
  dv: DataView = new DataView(new ArrayBuffer(0));

  /** Binds the instance's exported memory (after instantiation, before `_start`). */
  bind(memory: WebAssembly.Memory): void {
    this.#memory = memory;
    this.#shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
    this.u8 = new Uint8Array(0);
    this.refresh();
  }

  /**
   * Re-reads the views when the buffer was replaced. memory.grow detaches the old buffer (its
   * views read as length 0), so a live view means no growth — except for shared memories, whose
   * buffers are never detached: those are re-read every time.
   */
  refresh(): void {
    const m = this.#memory;
    if (m === undefined || (this.u8.length !== 0 && !this.#shared)) return;
    const b = m.buffer;
    if (b !== this.#buffer) {
      this.#buffer = b;
      this.u8 = new Uint8Array(b);
      this.dv = new DataView(b);
    }
  }

  get size(): number {
    return this.u8.length;
  }

  /** Throws E.FAULT unless [ptr, ptr+len) lies inside memory. Both are u32 (callers pass `x >>> 0`). */
  check(ptr: number, len: number): void {
    if (ptr + len > this.u8.length) throw E.FAULT;
  }

  u8At(ptr: number): number { this.check(ptr, 1); return this.u8[ptr]!; }
  u16(ptr: number): number { this.check(ptr, 2); return this.dv.getUint16(ptr, true); }
  u32(ptr: number): number { this.check(ptr, 4); return this.dv.getUint32(ptr, true); }
  u64(ptr: number): bigint { this.check(ptr, 8); return this.dv.getBigUint64(ptr, true); }

  setU8(ptr: number, v: number): void { this.check(ptr, 1); this.u8[ptr] = v; }
  setU16(ptr: number, v: number): void { this.check(ptr, 2); this.dv.setUint16(ptr, v, true); }
  setU32(ptr: number, v: number): void { this.check(ptr, 4); this.dv.setUint32(ptr, v, true); }
  setU64(ptr: number, v: bigint): void { this.check(ptr, 8); this.dv.setBigUint64(ptr, v, true); }

  /** A view (not a copy) of guest bytes; valid until the next memory.grow. */
  view(ptr: number, len: number): Uint8Array {
    this.check(ptr, len);
    return this.u8.subarray(ptr, ptr + len);
  }

  /** Copies host bytes into guest memory. */
  write(ptr: number, bytes: Uint8Array): void {
    this.check(ptr, bytes.length);
    this.u8.set(bytes, ptr);
  }

  /** Decodes a UTF-8 string from guest memory; E.ILSEQ when it is not valid UTF-8. */
  string(ptr: number, len: number): string {
    const bytes = this.view(ptr, len);
    try {
      return decoder.decode(bytes);
    } catch {
      throw E.ILSEQ;
    }
  }
}

/** UTF-8 bytes of a host string (args, env, names). */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes one iovec array: pairs of (ptr, len) at `iovs`, `count` entries. Throws E.FAULT / E.INVAL. */
/**
 * Bytes one read or write moves at most. Iovecs may all point at the same buffer, so what a call
 * names is bounded by count × memory, not by memory: 2,000 iovecs over one 1 MiB buffer ask the
 * host to gather 2 GB before any cap applies.
 */
export const IO_MAX = 16 * 1024 * 1024;

export function readIovecs(mem: GuestMemory, iovs: number, count: number): { ptrs: Uint32Array; lens: Uint32Array; total: number } {
  // 8 bytes per iovec: an array past the end of memory is a fault before anything is read.
  mem.check(iovs, count * 8);
  const ptrs = new Uint32Array(count);
  const lens = new Uint32Array(count);
  let total = 0;
  const dv = mem.dv;
  for (let i = 0; i < count; i++) {
    const p = dv.getUint32(iovs + i * 8, true);
    const l = dv.getUint32(iovs + i * 8 + 4, true);
    mem.check(p, l);
    ptrs[i] = p;
    lens[i] = l;
    total += l;
  }
  // POSIX: a total length that does not fit in ssize_t is EINVAL.
  if (total > 0x7fffffff) throw E.INVAL;
  if (total > IO_MAX) {
    // a short count, as POSIX allows: the caller loops, and the host never gathers gigabytes at once
    let left = IO_MAX;
    for (let i = 0; i < count; i++) {
      const l = Math.min(lens[i]!, left);
      lens[i] = l;
      left -= l;
    }
    total = IO_MAX;
  }
  return { ptrs, lens, total };
}
