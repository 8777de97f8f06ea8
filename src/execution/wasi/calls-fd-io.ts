/**
 * Moving bytes through fds: read, write, pread, pwrite, seek, tell and readdir — on files in the
 * VFS and on the standard streams. Reads are nondeterministic (stdin, files another fd changed),
 * so they hand their bytes to `commit`, which a replay can feed instead.
 */
import type { ActionGroup, SyscallName } from '../../ports/syscalls.ts';
import { E, FDFLAGS, FILETYPE, R, WHENCE } from './constants.ts';
import type { FdEntry } from './fd-table.ts';
import { filetypeOf } from './inode.ts';
import { readIovecs, utf8Bytes, type GuestMemory } from './memory.ts';
import type { Handler, WasiSystem } from './system.ts';
import { fileRead, fileWrite } from './vfs.ts';

type Iovecs = ReturnType<typeof readIovecs>;

/** stdio fds are the `stdio` group; files take the group of the operation. */
export function groupOf(entry: FdEntry, fileGroup: ActionGroup): ActionGroup {
  return entry.kind === 'file' || entry.kind === 'dir' ? fileGroup : 'stdio';
}

/** Offsets arrive as i64 (a bigint); beyond 2^53 no VFS file can reach, so they are EINVAL. */
function offsetArg(v: number | bigint): number {
  const n = BigInt.asUintN(64, BigInt(v));
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw E.INVAL;
  return Number(n);
}

function scatter(mem: GuestMemory, iov: Iovecs, data: Uint8Array): void {
  let off = 0;
  for (let i = 0; i < iov.ptrs.length && off < data.length; i++) {
    const n = Math.min(iov.lens[i]!, data.length - off);
    mem.u8.set(data.subarray(off, off + n), iov.ptrs[i]!);
    off += n;
  }
}

function gather(mem: GuestMemory, iov: Iovecs): Uint8Array {
  if (iov.ptrs.length === 1) return mem.u8.subarray(iov.ptrs[0]!, iov.ptrs[0]! + iov.lens[0]!);
  const out = new Uint8Array(iov.total);
  let off = 0;
  for (let i = 0; i < iov.ptrs.length; i++) {
    out.set(mem.u8.subarray(iov.ptrs[i]!, iov.ptrs[i]! + iov.lens[i]!), off);
    off += iov.lens[i]!;
  }
  return out;
}

function readable(entry: FdEntry): void {
  if (entry.kind === 'dir') throw E.ISDIR;
  if ((entry.rightsBase & R.FD_READ) === 0) throw E.BADF;
}

function writable(entry: FdEntry): void {
  if (entry.kind === 'dir') throw E.ISDIR;
  if ((entry.rightsBase & R.FD_WRITE) === 0) throw E.BADF;
}

/** Reads from stdin or a file at `at` (undefined: the fd's position, which then advances). */
function readFrom(sys: WasiSystem, entry: FdEntry, max: number, at: number | undefined): Uint8Array {
  if (entry.kind === 'stdin') {
    if (at !== undefined) throw E.SPIPE;
    return max === 0 ? new Uint8Array(0) : sys.stdin.read(max) ?? new Uint8Array(0);
  }
  const node = entry.node;
  if (node === undefined || node.kind !== 'file') throw E.BADF;
  const data = fileRead(node, at ?? entry.position, max);
  if (at === undefined) entry.position += data.length;
  return data;
}

function writeTo(sys: WasiSystem, entry: FdEntry, bytes: Uint8Array, at: number | undefined): void {
  if (entry.kind === 'stdout' || entry.kind === 'stderr') {
    if (at !== undefined) throw E.SPIPE;
    (entry.kind === 'stdout' ? sys.stdout : sys.stderr).write(bytes);
    return;
  }
  const node = entry.node;
  if (node === undefined || node.kind !== 'file') throw E.BADF;
  if (node.mount.readonly) throw E.ROFS;
  if (at !== undefined) {
    // POSIX: pwrite writes at the offset even in append mode, and never moves the position.
    fileWrite(node, at, bytes);
    return;
  }
  const pos = (entry.flags & FDFLAGS.APPEND) !== 0 ? node.size : entry.position;
  fileWrite(node, pos, bytes);
  entry.position = pos + bytes.length;
}

/** The arguments fd_read/fd_pread/fd_write/fd_pwrite share: fd, iovecs, an offset when positional, the result pointer. */
function ioArgs(sys: Parameters<Handler>[0], a: Parameters<Handler>[1], positional: boolean) {
  const fd = (a[0] as number) >>> 0;
  const iov = readIovecs(sys.mem, (a[1] as number) >>> 0, (a[2] as number) >>> 0);
  const at = positional ? offsetArg(a[3]!) : undefined;
  const out = (a[positional ? 4 : 3] as number) >>> 0;
  sys.mem.check(out, 4);
  return { fd, iov, at, out, entry: sys.fds.get(fd) };
}

/** fd_seek and fd_tell move within regular files only, and need one of `rights`. */
function seekableFile(entry: FdEntry, rights: number): void {
  if (entry.kind === 'dir') throw E.ISDIR;
  if (entry.kind !== 'file') throw E.SPIPE;
  if ((entry.rightsBase & rights) === 0) throw E.NOTCAPABLE;
}

function readHandler(positional: boolean): Handler {
  return (sys, a) => {
    const { fd, iov, at, out, entry } = ioArgs(sys, a, positional);
    return {
      fd, group: groupOf(entry, 'fs.read'), bytes: iov.total,
      run() {
        readable(entry);
        const data = readFrom(sys, entry, iov.total, at);
        return { errno: 0, size: data.length, data };
      },
      commit(o, replayed) {
        const data = o.data ?? new Uint8Array(0);
        scatter(sys.mem, iov, data);
        sys.mem.setU32(out, data.length);
        if (replayed && at === undefined && entry.kind === 'file') entry.position += data.length;
      },
    };
  };
}

function writeHandler(positional: boolean): Handler {
  return (sys, a) => {
    const { fd, iov, at, out, entry } = ioArgs(sys, a, positional);
    return {
      fd, group: groupOf(entry, 'fs.write'), bytes: iov.total,
      run() {
        writable(entry);
        if (iov.total > 0) writeTo(sys, entry, gather(sys.mem, iov), at);
        sys.mem.setU32(out, iov.total);
        return { errno: 0, size: iov.total };
      },
    };
  };
}

const DIRENT_SIZE = 24;

/** Serializes directory entries from index `cookie` into at most `len` bytes (the last may be cut short). */
function readdirBytes(sys: WasiSystem, entry: FdEntry, cookie: bigint, len: number): Uint8Array {
  const dir = entry.node;
  if (dir === undefined || dir.kind !== 'dir') throw E.NOTDIR;
  const out = new Uint8Array(len);
  if (dir.removed) return out.subarray(0, 0);
  const names: [string, bigint, number][] = [
    ['.', dir.ino, FILETYPE.DIRECTORY],
    ['..', (dir.parent ?? dir).ino, FILETYPE.DIRECTORY],
  ];
  for (const [name, node] of dir.entries) names.push([name, node.ino, filetypeOf(node)]);
  let used = 0;
  for (let i = Number(cookie > BigInt(names.length) ? BigInt(names.length) : cookie); i < names.length && used < len; i++) {
    const [name, ino, type] = names[i]!;
    const bytes = utf8Bytes(name);
    const rec = new Uint8Array(DIRENT_SIZE + bytes.length);
    const rv = new DataView(rec.buffer);
    rv.setBigUint64(0, BigInt(i + 1), true);
    rv.setBigUint64(8, ino, true);
    rv.setUint32(16, bytes.length, true);
    rv.setUint8(20, type);
    rec.set(bytes, DIRENT_SIZE);
    const n = Math.min(rec.length, len - used);
    out.set(rec.subarray(0, n), used);
    used += n;
  }
  return out.subarray(0, used);
}

export const fdIoHandlers: Partial<Record<SyscallName, Handler>> = {
  fd_read: readHandler(false),
  fd_pread: readHandler(true),
  fd_write: writeHandler(false),
  fd_pwrite: writeHandler(true),

  fd_seek(sys, a) {
    const fd = (a[0] as number) >>> 0;
    const offset = BigInt.asIntN(64, BigInt(a[1]!));
    const whence = (a[2] as number) & 0xff;
    const out = (a[3] as number) >>> 0;
    sys.mem.check(out, 8);
    const entry = sys.fds.get(fd);
    return {
      fd, group: groupOf(entry, 'fs.meta'),
      run() {
        const tellOnly = offset === 0n && whence === WHENCE.CUR;
        seekableFile(entry, tellOnly ? R.FD_TELL | R.FD_SEEK : R.FD_SEEK);
        const node = entry.node!;
        const base = whence === WHENCE.SET ? 0 : whence === WHENCE.CUR ? entry.position : whence === WHENCE.END ? node.kind === 'file' ? node.size : 0 : -1;
        if (base < 0) throw E.INVAL;
        const pos = BigInt(base) + offset;
        if (pos < 0n) throw E.INVAL;
        if (pos > BigInt(Number.MAX_SAFE_INTEGER)) throw E.OVERFLOW;
        entry.position = Number(pos);
        sys.mem.setU64(out, pos);
        return { errno: 0 };
      },
    };
  },

  fd_tell(sys, a) {
    const fd = (a[0] as number) >>> 0;
    const out = (a[1] as number) >>> 0;
    sys.mem.check(out, 8);
    const entry = sys.fds.get(fd);
    return {
      fd, group: groupOf(entry, 'fs.meta'),
      run() {
        seekableFile(entry, R.FD_TELL);
        sys.mem.setU64(out, BigInt(entry.position));
        return { errno: 0 };
      },
    };
  },

  fd_readdir(sys, a) {
    const fd = (a[0] as number) >>> 0;
    const buf = (a[1] as number) >>> 0;
    const len = (a[2] as number) >>> 0;
    const cookie = BigInt.asUintN(64, BigInt(a[3]!));
    const out = (a[4] as number) >>> 0;
    sys.mem.check(buf, len);
    sys.mem.check(out, 4);
    const entry = sys.fds.get(fd);
    return {
      fd, group: groupOf(entry, 'fs.read'),
      run() {
        if (entry.kind !== 'dir') throw E.NOTDIR;
        if ((entry.rightsBase & R.FD_READDIR) === 0) throw E.NOTCAPABLE;
        const bytes = readdirBytes(sys, entry, cookie, len);
        sys.mem.write(buf, bytes);
        sys.mem.setU32(out, bytes.length);
        return { errno: 0, size: bytes.length };
      },
    };
  },
};
