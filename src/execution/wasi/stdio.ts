/**
 * Standard streams. Stdin comes from bytes or from a synchronous source the host supplies (the
 * CLI reads the process's stdin lazily); stdout and stderr are captured up to a cap and, when
 * a sink is given, passed through as they are written. Passing the cap stops the run with the
 * typed status `output-limit` — the bytes up to the cap are kept.
 */
import { GuestStop } from './stop.ts';

/** A synchronous byte source; `read` returns at most `max` bytes, or null at end of input. */
export interface StdinSource {
  read(max: number): Uint8Array | null;
}

/** Where passed-through output goes (e.g. the process's stdout in the CLI). */
export interface OutputSink {
  write(bytes: Uint8Array): void;
}

/** Stdin over a fixed byte array. */
export function bytesStdin(bytes: Uint8Array): StdinSource {
  let pos = 0;
  return {
    read(max) {
      if (pos >= bytes.length) return null;
      const out = bytes.subarray(pos, Math.min(bytes.length, pos + max));
      pos += out.length;
      return out;
    },
  };
}

export const EMPTY_STDIN: StdinSource = { read: () => null };

export class OutputStream {
  readonly name: 'stdout' | 'stderr';
  readonly cap: number;
  readonly #sink: OutputSink | undefined;
  readonly #keep: boolean;
  readonly #chunks: Uint8Array[] = [];
  written = 0;

  /** `keep`: retain the bytes for the result (false when a sink receives them and nobody reads them back). */
  constructor(name: 'stdout' | 'stderr', cap: number, sink?: OutputSink, keep = true) {
    this.name = name;
    this.cap = cap;
    this.#sink = sink;
    this.#keep = keep;
  }

  /** Appends `bytes`; throws GuestStop('output-limit') once the cap is passed, after keeping what fits. */
  write(bytes: Uint8Array): void {
    const room = this.cap - this.written;
    const fits = bytes.length <= room ? bytes : bytes.subarray(0, Math.max(0, room));
    if (fits.length > 0) {
      // Copy: `bytes` is a view of guest memory, which the guest may overwrite after the call.
      if (this.#keep) this.#chunks.push(fits.slice());
      this.#sink?.write(fits);
      this.written += fits.length;
    }
    if (fits.length < bytes.length) {
      throw new GuestStop('output-limit', 125, `${this.name} passed its cap of ${this.cap} bytes`);
    }
  }

  /** Everything kept so far, as one array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of this.#chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}
