/**
 * Instrument once per module: results are kept by the SHA-256 of the input and the options, so a
 * package run many times is rewritten and hashed once. Each result carries the digest of its own
 * bytes, which is what the platform loader (and a Worker's bundle of instrumented modules) keys on.
 */
import { toHex } from '../../lib/encoding.ts';
import { KernelError } from '../../errors.ts';
import { instrument, instrumentAsync, type InstrumentOptions, type InstrumentPace, type Instrumented } from './instrument.ts';

export interface InstrumenterOptions {
  readonly sha256: (bytes: Uint8Array) => Uint8Array;
  /** Results kept, least recently used evicted first. Default 16. */
  readonly maxEntries?: number;
  /** Total instrumented bytes kept. Default 256 MiB. */
  readonly maxBytes?: number;
}

export interface CachedInstrumented extends Instrumented {
  /** Lowercase hex SHA-256 of `bytes` (the instrumented module). */
  readonly digest: string;
}

export interface Instrumenter {
  /**
   * Instruments `bytes`, or returns the kept result. `digestHex` is the SHA-256 of `bytes` when the
   * caller already has it (the kernel hashes every package it verifies); it is trusted, so it must
   * come from the kernel, never from the package. Callers must not mutate the returned bytes.
   * @throws KernelError PKG_INVALID_WASM, WASM_LIMIT_EXCEEDED, MEMORY_LIMIT, BAD_REQUEST (as `instrument`, and for a malformed digest)
   */
  instrument(bytes: Uint8Array, digestHex?: string, options?: InstrumentOptions): CachedInstrumented;
  /**
   * The same through `instrumentAsync`: a miss yields to the event loop between slices of bodies.
   * @throws KernelError TIMEOUT once `pace.deadline` has passed; otherwise as `instrument`
   */
  instrumentAsync(bytes: Uint8Array, digestHex?: string, options?: InstrumentOptions, pace?: InstrumentPace): Promise<CachedInstrumented>;
  stats(): { entries: number; bytes: number; hits: number; misses: number };
}

const DIGEST = /^[0-9a-f]{64}$/;

/** Creates a digest-keyed instrumentation cache (per kernel, never module-global). */
export function createInstrumenter(opts: InstrumenterOptions): Instrumenter {
  const maxEntries = opts.maxEntries ?? 16;
  const maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
  const kept = new Map<string, { result: CachedInstrumented; inputLength: number }>();
  let keptBytes = 0, hits = 0, misses = 0;

  /** The kept result for this input, or the key to keep a new one under. */
  function lookup(bytes: Uint8Array, digestHex: string | undefined, options: InstrumentOptions): { key: string; result?: CachedInstrumented } {
    const digest = digestHex ?? toHex(opts.sha256(bytes));
    if (!DIGEST.test(digest)) throw new KernelError('BAD_REQUEST', `a module digest is 64 lowercase hex digits, got "${digest.slice(0, 80)}"`);
    const key = `${digest}/${options.memoryMaxPages ?? '-'}`;
    const hit = kept.get(key);
    if (hit && hit.inputLength === bytes.length) {
      hits++;
      kept.delete(key);
      kept.set(key, hit);
      return { key, result: hit.result };
    }
    misses++;
    return { key };
  }

  // Re-reads the entry: while an async rewrite ran, another run may have kept one under this key.
  function keep(key: string, inputLength: number, out: Instrumented): CachedInstrumented {
    const result: CachedInstrumented = Object.freeze({ ...out, digest: toHex(opts.sha256(out.bytes)) });
    const old = kept.get(key);
    if (old) { kept.delete(key); keptBytes -= old.result.bytes.length; }
    if (out.bytes.length <= maxBytes) {
      kept.set(key, { result, inputLength });
      keptBytes += out.bytes.length;
      for (const [k, v] of kept) {
        if (kept.size <= maxEntries && keptBytes <= maxBytes) break;
        kept.delete(k);
        keptBytes -= v.result.bytes.length;
      }
    }
    return result;
  }

  return {
    instrument(bytes, digestHex, options = {}) {
      const { key, result } = lookup(bytes, digestHex, options);
      return result ?? keep(key, bytes.length, instrument(bytes, options));
    },
    async instrumentAsync(bytes, digestHex, options = {}, pace = {}) {
      const { key, result } = lookup(bytes, digestHex, options);
      return result ?? keep(key, bytes.length, await instrumentAsync(bytes, options, pace));
    },
    stats: () => ({ entries: kept.size, bytes: keptBytes, hits, misses }),
  };
}
