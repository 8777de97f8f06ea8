/**
 * Files bundled in a package, placed in the guest's filesystem before start. Each top-level
 * directory of the files (`/etc/app.conf` → `/etc`) becomes a read-only mount — a preopen of
 * its own, so a host directory mounted at `/` can sit beside it (wasi-libc resolves a path
 * through the longest matching preopen). Files directly under `/` share one read-only `/` mount.
 */
import { KernelError } from '../../errors.ts';
import type { DirNode, Mount } from './inode.ts';
import type { Vfs } from './vfs.ts';

/**
 * Mounts `files` (absolute guest path → bytes) read-only into `vfs`; returns the mounts made.
 * @throws KernelError BAD_REQUEST when a path is not absolute, or a mount point is already taken
 */
export function mountBundledFiles(vfs: Vfs, files: ReadonlyMap<string, Uint8Array>): Mount[] {
  const byTop = new Map<string, [string[], Uint8Array][]>();
  for (const [path, bytes] of files) {
    const parts = path.split('/').filter((p) => p !== '');
    if (!path.startsWith('/') || parts.length === 0 || parts.some((p) => p === '.' || p === '..')) {
      throw new KernelError('BAD_REQUEST', `bundled file path ${JSON.stringify(path)} is not a normalized absolute guest path`);
    }
    const top = parts.length === 1 ? '/' : `/${parts[0]}`;
    const rest = parts.length === 1 ? parts : parts.slice(1);
    const list = byTop.get(top) ?? [];
    list.push([rest, bytes]);
    byTop.set(top, list);
  }
  const made: Mount[] = [];
  for (const [top, list] of byTop) {
    if (vfs.mounts.some((m) => m.absPath === top)) {
      throw new KernelError('BAD_REQUEST', `the package's files need ${top}, which another mount already uses`, { path: top });
    }
    const mount = vfs.mount(top, { readonly: true });
    for (const [parts, bytes] of list) {
      let dir: DirNode = mount.root;
      for (const name of parts.slice(0, -1)) {
        let next = dir.entries.get(name);
        if (next === undefined) {
          next = vfs.newDir(mount, dir, name);
          dir.entries.set(name, next);
          dir.nlink++;
        }
        if (next.kind !== 'dir') throw new KernelError('BAD_REQUEST', `bundled file ${top}/${parts.join('/')} lies under a file`);
        dir = next;
      }
      dir.entries.set(parts[parts.length - 1]!, vfs.newFile(mount, bytes));
    }
    made.push(mount);
  }
  return made;
}
