/**
 * The `wasi_snapshot_preview1` import object. Each import is a thin wrapper that hands its raw
 * arguments to `secureSyscall`: there is no other way from the guest into the host.
 */
import { secureSyscall, type GateContext } from '../gate.ts';
import { WASI_SYSCALLS } from '../syscalls.ts';

export const WASI_MODULE = 'wasi_snapshot_preview1';

export function createWasiImports(ctx: GateContext): Record<string, (...args: (number | bigint)[]) => number> {
  const imports: Record<string, (...args: (number | bigint)[]) => number> = {};
  for (const name of WASI_SYSCALLS) imports[name] = (...args) => secureSyscall(name, args, ctx);
  return imports;
}
