/**
 * The nodes of the virtual filesystem — regular files, directories and symlinks — and the mounts
 * they belong to. A node belongs to one mount (its `dev`); hard links share a node and count in
 * `nlink`. Timestamps are nanoseconds since the Unix epoch as bigint, so `fd_filestat_set_times`
 * keeps full precision.
 */
import { FILETYPE } from './constants.ts';

/**
 * What a node's changes are charged to, reached through its mount: the filesystem's clock and its
 * quota. The Vfs implements it; named here so the nodes need not import the Vfs that makes them.
 */
export interface NodeAccounts {
  /** Realtime clock in ns, for timestamps. */
  now(): bigint;
  /** Bytes of file contents (and symlink targets) held now. */
  bytes: number;
  /** Throws E.NOSPC when `bytes` more would pass the quota; otherwise records them. */
  charge(bytes: number): void;
  /** Frees a node's bytes and inode once no link and no open fd keeps it. */
  release(node: Inode): void;
}

/** A preopened directory: one tree, its own device, read-write or read-only. */
export interface Mount {
  readonly vfs: NodeAccounts;
  readonly dev: bigint;
  /** The name the guest sees through `fd_prestat_dir_name` (e.g. `/`, `/data`, or a relative `data`). */
  readonly guestPath: string;
  /**
   * The same as a normalized absolute path — what requests to the policy carry. wasi-libc resolves
   * a relative preopen name against `/`, so `data` and `./data` are `/data`.
   */
  readonly absPath: string;
  readonly readonly: boolean;
  readonly root: DirNode;
}

interface NodeBase {
  readonly ino: bigint;
  readonly mount: Mount;
  nlink: number;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
  /** Changed since it was loaded from the host (content or times): written back after exit. */
  changed: boolean;
  /** Open fds on it: an unlinked node keeps its bytes (and its quota) until the last one closes. */
  opens: number;
  /** Set once its bytes and inode went back to the quota. */
  freed?: boolean;
}

export interface FileNode extends NodeBase {
  readonly kind: 'file';
  /** Backing store; its length is the capacity, `size` the file's length. */
  data: Uint8Array;
  size: number;
}

export interface DirNode extends NodeBase {
  readonly kind: 'dir';
  readonly entries: Map<string, Inode>;
  /** The directory holding this one (for `..` in listings and for its path); undefined at a mount root. */
  parent: DirNode | undefined;
  /** Its name in `parent` (kept current by rename). */
  name: string;
  /** Set once the directory was removed: nothing may be created in it any more. */
  removed: boolean;
}

export interface SymlinkNode extends NodeBase {
  readonly kind: 'symlink';
  readonly target: string;
}

export type Inode = FileNode | DirNode | SymlinkNode;

export function filetypeOf(node: Inode): number {
  return node.kind === 'file' ? FILETYPE.REGULAR_FILE : node.kind === 'dir' ? FILETYPE.DIRECTORY : FILETYPE.SYMBOLIC_LINK;
}

/** Size as stat reports it: bytes for files, target length for symlinks, entry count for directories. */
export function sizeOf(node: Inode): number {
  if (node.kind === 'file') return node.size;
  if (node.kind === 'symlink') return new TextEncoder().encode(node.target).length;
  return node.entries.size;
}

/** Writes a 64-byte `filestat` for `node` into `dv` at `ptr` (the caller checked bounds). */
export function writeFilestat(dv: DataView, ptr: number, node: Inode): void {
  dv.setBigUint64(ptr, node.mount.dev, true);
  dv.setBigUint64(ptr + 8, node.ino, true);
  dv.setUint8(ptr + 16, filetypeOf(node));
  for (let i = 17; i < 24; i++) dv.setUint8(ptr + i, 0);
  dv.setBigUint64(ptr + 24, BigInt(node.nlink), true);
  dv.setBigUint64(ptr + 32, BigInt(sizeOf(node)), true);
  dv.setBigUint64(ptr + 40, node.atim, true);
  dv.setBigUint64(ptr + 48, node.mtim, true);
  dv.setBigUint64(ptr + 56, node.ctim, true);
}
