/** Every preview1 import's handler, in one table the gate dispatches through. */
import { WASI_SYSCALLS, type SyscallName } from '../../ports/syscalls.ts';
import { fdIoHandlers } from './calls-fd-io.ts';
import { fdMetaHandlers } from './calls-fd-meta.ts';
import { pathHandlers } from './calls-path.ts';
import { pollHandlers } from './calls-poll.ts';
import { procHandlers } from './calls-proc.ts';
import type { Handler } from './system.ts';

function complete(parts: Partial<Record<SyscallName, Handler>>): Readonly<Record<SyscallName, Handler>> {
  for (const name of WASI_SYSCALLS) {
    if (parts[name] === undefined) throw new Error(`WASI handler table is missing ${name}`);
  }
  return Object.freeze(parts as Record<SyscallName, Handler>);
}

export const WASI_HANDLERS = complete({ ...procHandlers, ...fdIoHandlers, ...fdMetaHandlers, ...pathHandlers, ...pollHandlers });
