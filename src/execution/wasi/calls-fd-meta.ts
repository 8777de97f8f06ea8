/**
 * Everything about an fd that is not its bytes: status and flags, rights, stat and times,
 * size and allocation, advice and sync, preopen names, close and renumber.
 */
import type { SyscallName } from '../../ports/syscalls.ts';
import { ADVICE_MAX, E, FDFLAGS_ALL, FSTFLAGS, R, RIGHTS_ALL } from './constants.ts';
import type { FdEntry } from './fd-table.ts';
import { writeFilestat, type FileNode, type Inode } from './inode.ts';
import { utf8Bytes } from './memory.ts';
import { groupOf } from './calls-fd-io.ts';
import type { Handler, WasiSystem } from './system.ts';
import { fileResize } from './vfs.ts';

function need(entry: FdEntry, right: number): void {
  if ((entry.rightsBase & right) === 0) throw E.NOTCAPABLE;
}

function fileOf(entry: FdEntry): FileNode {
  if (entry.kind === 'dir') throw E.ISDIR;
  if (entry.node === undefined || entry.node.kind !== 'file') throw E.SPIPE;
  return entry.node;
}

/** u64 arguments arrive as bigint; sizes a VFS file can have fit in a number. */
function sizeArg(v: number | bigint): number {
  const n = BigInt.asUintN(64, BigInt(v));
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw E.FBIG;
  return Number(n);
}

/**
 * Applies fd/path_filestat_set_times to a node. Both X and X_NOW for one time is EINVAL, as is
 * an unknown flag; times are kept to the nanosecond.
 */
export function setTimes(sys: WasiSystem, node: Inode, atim: bigint, mtim: bigint, flags: number): void {
  if ((flags & ~0xf) !== 0) throw E.INVAL;
  if ((flags & FSTFLAGS.ATIM) !== 0 && (flags & FSTFLAGS.ATIM_NOW) !== 0) throw E.INVAL;
  if ((flags & FSTFLAGS.MTIM) !== 0 && (flags & FSTFLAGS.MTIM_NOW) !== 0) throw E.INVAL;
  if (node.mount.readonly) throw E.ROFS;
  const now = sys.realtimeNs();
  if ((flags & FSTFLAGS.ATIM) !== 0) node.atim = atim;
  else if ((flags & FSTFLAGS.ATIM_NOW) !== 0) node.atim = now;
  if ((flags & FSTFLAGS.MTIM) !== 0) node.mtim = mtim;
  else if ((flags & FSTFLAGS.MTIM_NOW) !== 0) node.mtim = now;
  node.ctim = now;
  node.changed = true;
}

function fdOnly(body: (sys: WasiSystem, entry: FdEntry, a: readonly (number | bigint)[]) => void, fileGroup: 'fs.meta' | 'fs.write' | 'fs.read', outs: readonly [number, number][] = []): Handler {
  return (sys, a) => {
    const fd = (a[0] as number) >>> 0;
    for (const [i, len] of outs) sys.mem.check((a[i] as number) >>> 0, len);
    const entry = sys.fds.get(fd);
    return {
      fd, group: groupOf(entry, fileGroup),
      run() {
        body(sys, entry, a);
        return { errno: 0 };
      },
    };
  };
}

export const fdMetaHandlers: Partial<Record<SyscallName, Handler>> = {
  fd_advise: fdOnly((_sys, entry, a) => {
    sizeArg(a[1]!);
    sizeArg(a[2]!);
    if (((a[3] as number) >>> 0) > ADVICE_MAX) throw E.INVAL;
    if (entry.node === undefined) throw E.SPIPE;
    need(entry, R.FD_ADVISE);
  }, 'fs.meta'),

  fd_allocate: fdOnly((_sys, entry, a) => {
    const node = fileOf(entry);
    need(entry, R.FD_ALLOCATE);
    const offset = sizeArg(a[1]!);
    const len = sizeArg(a[2]!);
    if (len === 0) throw E.INVAL;
    if (node.mount.readonly) throw E.ROFS;
    if (offset + len > node.size) fileResize(node, offset + len);
  }, 'fs.write'),

  fd_close: fdOnly((sys, _entry, a) => { sys.fds.close((a[0] as number) >>> 0); }, 'fs.meta'),

  fd_datasync: fdOnly((_sys, entry) => need(entry, R.FD_DATASYNC), 'fs.write'),
  fd_sync: fdOnly((_sys, entry) => need(entry, R.FD_SYNC), 'fs.write'),

  fd_fdstat_get: fdOnly((sys, entry, a) => {
    const p = (a[1] as number) >>> 0;
    const dv = sys.mem.dv;
    dv.setUint8(p, entry.filetype);
    dv.setUint8(p + 1, 0);
    dv.setUint16(p + 2, entry.flags, true);
    dv.setUint32(p + 4, 0, true);
    dv.setBigUint64(p + 8, BigInt(entry.rightsBase), true);
    dv.setBigUint64(p + 16, BigInt(entry.rightsInheriting), true);
  }, 'fs.meta', [[1, 24]]),

  fd_fdstat_set_flags: fdOnly((_sys, entry, a) => {
    const flags = (a[1] as number) & 0xffff;
    if ((flags & ~FDFLAGS_ALL) !== 0) throw E.INVAL;
    need(entry, R.FD_FDSTAT_SET_FLAGS);
    entry.flags = flags;
  }, 'fs.meta'),

  fd_fdstat_set_rights: fdOnly((_sys, entry, a) => {
    const base = BigInt.asUintN(64, BigInt(a[1]!));
    const inheriting = BigInt.asUintN(64, BigInt(a[2]!));
    // Rights only shrink: asking for one not held (or an undefined bit) is ENOTCAPABLE.
    if ((base & ~BigInt(entry.rightsBase)) !== 0n || (inheriting & ~BigInt(entry.rightsInheriting)) !== 0n) throw E.NOTCAPABLE;
    entry.rightsBase = Number(base) & RIGHTS_ALL;
    entry.rightsInheriting = Number(inheriting) & RIGHTS_ALL;
  }, 'fs.meta'),

  fd_filestat_get: fdOnly((sys, entry, a) => {
    need(entry, R.FD_FILESTAT_GET);
    const p = (a[1] as number) >>> 0;
    if (entry.node !== undefined) {
      writeFilestat(sys.mem.dv, p, entry.node);
      return;
    }
    sys.mem.u8.fill(0, p, p + 64);
    sys.mem.dv.setUint8(p + 16, entry.filetype);
    sys.mem.dv.setBigUint64(p + 24, 1n, true);
  }, 'fs.meta', [[1, 64]]),

  fd_filestat_set_size: fdOnly((_sys, entry, a) => {
    const node = fileOf(entry);
    need(entry, R.FD_FILESTAT_SET_SIZE);
    if (node.mount.readonly) throw E.ROFS;
    fileResize(node, sizeArg(a[1]!));
  }, 'fs.write'),

  fd_filestat_set_times: fdOnly((sys, entry, a) => {
    need(entry, R.FD_FILESTAT_SET_TIMES);
    if (entry.node === undefined) throw E.BADF;
    setTimes(sys, entry.node, BigInt.asUintN(64, BigInt(a[1]!)), BigInt.asUintN(64, BigInt(a[2]!)), (a[3] as number) & 0xffff);
  }, 'fs.write'),

  fd_prestat_get: fdOnly((sys, entry, a) => {
    if (entry.preopen === undefined) throw E.BADF;
    const p = (a[1] as number) >>> 0;
    sys.mem.dv.setUint32(p, 0, true);
    sys.mem.dv.setUint32(p + 4, utf8Bytes(entry.preopen).length, true);
  }, 'fs.meta', [[1, 8]]),

  fd_prestat_dir_name(sys, a) {
    const fd = (a[0] as number) >>> 0;
    const buf = (a[1] as number) >>> 0;
    const len = (a[2] as number) >>> 0;
    sys.mem.check(buf, len);
    const entry = sys.fds.get(fd);
    return {
      fd, group: groupOf(entry, 'fs.meta'),
      run() {
        if (entry.preopen === undefined) throw E.BADF;
        const name = utf8Bytes(entry.preopen);
        if (len < name.length) throw E.NAMETOOLONG;
        sys.mem.write(buf, name);
        return { errno: 0 };
      },
    };
  },

  fd_renumber(sys, a) {
    const from = (a[0] as number) >>> 0;
    const to = (a[1] as number) >>> 0;
    const entry = sys.fds.get(from);
    sys.fds.get(to);
    return {
      fd: from, group: groupOf(entry, 'fs.meta'),
      run() {
        sys.fds.renumber(from, to);
        return { errno: 0 };
      },
    };
  },
};
