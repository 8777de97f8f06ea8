/**
 * A container's file descriptors. Each carries its rights (what it may do, and what fds opened
 * through it may do), its flags (append, nonblock…) and, for files, its position. Numbers are
 * handed out lowest-free from 3, so stdio keeps 0–2 until the guest renumbers them.
 */
import { E, FILETYPE } from './constants.ts';
import type { DirNode, FileNode } from './inode.ts';

export type FdKind = 'file' | 'dir' | 'stdin' | 'stdout' | 'stderr';

export interface FdEntry {
  readonly kind: FdKind;
  /** The node for files and directories; undefined for stdio. */
  readonly node: FileNode | DirNode | undefined;
  rightsBase: number;
  rightsInheriting: number;
  flags: number;
  /** File position (files only). */
  position: number;
  /** The preopen's guest name, for fd_prestat_get; undefined for fds the guest opened. */
  readonly preopen: string | undefined;
  /** WASI filetype reported by fd_fdstat_get. */
  readonly filetype: number;
}

export const DEFAULT_MAX_FDS = 4096;

export class FdTable {
  readonly #entries: (FdEntry | undefined)[] = [];
  #open = 0;
  readonly #max: number;

  constructor(max = DEFAULT_MAX_FDS) {
    this.#max = max;
  }

  /** The entry of `fd`; throws E.BADF when it is not open. */
  get(fd: number): FdEntry {
    const e = this.#entries[fd];
    if (e === undefined) throw E.BADF;
    return e;
  }

  /** The entry of `fd`, or undefined (no throw; for the gate's resource check). */
  peek(fd: number): FdEntry | undefined {
    return this.#entries[fd];
  }

  /** Installs an entry at a fixed number (stdio and preopens at start). */
  set(fd: number, entry: FdEntry): void {
    if (this.#entries[fd] === undefined) this.#open++;
    else this.#drop(this.#entries[fd]!);
    this.#entries[fd] = entry;
    if (entry.node) entry.node.opens++;
  }

  #drop(e: FdEntry): void {
    if (e.node === undefined) return;
    e.node.opens--;
    e.node.mount.vfs.release(e.node);
  }

  /** Installs an entry at the lowest free number ≥ 3; E.MFILE when the table is full. */
  add(entry: FdEntry): number {
    if (this.#open >= this.#max) throw E.MFILE;
    let fd = 3;
    while (this.#entries[fd] !== undefined) fd++;
    this.set(fd, entry);
    return fd;
  }

  close(fd: number): FdEntry {
    const e = this.get(fd);
    this.#entries[fd] = undefined;
    this.#open--;
    this.#drop(e);
    return e;
  }

  /** Moves `from` onto `to` (closing what `to` held); both must be open. */
  renumber(from: number, to: number): void {
    const e = this.get(from);
    this.get(to);
    if (from === to) return;
    this.#drop(this.#entries[to]!);
    this.#entries[to] = e;
    this.#entries[from] = undefined;
    this.#open--;
  }

  /** Every open entry with its number (for write-back bookkeeping and tests). */
  *entries(): IterableIterator<[number, FdEntry]> {
    for (let i = 0; i < this.#entries.length; i++) {
      const e = this.#entries[i];
      if (e !== undefined) yield [i, e];
    }
  }
}

/** A stdio entry (fd 0, 1 or 2); `tty` reports a character device, as a terminal is. */
export function stdioEntry(kind: 'stdin' | 'stdout' | 'stderr', rights: number, tty: boolean): FdEntry {
  return {
    kind, node: undefined, rightsBase: rights, rightsInheriting: 0, flags: 0, position: 0, preopen: undefined,
    filetype: tty ? FILETYPE.CHARACTER_DEVICE : FILETYPE.UNKNOWN,
  };
}
