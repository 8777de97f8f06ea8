/**
 * Host directories in and out of the virtual filesystem (Node). `loadHostDir` copies a directory
 * tree into a new VFS mount before the guest starts; `writeBackHostDir` applies the guest's
 * changes to a read-write mount after it exits. Neither ever follows a host symlink: symlinks are
 * read with readlink and kept only when their target stays inside the directory (others are
 * refused and reported), and write-back replaces a host symlink in its way instead of writing
 * through it, creates only symlinks whose targets descend (hostSafeLinkTarget), and checks that
 * each directory it writes into still resolves to itself. Special files (sockets, FIFOs, devices)
 * are not mounted; overlapping read-write mounts are refused (checkDisjointMounts).
 */
import {
  closeSync, constants, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync,
  rmSync, symlinkSync, unlinkSync, utimesSync, writeSync, type BigIntStats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { KernelError } from '../../src/errors.ts';
import type { DirNode, Inode } from '../../src/execution/wasi/inode.ts';
import type { Mount } from '../../src/execution/wasi/inode.ts';
import type { Vfs } from '../../src/execution/wasi/vfs.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface HostMount {
  readonly mount: Mount;
  /** The real path of the host directory. */
  readonly hostDir: string;
  /** Host entries not mounted, with why (symlinks pointing outside, special files). */
  readonly refused: readonly string[];
  /** Where each node came from (its relative host paths: hard links have several), so write-back can tell a moved node. */
  readonly origin: WeakMap<Inode, Set<string>>;
  /** Names each directory held on the host, so write-back removes only what the guest removed. */
  readonly loadedNames: WeakMap<DirNode, Set<string>>;
  /** Host paths (real) that are the kernel's own — its state directory, the run's trace and report files: never mounted, never written back. */
  readonly kernelPaths: ReadonlySet<string>;
}

/**
 * The real path a file will have, whether or not it exists yet (its directory must exist).
 * Paths that cannot be resolved are returned as given, made absolute.
 */
export function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(resolve(path))), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/**
 * True when a symlink the guest made may be created on the host: a relative target with no `..`
 * and no empty name. Looking at the text is not enough for anything else — `a -> .` then
 * `b -> a/..` reads as inside but resolves to the mount's parent, and a later run can turn any
 * directory of a harmless link's path into such a link — while a target that only descends from
 * its own directory resolves inside the mount however the links along it are later changed.
 */
export function hostSafeLinkTarget(target: string): boolean {
  if (target === '' || target.startsWith('/')) return false;
  return target.split('/').every((c, i, all) => c !== '..' && (c !== '' || i === all.length - 1));
}

/**
 * Refuses host directories that overlap when one of them is read-write: a mount inside another
 * could have its path replaced (by a symlink) by the outer one before it is written back.
 * @throws KernelError BAD_REQUEST naming the two directories
 */
export function checkDisjointMounts(dirs: readonly { host: string; readonly: boolean }[]): void {
  const real = dirs.map((d) => {
    try {
      return realpathSync(d.host);
    } catch {
      return d.host; // loadHostDir reports a missing directory with its own message
    }
  });
  for (let i = 0; i < dirs.length; i++) {
    for (let j = i + 1; j < dirs.length; j++) {
      if (dirs[i]!.readonly && dirs[j]!.readonly) continue;
      const [a, b] = [real[i]!, real[j]!];
      const inside = (x: string, y: string) => x === y || x.startsWith(y.endsWith('/') ? y : `${y}/`);
      if (inside(a, b) || inside(b, a)) {
        throw new KernelError('BAD_REQUEST', `host directories ${dirs[i]!.host} and ${dirs[j]!.host} overlap (${a} and ${b}): a read-write mount may not contain or lie inside another mount; mount the outer directory once`, { path: dirs[j]!.host });
      }
    }
  }
}

/** True when a symlink target, read from `fromDir` (relative to the mount root), stays inside it. */
export function confinedTarget(fromDir: string, target: string): boolean {
  if (target === '' || target.startsWith('/')) return false;
  const stack = fromDir === '' ? [] : fromDir.split('/');
  for (const c of target.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (stack.length === 0) return false;
      stack.pop();
    } else stack.push(c);
  }
  return true;
}

function times(node: Inode, st: BigIntStats): void {
  node.atim = st.atimeNs;
  node.mtim = st.mtimeNs;
  node.ctim = st.ctimeNs;
  node.changed = false;
}

/**
 * Loads `hostPath` into a new mount of `vfs` at `guestPath`.
 * @throws KernelError NOT_FOUND when it is not a directory; BAD_REQUEST when it is larger than the
 *   filesystem quota (bytes or entries); STORE_UNAVAILABLE when a read fails
 */
export function loadHostDir(vfs: Vfs, hostPath: string, guestPath: string, options: { readonly?: boolean; kernelPaths?: readonly string[] } = {}): HostMount {
  let hostDir: string;
  try {
    hostDir = realpathSync(hostPath);
    if (!lstatSync(hostDir).isDirectory()) throw new Error('not a directory');
  } catch (e) {
    throw new KernelError('NOT_FOUND', `--dir ${hostPath}: not a directory the sandbox can mount (${(e as Error).message})`, { path: hostPath });
  }
  const kernelPaths = new Set((options.kernelPaths ?? []).map(realPathOf));
  for (const k of kernelPaths) {
    if (hostDir === k || hostDir.startsWith(`${k}/`)) {
      throw new KernelError('BAD_REQUEST', `--dir ${hostPath} is the kernel's own state (${k}): a guest may not see or change it; mount another directory, or move the state with --data-dir`, { path: hostPath });
    }
  }
  const mount = vfs.mount(guestPath, { readonly: options.readonly ?? false });
  const hm: HostMount = { mount, hostDir, refused: [], origin: new WeakMap(), loadedNames: new WeakMap(), kernelPaths };
  const byHostInode = new Map<string, Inode>();
  const walk = (dir: DirNode, rel: string) => {
    const names = new Set<string>();
    hm.loadedNames.set(dir, names);
    for (const raw of readdirSync(join(hostDir, rel), { encoding: 'buffer' })) {
      // WASI names are UTF-8: a host name that is not cannot be named by the guest (and would be
      // decoded lossily into another name), so it is not mounted.
      let name: string;
      try {
        name = strictUtf8.decode(raw);
      } catch {
        (hm.refused as string[]).push(`${rel === '' ? '' : `${rel}/`}${new TextDecoder().decode(raw)} (a name that is not UTF-8)`);
        continue;
      }
      const ent = { name };
      const relPath = rel === '' ? ent.name : `${rel}/${ent.name}`;
      const abs = join(hostDir, relPath);
      if (kernelPaths.has(abs)) {
        (hm.refused as string[]).push(`${relPath} (the kernel's own state: its key, stores, trace or report)`);
        continue;
      }
      const st = lstatSync(abs, { bigint: true });
      let node: Inode;
      if (st.isDirectory()) {
        node = vfs.newDir(mount, dir, ent.name);
        dir.nlink++;
        dir.entries.set(ent.name, node);
        walk(node, relPath);
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const linked = st.nlink > 1n ? byHostInode.get(key) : undefined;
        if (linked !== undefined) {
          linked.nlink++;
          node = linked;
        } else {
          node = vfs.newFile(mount, new Uint8Array(readFileSync(abs)));
          byHostInode.set(key, node);
        }
        dir.entries.set(ent.name, node);
      } else if (st.isSymbolicLink()) {
        const target = readlinkSync(abs, 'utf8');
        if (!confinedTarget(rel, target)) {
          (hm.refused as string[]).push(`${relPath} → ${target} (a symlink pointing outside the mounted directory)`);
          continue;
        }
        node = vfs.newSymlink(mount, target);
        dir.entries.set(ent.name, node);
      } else {
        (hm.refused as string[]).push(`${relPath} (not a regular file, directory or symlink)`);
        continue;
      }
      times(node, st);
      const seen = hm.origin.get(node) ?? new Set<string>();
      seen.add(relPath);
      hm.origin.set(node, seen);
      names.add(ent.name);
    }
  };
  try {
    walk(mount.root, '');
    times(mount.root, lstatSync(hostDir, { bigint: true }));
  } catch (e) {
    if (typeof e === 'number') {
      throw new KernelError('BAD_REQUEST', `--dir ${hostPath} holds more than the sandbox filesystem allows (${vfs.limits.maxBytes} bytes, ${vfs.limits.maxInodes} entries)`);
    }
    throw new KernelError('STORE_UNAVAILABLE', `--dir ${hostPath}: ${(e as Error).message}`, { path: hostPath }, { cause: e });
  }
  return hm;
}

/**
 * True when `target`, read from the directory `fromRel` of `hostDir`, resolves inside `hostDir` on
 * the host as it is now: component by component with lstat, following each symlink found (at most
 * 40), never leaving the directory. A missing component ends the walk inside (nothing to follow).
 */
export function resolvesInside(hostDir: string, fromRel: string, target: string): boolean {
  const stack = fromRel === '' ? [] : fromRel.split('/');
  const comps = target.split('/').reverse();
  let hops = 0;
  while (comps.length > 0) {
    const c = comps.pop()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (stack.length === 0) return false;
      stack.pop();
      continue;
    }
    const abs = join(hostDir, ...stack, c);
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (st === undefined || (!st.isDirectory() && !st.isSymbolicLink())) return true;
    if (st.isDirectory()) {
      stack.push(c);
      continue;
    }
    const t = readlinkSync(abs, 'utf8');
    if (++hops > 40 || t.startsWith('/')) return false;
    comps.push(...t.split('/').reverse());
  }
  return true;
}

export interface WriteBackReport {
  readonly written: string[];
  readonly removed: string[];
  /** Changes not applied, with why (a symlink pointing outside). */
  readonly skipped: string[];
}

/** Removes whatever is at `abs` without following it (a symlink is unlinked, never its target). */
function removeHost(abs: string): void {
  const st = lstatSync(abs, { throwIfNoEntry: false });
  if (st === undefined) return;
  if (st.isDirectory()) rmSync(abs, { recursive: true, force: true });
  else unlinkSync(abs);
}

function setHostTimes(abs: string, node: Inode): void {
  // utimes takes seconds; a double keeps microseconds, the best the host call offers.
  utimesSync(abs, Number(node.atim) / 1e9, Number(node.mtim) / 1e9);
}

/**
 * Applies the guest's changes to the host directory of a read-write mount.
 * @throws KernelError STORE_UNAVAILABLE when the host refuses a write
 */
export function writeBackHostDir(hm: HostMount): WriteBackReport {
  if (hm.mount.readonly) return { written: [], removed: [], skipped: [] };
  const report: WriteBackReport = { written: [], removed: [], skipped: [] };
  const writtenAt = new Map<Inode, string>();
  const links: Array<{ rel: string; relPath: string; abs: string; target: string }> = [];
  // The kernel's own paths, and every directory that holds one, are never removed or replaced.
  const holdsKernelState = (abs: string) => [...hm.kernelPaths].some((k) => k === abs || k.startsWith(`${abs}/`));
  const keep = (relPath: string) => report.skipped.push(`${relPath} (the kernel's own state, or a directory holding it: a guest may not remove or replace it)`);
  const sync = (dir: DirNode, rel: string) => {
    const base = rel === '' ? hm.hostDir : join(hm.hostDir, rel);
    if (rel !== '' && realpathSync(base) !== base) throw new Error(`${base} resolves elsewhere (a symlink was raced into its path)`);
    for (const name of hm.loadedNames.get(dir) ?? []) {
      if (!dir.entries.has(name)) {
        if (holdsKernelState(join(base, name))) { keep(rel === '' ? name : `${rel}/${name}`); continue; }
        removeHost(join(base, name));
        report.removed.push(rel === '' ? name : `${rel}/${name}`);
      }
    }
    for (const [name, node] of dir.entries) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const abs = join(base, name);
      if (hm.kernelPaths.has(abs) || (node.kind !== 'dir' && holdsKernelState(abs))) {
        keep(relPath);
        continue;
      }
      const st = lstatSync(abs, { throwIfNoEntry: false });
      const moved = hm.origin.get(node)?.has(relPath) !== true;
      if (node.kind === 'dir') {
        if (st !== undefined && !st.isDirectory()) removeHost(abs);
        if (st === undefined || !st.isDirectory()) mkdirSync(abs);
        sync(node, relPath);
        if (node.changed || moved) setHostTimes(abs, node);
        continue;
      }
      if (!node.changed && !moved && st !== undefined) continue;
      if (node.kind === 'symlink') {
        if (!hostSafeLinkTarget(node.target)) {
          report.skipped.push(`${relPath} → ${node.target} (a symlink the guest made is created on the host only with a relative target without "..")`);
          continue;
        }
        links.push({ rel, relPath, abs, target: node.target });
        continue;
      }
      if (st !== undefined && (st.isDirectory() || st.isSymbolicLink() || writtenAt.has(node))) removeHost(abs);
      const sibling = writtenAt.get(node);
      if (sibling !== undefined) {
        linkSync(sibling, abs);
      } else {
        // O_NOFOLLOW: if something raced a symlink into place, fail instead of writing through it.
        const fd = openSync(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
        try {
          let off = 0;
          while (off < node.size) off += writeSync(fd, node.data, off, node.size - off);
        } finally {
          closeSync(fd);
        }
        setHostTimes(abs, node);
        writtenAt.set(node, abs);
      }
      report.written.push(relPath);
    }
  };
  try {
    // The directory must still be the one mounted: if any part of its path became a symlink since,
    // writing would land wherever that link points.
    if (realpathSync(hm.hostDir) !== hm.hostDir || !lstatSync(hm.hostDir).isDirectory()) {
      throw new Error(`${hm.hostDir} is no longer the directory that was mounted (a part of its path was replaced)`);
    }
    sync(hm.mount.root, '');
    // Links last, once every directory they may name exists; each is checked against the host as
    // it now is, and checked again after all are made (a later link can lie on an earlier one's path).
    const made: typeof links = [];
    for (const l of links) {
      if (!resolvesInside(hm.hostDir, l.rel, l.target)) {
        report.skipped.push(`${l.relPath} → ${l.target} (on the host it would resolve outside the mounted directory)`);
        continue;
      }
      removeHost(l.abs);
      symlinkSync(l.target, l.abs);
      made.push(l);
    }
    for (const l of made) {
      if (resolvesInside(hm.hostDir, l.rel, l.target)) report.written.push(l.relPath);
      else {
        unlinkSync(l.abs);
        report.skipped.push(`${l.relPath} → ${l.target} (on the host it would resolve outside the mounted directory)`);
      }
    }
  } catch (e) {
    throw new KernelError('STORE_UNAVAILABLE', `writing the guest's changes back to ${hm.hostDir} failed: ${(e as Error).message}`, { path: hm.hostDir }, { cause: e });
  }
  return report;
}
