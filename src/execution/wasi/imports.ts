/**
 * The `wasi_snapshot_preview1` import object. Each import is a thin wrapper that hands its raw
 * arguments to `secureSyscall`: there is no other way from the guest into the host. The objects
 * have no prototype and are frozen (import-surface.ts says why).
 */
import { closedRecord } from '../import-surface.ts';
import { secureSyscall, type GateContext } from '../gate.ts';
import { WASI_SYSCALLS } from '../../ports/syscalls.ts';

export const WASI_MODULE = 'wasi_snapshot_preview1';

type Import = (...args: (number | bigint)[]) => number;

/** The whole import object for `WebAssembly.instantiate`: one module, no prototype at either level. */
export function createWasiImports(ctx: GateContext): Readonly<Record<string, Readonly<Record<string, Import>>>> {
  const wasi = closedRecord(WASI_SYSCALLS.map((name): [string, Import] => [name, (...args) => secureSyscall(name, args, ctx)]));
  return closedRecord([[WASI_MODULE, wasi]]);
}
