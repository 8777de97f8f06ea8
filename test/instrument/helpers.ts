/** Shared support for the instrumentation tests (Node-only). */
import wabtInit from 'wabt';
import { buildFixtures, readFixtures } from '../fixtures/build.ts';
import { FUEL_EXPORT } from '../../src/execution/instrument/index.ts';

let fixtures: Promise<Map<string, Uint8Array>> | undefined;

/** Bytes of a fixture built by test/fixtures/build.ts. */
export async function fixture(name: string): Promise<Uint8Array> {
  fixtures ??= buildFixtures().then(() => readFixtures());
  const b = (await fixtures).get(name);
  if (!b) throw new Error(`no fixture ${name}`);
  return b;
}

const wabt = wabtInit();

/** WAT → bytes with every proposal wabt knows enabled; validity is left to the engine. */
export async function wat(src: string): Promise<Uint8Array> {
  const w = await wabt;
  const m = w.parseWat('inline.wat', src, {
    exceptions: true, tail_call: true, threads: true, memory64: true, simd: true, reference_types: true,
    bulk_memory: true, multi_value: true, sign_extension: true, sat_float_to_int: true, mutable_globals: true,
    ...({ multi_memory: true } as object),
  });
  try {
    return m.toBinary({}).buffer;
  } finally {
    m.destroy();
  }
}

export interface Metered {
  readonly exports: WebAssembly.Exports;
  readonly fuel: WebAssembly.Global;
}

export async function instantiate(bytes: Uint8Array, imports: WebAssembly.Imports = {}): Promise<Metered> {
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(module, imports);
  return { exports: instance.exports, fuel: instance.exports[FUEL_EXPORT] as WebAssembly.Global };
}

export interface Outcome {
  readonly value?: unknown;
  readonly trap?: string;
  /** Fuel charged: the budget minus what remains (more than the budget when exhausted). */
  readonly used: bigint;
  readonly remaining: bigint;
}

/** Calls an export with `budget` fuel; a trap is captured, never thrown. */
export function call(m: Metered, name: string, args: readonly unknown[] = [], budget = 10n ** 15n): Outcome {
  m.fuel.value = budget;
  const fn = m.exports[name] as (...a: unknown[]) => unknown;
  try {
    const value = fn(...args);
    const remaining = m.fuel.value as bigint;
    return { value, used: budget - remaining, remaining };
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError)) throw e;
    const remaining = m.fuel.value as bigint;
    return { trap: e.message, used: budget - remaining, remaining };
  }
}

/** Calls an export of an uninstrumented instance; a trap is captured. */
export function callPlain(exports: WebAssembly.Exports, name: string, args: readonly unknown[] = []): { value?: unknown; trap?: string } {
  try {
    return { value: (exports[name] as (...a: unknown[]) => unknown)(...args) };
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError)) throw e;
    return { trap: e.message };
  }
}

class Exit {
  readonly code: number;
  constructor(code: number) { this.code = code; }
}

/**
 * Just enough of WASI preview1 to run a C command that prints (fd_write to stdout/stderr,
 * fd_fdstat_get, proc_exit); every other call answers ENOSYS. Test support only — the real WASI
 * layer is src/execution/wasi.
 */
export function runCommand(module: WebAssembly.Module, beforeStart?: (exports: WebAssembly.Exports) => void): { stdout: string; exitCode: number; exports: WebAssembly.Exports } {
  let memory: WebAssembly.Memory | undefined;
  let stdout = '';
  const known: Record<string, (...a: number[]) => number> = {
    fd_write(fd, iovs, n, written) {
      const view = new DataView(memory!.buffer);
      let total = 0;
      for (let i = 0; i < n; i++) {
        const ptr = view.getUint32(iovs + i * 8, true), len = view.getUint32(iovs + i * 8 + 4, true);
        if (fd === 1) stdout += new TextDecoder().decode(new Uint8Array(memory!.buffer, ptr, len));
        total += len;
      }
      view.setUint32(written, total, true);
      return 0;
    },
    fd_fdstat_get(_fd, out) {
      new Uint8Array(memory!.buffer, out, 24).fill(0);
      new DataView(memory!.buffer).setUint8(out, 2); // character device
      return 0;
    },
    proc_exit(code) { throw new Exit(code); },
  };
  const wasi = new Proxy({}, { get: (_t, name: string) => known[name] ?? (() => 52) });
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi });
  memory = instance.exports.memory as WebAssembly.Memory;
  beforeStart?.(instance.exports);
  let exitCode = 0;
  try {
    (instance.exports._start as () => void)();
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    exitCode = e.code;
  }
  return { stdout, exitCode, exports: instance.exports };
}
