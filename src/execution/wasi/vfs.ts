/**
 * The virtual filesystem a container sees: one tree per mount (a preopened directory), each its
 * own device, read-write or read-only. Everything lives in memory, so guest calls stay
 * synchronous; hosts load files in before start and write changes back after exit.
 * Byte and inode quotas make a guest that fills its disk get ENOSPC, not the host's memory.
 */
import { E } from './constants.ts';
import type { DirNode, FileNode, Inode, Mount, NodeAccounts, SymlinkNode } from './inode.ts';

export interface VfsLimits {
  /** Total bytes of file contents (and symlink targets) across all mounts. */
  readonly maxBytes: number;
  /** Total nodes across all mounts. */
  readonly maxInodes: number;
}

export const DEFAULT_VFS_LIMITS: VfsLimits = { maxBytes: 256 * 1024 * 1024, maxInodes: 100_000 };

export class Vfs implements NodeAccounts {
  readonly limits: VfsLimits;
  readonly mounts: Mount[] = [];
  /** Realtime clock in ns for timestamps; the container replaces it with its own clock at start. */
  now: () => bigint;
  #nextIno = 1n;
  #nextDev = 1n;
  bytes = 0;
  inodes = 0;

  constructor(options: { limits?: Partial<VfsLimits>; now?: () => bigint } = {}) {
    this.limits = { ...DEFAULT_VFS_LIMITS, ...options.limits };
    this.now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
  }

  /** Adds an empty mount (a preopened directory). */
  mount(guestPath: string, options: { readonly?: boolean } = {}): Mount {
    const dev = this.#nextDev++;
    // The root names its mount and the mount its root: build one, then tie the knot.
    const absPath = absoluteGuestPath(guestPath);
    const mount = { vfs: this, dev, guestPath, absPath, readonly: options.readonly ?? false, root: undefined as unknown as DirNode };
    mount.root = this.newDir(mount, undefined, '');
    this.mounts.push(mount);
    return mount;
  }

  /** Throws E.NOSPC when `bytes` more would pass the quota; otherwise records them. */
  charge(bytes: number): void {
    if (bytes > 0 && this.bytes + bytes > this.limits.maxBytes) throw E.NOSPC;
    this.bytes += bytes;
  }

  #base(mount: Mount): { ino: bigint; mount: Mount; nlink: number; atim: bigint; mtim: bigint; ctim: bigint; changed: boolean; opens: number } {
    if (this.inodes >= this.limits.maxInodes) throw E.NOSPC;
    this.inodes++;
    const t = this.now();
    return { ino: this.#nextIno++, mount, nlink: 1, atim: t, mtim: t, ctim: t, changed: true, opens: 0 };
  }

  newFile(mount: Mount, data?: Uint8Array): FileNode {
    const size = data?.length ?? 0;
    this.charge(size);
    return { ...this.#base(mount), kind: 'file', data: data ?? new Uint8Array(0), size };
  }

  newDir(mount: Mount, parent: DirNode | undefined, name: string): DirNode {
    const node: DirNode = { ...this.#base(mount), kind: 'dir', entries: new Map(), parent, name, removed: false };
    node.nlink = 2;
    return node;
  }

  newSymlink(mount: Mount, target: string): SymlinkNode {
    this.charge(target.length);
    return { ...this.#base(mount), kind: 'symlink', target };
  }

  /** Drops one link to `node` (a directory loses all); see `release`. */
  unref(node: Inode): void {
    node.nlink = node.kind === 'dir' ? 0 : node.nlink - 1;
    node.ctim = this.now();
    this.release(node);
  }

  /** Frees a node's bytes and inode once no link and no open fd keeps it. */
  release(node: Inode): void {
    if (node.nlink > 0 || node.opens > 0 || node.freed === true) return;
    node.freed = true;
    this.inodes--;
    if (node.kind === 'file') this.bytes -= node.size;
    else if (node.kind === 'symlink') this.bytes -= node.target.length;
  }
}

/** `data`, `./data/`, `/data` → `/data`; `..` cannot climb above `/`. */
export function absoluteGuestPath(path: string): string {
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return `/${out.join('/')}`;
}

/** Reads up to `len` bytes at `pos`; an empty view at or past the end. */
export function fileRead(node: FileNode, pos: number, len: number): Uint8Array {
  if (pos >= node.size) return node.data.subarray(0, 0);
  return node.data.subarray(pos, Math.min(node.size, pos + len));
}

/** Sets the length of a file, zero-filling when it grows. Throws E.NOSPC / E.FBIG. */
export function fileResize(node: FileNode, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw E.FBIG;
  const vfs = node.mount.vfs;
  if (size > node.size) {
    vfs.charge(size - node.size);
    if (size > node.data.length) {
      // Grow geometrically so a stream of small appends costs amortised O(1) per byte.
      const grown = new Uint8Array(Math.max(size, Math.min(node.data.length * 2, size + 64 * 1024 * 1024)));
      grown.set(node.data.subarray(0, node.size));
      node.data = grown;
    } else {
      node.data.fill(0, node.size, size);
    }
  } else {
    vfs.bytes -= node.size - size;
    node.data.fill(0, size, node.size);
  }
  node.size = size;
  touchContent(node);
}

/** Writes `bytes` at `pos` (extending the file when needed). */
export function fileWrite(node: FileNode, pos: number, bytes: Uint8Array): void {
  const end = pos + bytes.length;
  if (end > node.size) fileResize(node, end);
  node.data.set(bytes, pos);
  touchContent(node);
}

/** Records a content change: mtime and ctime move, and the node is written back. */
export function touchContent(node: Inode): void {
  const t = node.mount.vfs.now();
  node.mtim = t;
  node.ctim = t;
  node.changed = true;
}
