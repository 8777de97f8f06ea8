/**
 * Packages in Workers KV. A package is immutable under its digest, so KV's eventual consistency
 * is harmless: a reader sees the bytes or nothing, never other bytes. Values above `chunkBytes`
 * (KV's value limit is 25 MiB) are split: chunks are written first and the head key — whose
 * metadata names the chunk count and size — last, so a reader never finds a head without chunks
 * in the same location; a far location that sees the head before a chunk gets STORE_UNAVAILABLE
 * (retry), never short bytes; the store core (src/stores/create.ts) checks the total against the
 * head's recorded size.
 */
import type { KVNamespace } from '@cloudflare/workers-types';
import { z } from 'zod';
import { KernelError } from '../../src/errors.ts';
import type { PackageDriver } from '../../src/ports/package-store.ts';
import { concatBytes } from '../../src/lib/encoding.ts';

/** Largest value written as one KV entry (below KV's 25 MiB limit). */
export const DEFAULT_CHUNK_BYTES = 20 * 1024 * 1024;

const headMetadata = z.object({ size: z.number().int().nonnegative(), chunks: z.number().int().nonnegative() });

export interface KvPackageOptions {
  /** Key prefix (tenant or test isolation). */
  readonly prefix: string;
  readonly chunkBytes?: number;
}

/** A package driver over `kv`; the store core checks digests and translates platform errors. */
export function kvPackageDriver(kv: KVNamespace, opts: KvPackageOptions): PackageDriver {
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const headPrefix = `${opts.prefix}pkg/`;
  const chunkKey = (digest: string, i: number) => `${opts.prefix}pkg-chunk/${digest}/${i}`;

  const readHead = async (digest: string) => {
    const { value, metadata } = await kv.getWithMetadata(headPrefix + digest, 'arrayBuffer');
    if (value === null) return undefined;
    const meta = headMetadata.safeParse(metadata);
    if (!meta.success) throw new KernelError('STORE_UNAVAILABLE', `kv store: package ${digest} has damaged metadata`, { digest });
    return { value, ...meta.data };
  };

  return {
    async put(digest, bytes) {
      if (bytes.length <= chunkBytes) {
        await kv.put(headPrefix + digest, bytes, { metadata: { size: bytes.length, chunks: 0 } });
        return;
      }
      const chunks = Math.ceil(bytes.length / chunkBytes);
      for (let i = 0; i < chunks; i++) await kv.put(chunkKey(digest, i), bytes.subarray(i * chunkBytes, (i + 1) * chunkBytes));
      await kv.put(headPrefix + digest, new Uint8Array(0), { metadata: { size: bytes.length, chunks } });
    },
    async get(digest) {
      const head = await readHead(digest);
      if (!head) return undefined;
      let bytes: Uint8Array = new Uint8Array(head.value);
      if (head.chunks > 0) {
        const parts = await Promise.all(Array.from({ length: head.chunks }, (_, i) => kv.get(chunkKey(digest, i), 'arrayBuffer')));
        const missing = parts.findIndex((p) => p === null);
        if (missing >= 0) {
          throw new KernelError('STORE_UNAVAILABLE', `kv store: package ${digest} chunk ${missing} of ${head.chunks} is not visible yet; retry`, { digest, chunk: missing });
        }
        bytes = concatBytes(...parts.map((p) => new Uint8Array(p!)));
      }
      return { bytes, size: head.size };
    },
    async list() {
      const out: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await kv.list({ prefix: headPrefix, ...(cursor ? { cursor } : {}) });
        for (const k of page.keys) out.push(k.name.slice(headPrefix.length));
        if (page.list_complete) return out;
        cursor = page.cursor;
      }
    },
    async remove(digest) {
      const head = await readHead(digest);
      if (!head) return;
      // The head goes first: once it is gone no reader looks for the chunks.
      await kv.delete(headPrefix + digest);
      for (let i = 0; i < head.chunks; i++) await kv.delete(chunkKey(digest, i));
    },
  };
}
