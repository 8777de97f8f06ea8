/**
 * The path_* calls: open, create and remove directories, links, symlinks, rename, stat and times.
 * Every path is resolved beneath its directory fd (resolve.ts) before the policy is asked, so the
 * request names the real location — a symlink cannot make a denied file look like an allowed one.
 * Errnos follow Linux where WASI leaves a choice (documented in docs/sandbox.md).
 */
import type { SyscallName } from '../../ports/syscalls.ts';
import {
  E, FDFLAGS, FDFLAGS_ALL, LOOKUP_SYMLINK_FOLLOW, OFLAGS, PATH_MAX, R, RIGHTS_ALL, RIGHTS_DIR, RIGHTS_FILE,
  RIGHTS_READONLY_MASK, RIGHTS_WRITE_INTENT,
} from './constants.ts';
import type { FdEntry } from './fd-table.ts';
import { filetypeOf, writeFilestat, type DirNode, type Inode } from './inode.ts';
import { setTimes } from './calls-fd-meta.ts';
import type { Lookup } from './resolve.ts';
import { canonicalPath, normalizeGuest, type Handler, type Located, type Prepared, type WasiSystem } from './system.ts';
import { fileResize, touchContent } from './vfs.ts';

/** Reads a guest path argument: bounds, length, NUL bytes and UTF-8 are checked here. */
export function pathArg(sys: WasiSystem, ptr: number | bigint, len: number | bigint): string {
  const p = (ptr as number) >>> 0;
  const n = (len as number) >>> 0;
  sys.mem.check(p, n);
  if (n > PATH_MAX) throw E.NAMETOOLONG;
  if (sys.mem.u8.subarray(p, p + n).includes(0)) throw E.INVAL;
  return sys.mem.string(p, n);
}

function need(entry: FdEntry, right: number): void {
  if ((entry.rightsBase & right) === 0) throw E.NOTCAPABLE;
}

/** The lookup, or the errno it failed with (thrown only now: after the policy allowed the call). */
function found(loc: Located): Lookup {
  if (loc.lookup === undefined) throw loc.errno;
  return loc.lookup;
}

function writableDir(dir: DirNode): void {
  if (dir.removed) throw E.NOENT;
  if (dir.mount.readonly) throw E.ROFS;
}

function touchDir(dir: DirNode): void {
  touchContent(dir);
}

/** A path call acting on one location beneath `fd`. */
function atPath(
  group: 'fs.read' | 'fs.write' | 'fs.meta', follow: (a: readonly (number | bigint)[]) => boolean, pathAt: number,
  outs: readonly [number, number][], body: (sys: WasiSystem, dir: FdEntry, loc: Located, a: readonly (number | bigint)[]) => void,
): Handler {
  return (sys, a) => {
    const fd = (a[0] as number) >>> 0;
    const path = pathArg(sys, a[pathAt]!, a[pathAt + 1]!);
    for (const [i, len] of outs) sys.mem.check((a[i] as number) >>> 0, len);
    const dir = sys.fds.get(fd);
    const loc = sys.locate(dir, path, follow(a));
    return { fd, group, path: loc.guestPath, run() { body(sys, dir, loc, a); return { errno: 0 }; } };
  };
}

const followFlag = (a: readonly (number | bigint)[]) => ((a[1] as number) & LOOKUP_SYMLINK_FOLLOW) !== 0;
const noFollow = () => false;

function removeEntry(sys: WasiSystem, parent: DirNode, name: string, node: Inode): void {
  parent.entries.delete(name);
  if (node.kind === 'dir') {
    node.removed = true;
    parent.nlink--;
  }
  sys.vfs.unref(node);
  touchDir(parent);
}

function insertEntry(parent: DirNode, name: string, node: Inode): void {
  parent.entries.set(name, node);
  if (node.kind === 'dir') {
    node.parent = parent;
    node.name = name;
    parent.nlink++;
  }
  touchDir(parent);
}

/** True when `dir` is `ancestor` or lies beneath it. */
function within(dir: DirNode, ancestor: DirNode): boolean {
  for (let d: DirNode | undefined = dir; d !== undefined; d = d.parent) if (d === ancestor) return true;
  return false;
}

/** What a file descriptor opened for reading must not be able to do: change contents, size or times. */
const READ_CLASS_MASK = ~(RIGHTS_WRITE_INTENT | R.FD_FILESTAT_SET_TIMES) & RIGHTS_ALL;

/**
 * The access class of a `path_open`, from everything the call can do: rights that change contents
 * (write, allocate, set size, datasync), flags that change the file at open (O_CREAT, O_TRUNC) and
 * the append flag. A call with none of them is a read — and its descriptor is held to that (mask above).
 */
export function accessClass(wantBase: number, oflags: number, fdflags: number): 'read' | 'write' | 'readwrite' {
  const writes = (wantBase & RIGHTS_WRITE_INTENT) !== 0 || (oflags & (OFLAGS.CREAT | OFLAGS.TRUNC)) !== 0 || (fdflags & FDFLAGS.APPEND) !== 0;
  if (!writes) return 'read';
  return (wantBase & (R.FD_READ | R.FD_READDIR)) !== 0 ? 'readwrite' : 'write';
}

function openHandler(sys: WasiSystem, a: readonly (number | bigint)[]): Prepared {
  const fd = (a[0] as number) >>> 0;
  const follow = ((a[1] as number) & LOOKUP_SYMLINK_FOLLOW) !== 0;
  const path = pathArg(sys, a[2]!, a[3]!);
  const oflags = (a[4] as number) & 0xffff;
  const wantBase = Number(BigInt.asUintN(30, BigInt(a[5]!)));
  const wantInheriting = Number(BigInt.asUintN(30, BigInt(a[6]!)));
  const fdflags = (a[7] as number) & 0xffff;
  const out = (a[8] as number) >>> 0;
  sys.mem.check(out, 4);
  const dir = sys.fds.get(fd);
  const loc = sys.locate(dir, path, follow);
  const writeIntent = (wantBase & RIGHTS_WRITE_INTENT) !== 0;
  const access = accessClass(wantBase, oflags, fdflags);
  return {
    fd, path: loc.guestPath, access, group: access === 'read' ? 'fs.read' : 'fs.write',
    run() {
      if ((oflags & ~0xf) !== 0 || (fdflags & ~FDFLAGS_ALL) !== 0) throw E.INVAL;
      if ((oflags & OFLAGS.DIRECTORY) !== 0 && (oflags & OFLAGS.CREAT) !== 0) throw E.INVAL;
      need(dir, R.PATH_OPEN);
      if ((oflags & OFLAGS.CREAT) !== 0) need(dir, R.PATH_CREATE_FILE);
      if ((oflags & OFLAGS.TRUNC) !== 0) need(dir, R.PATH_FILESTAT_SET_SIZE);
      const l = found(loc);
      let node = l.node;
      if (node !== undefined && (oflags & (OFLAGS.CREAT | OFLAGS.EXCL)) === (OFLAGS.CREAT | OFLAGS.EXCL)) throw E.EXIST;
      if (node?.kind === 'symlink') throw E.LOOP;
      if (node === undefined) {
        if ((oflags & OFLAGS.CREAT) === 0 || l.name === '') throw E.NOENT;
        if (l.slash) throw E.ISDIR;
        writableDir(l.parent);
        node = sys.vfs.newFile(l.parent.mount);
        insertEntry(l.parent, l.name, node);
      } else if (node.kind === 'dir') {
        if ((oflags & OFLAGS.TRUNC) !== 0 || writeIntent) throw E.ISDIR;
      } else {
        if ((oflags & OFLAGS.DIRECTORY) !== 0) throw E.NOTDIR;
        if (node.mount.readonly && (writeIntent || (oflags & OFLAGS.TRUNC) !== 0)) throw E.ROFS;
        if ((oflags & OFLAGS.TRUNC) !== 0 && node.size > 0) fileResize(node, 0);
      }
      // The descriptor can do no more than the class the policy decided: its later fd_* calls name no path.
      const mask = (node.kind === 'dir' ? RIGHTS_DIR : RIGHTS_FILE) & (node.mount.readonly ? RIGHTS_READONLY_MASK : RIGHTS_ALL)
        & (access === 'read' && node.kind === 'file' ? READ_CLASS_MASK : RIGHTS_ALL);
      const entry: FdEntry = {
        kind: node.kind, node, rightsBase: wantBase & dir.rightsInheriting & mask,
        rightsInheriting: wantInheriting & dir.rightsInheriting, flags: fdflags, position: 0,
        preopen: undefined, filetype: filetypeOf(node),
      };
      const newFd = sys.fds.add(entry);
      sys.mem.setU32(out, newFd);
      return { errno: 0 };
    },
  };
}

export const pathHandlers: Partial<Record<SyscallName, Handler>> = {
  path_open: openHandler,

  path_create_directory: atPath('fs.write', noFollow, 1, [], (sys, dir, loc) => {
    need(dir, R.PATH_CREATE_DIRECTORY);
    const l = found(loc);
    if (l.node !== undefined) throw E.EXIST;
    writableDir(l.parent);
    insertEntry(l.parent, l.name, sys.vfs.newDir(l.parent.mount, l.parent, l.name));
  }),

  path_filestat_get: atPath('fs.meta', followFlag, 2, [[4, 64]], (sys, dir, loc, a) => {
    need(dir, R.PATH_FILESTAT_GET);
    const l = found(loc);
    if (l.node === undefined) throw E.NOENT;
    writeFilestat(sys.mem.dv, (a[4] as number) >>> 0, l.node);
  }),

  path_filestat_set_times: atPath('fs.write', followFlag, 2, [], (sys, dir, loc, a) => {
    need(dir, R.PATH_FILESTAT_SET_TIMES);
    const flags = (a[6] as number) & 0xffff;
    const l = found(loc);
    if (l.node === undefined) throw E.NOENT;
    setTimes(sys, l.node, BigInt.asUintN(64, BigInt(a[4]!)), BigInt.asUintN(64, BigInt(a[5]!)), flags);
  }),

  path_readlink(sys, a) {
    const fd = (a[0] as number) >>> 0;
    const path = pathArg(sys, a[1]!, a[2]!);
    const buf = (a[3] as number) >>> 0;
    const len = (a[4] as number) >>> 0;
    const out = (a[5] as number) >>> 0;
    sys.mem.check(buf, len);
    sys.mem.check(out, 4);
    const dir = sys.fds.get(fd);
    const loc = sys.locate(dir, path, false);
    return {
      fd, group: 'fs.read', path: loc.guestPath,
      run() {
        need(dir, R.PATH_READLINK);
        const l = found(loc);
        if (l.node === undefined) throw E.NOENT;
        if (l.node.kind !== 'symlink') throw E.INVAL;
        // A short buffer gets the first `len` bytes, as readlink(2) does.
        const target = new TextEncoder().encode(l.node.target);
        const n = Math.min(len, target.length);
        sys.mem.write(buf, target.subarray(0, n));
        sys.mem.setU32(out, n);
        return { errno: 0 };
      },
    };
  },

  path_remove_directory: atPath('fs.write', noFollow, 1, [], (sys, dir, loc) => {
    need(dir, R.PATH_REMOVE_DIRECTORY);
    const l = found(loc);
    if (l.node === undefined) throw E.NOENT;
    if (l.name === '') throw l.node === dir.node ? E.INVAL : E.NOTEMPTY;
    if (l.node.kind !== 'dir') throw E.NOTDIR;
    if (l.node.entries.size > 0) throw E.NOTEMPTY;
    writableDir(l.parent);
    removeEntry(sys, l.parent, l.name, l.node);
  }),

  path_unlink_file: atPath('fs.write', noFollow, 1, [], (sys, dir, loc) => {
    need(dir, R.PATH_UNLINK_FILE);
    const l = found(loc);
    if (l.node === undefined) throw E.NOENT;
    if (l.node.kind === 'dir') throw E.ISDIR;
    writableDir(l.parent);
    removeEntry(sys, l.parent, l.name, l.node);
  }),

  path_symlink(sys, a) {
    const target = pathArg(sys, a[0]!, a[1]!);
    const fd = (a[2] as number) >>> 0;
    const path = pathArg(sys, a[3]!, a[4]!);
    const dir = sys.fds.get(fd);
    const loc = sys.locate(dir, path, false);
    // path2: where the link points, as a guest path (the policy must allow that place too).
    const base = loc.lookup !== undefined ? canonicalPath(loc.lookup.parent) : normalizeGuest(loc.guestPath, '..');
    const pointsTo = target.startsWith('/') ? target : normalizeGuest(base, target);
    return {
      fd, group: 'fs.write', path: loc.guestPath, path2: pointsTo,
      run() {
        need(dir, R.PATH_SYMLINK);
        // An absolute target could never resolve inside the sandbox: refuse it where it is made.
        if (target.startsWith('/')) throw E.NOTCAPABLE;
        if (target.length === 0) throw E.NOENT;
        const l = found(loc);
        if (l.node !== undefined || l.name === '') throw E.EXIST;
        if (l.slash) throw E.NOENT;
        writableDir(l.parent);
        insertEntry(l.parent, l.name, sys.vfs.newSymlink(l.parent.mount, target));
        return { errno: 0 };
      },
    };
  },

  path_link(sys, a) {
    const oldFd = (a[0] as number) >>> 0;
    const follow = ((a[1] as number) & LOOKUP_SYMLINK_FOLLOW) !== 0;
    const oldPath = pathArg(sys, a[2]!, a[3]!);
    const newFd = (a[4] as number) >>> 0;
    const newPath = pathArg(sys, a[5]!, a[6]!);
    const oldDir = sys.fds.get(oldFd);
    const newDir = sys.fds.get(newFd);
    const from = sys.locate(oldDir, oldPath, follow);
    const to = sys.locate(newDir, newPath, false);
    return {
      fd: oldFd, group: 'fs.write', path: from.guestPath, path2: to.guestPath,
      run() {
        need(oldDir, R.PATH_LINK_SOURCE);
        need(newDir, R.PATH_LINK_TARGET);
        const src = found(from);
        if (src.node === undefined) throw E.NOENT;
        if (src.node.kind === 'dir') throw E.PERM;
        const dst = found(to);
        if (dst.node !== undefined || dst.name === '') throw E.EXIST;
        if (dst.slash) throw E.NOENT;
        if (dst.parent.mount !== src.node.mount) throw E.XDEV;
        writableDir(dst.parent);
        src.node.nlink++;
        src.node.ctim = sys.realtimeNs();
        src.node.changed = true;
        insertEntry(dst.parent, dst.name, src.node);
        return { errno: 0 };
      },
    };
  },

  path_rename(sys, a) {
    const oldFd = (a[0] as number) >>> 0;
    const oldPath = pathArg(sys, a[1]!, a[2]!);
    const newFd = (a[3] as number) >>> 0;
    const newPath = pathArg(sys, a[4]!, a[5]!);
    const oldDir = sys.fds.get(oldFd);
    const newDir = sys.fds.get(newFd);
    const from = sys.locate(oldDir, oldPath, false);
    const to = sys.locate(newDir, newPath, false);
    return {
      fd: oldFd, group: 'fs.write', path: from.guestPath, path2: to.guestPath,
      run() {
        need(oldDir, R.PATH_RENAME_SOURCE);
        need(newDir, R.PATH_RENAME_TARGET);
        const src = found(from);
        const node = src.node;
        if (node === undefined) throw E.NOENT;
        if (src.name === '') throw E.BUSY;
        const dst = found(to);
        if (dst.name === '') throw E.BUSY;
        if (dst.parent.mount !== node.mount) throw E.XDEV;
        if (node.kind !== 'dir' && (src.slash || dst.slash)) throw E.NOTDIR;
        const target = dst.node;
        if (target === node) return { errno: 0 };
        if (node.kind === 'dir') {
          if (within(dst.parent, node)) throw E.INVAL;
          if (target !== undefined && target.kind !== 'dir') throw E.NOTDIR;
          if (target !== undefined && target.kind === 'dir' && target.entries.size > 0) throw E.NOTEMPTY;
        } else if (target?.kind === 'dir') {
          throw E.ISDIR;
        }
        writableDir(src.parent);
        writableDir(dst.parent);
        if (target !== undefined) removeEntry(sys, dst.parent, dst.name, target);
        src.parent.entries.delete(src.name);
        if (node.kind === 'dir') src.parent.nlink--;
        touchDir(src.parent);
        insertEntry(dst.parent, dst.name, node);
        node.ctim = sys.realtimeNs();
        node.changed = true;
        return { errno: 0 };
      },
    };
  },
};
