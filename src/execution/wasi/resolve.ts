/**
 * Path resolution confined beneath a directory (like openat2's RESOLVE_BENEATH). A lookup starts
 * at the directory of the fd it was given and can never leave it: an absolute path, a `..` above
 * that directory or a symlink whose target does either is ENOTCAPABLE; symlinks are resolved
 * inside the sandbox only (their text is never handed to a host filesystem); more than
 * SYMLOOP_MAX symlinks is ELOOP. `..` is physical: it returns to the directory the walk came from.
 */
import { E, NAME_MAX, SYMLOOP_MAX } from './constants.ts';
import type { DirNode, Inode } from './inode.ts';

export interface Lookup {
  /** The directory that holds the final component: where a create, unlink or rename acts. */
  readonly parent: DirNode;
  /** The final component; '' when the path ends in `.` or `..` (it then names `parent` itself). */
  readonly name: string;
  /** What the final component names now, or undefined when it does not exist. */
  readonly node: Inode | undefined;
  /** The path ended in `/`: the final component must be (or become) a directory. */
  readonly slash: boolean;
}

/** Splits a path into its non-empty components, reversed (a stack to pop from). */
function componentsReversed(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = parts.length - 1; i >= 0; i--) if (parts[i] !== '') out.push(parts[i]!);
  return out;
}

/**
 * Resolves `path` beneath `start`. `follow`: follow a symlink in the final component.
 * Throws a bare errno: NOENT, NOTDIR, NOTCAPABLE, LOOP, NAMETOOLONG.
 */
export function lookup(start: DirNode, path: string, follow: boolean): Lookup {
  if (path.length === 0) throw E.NOENT;
  if (path.charCodeAt(0) === 47 /* '/' */) throw E.NOTCAPABLE;
  let slash = path.charCodeAt(path.length - 1) === 47;
  const pending = componentsReversed(path);
  const stack: DirNode[] = [start];
  let links = 0;
  let result: Lookup | undefined;

  while (pending.length > 0) {
    const c = pending.pop()!;
    const last = pending.length === 0;
    const cur = stack[stack.length - 1]!;
    if (c === '.') {
      if (last) result = { parent: cur, name: '', node: cur, slash };
      continue;
    }
    if (c === '..') {
      if (stack.length === 1) throw E.NOTCAPABLE;
      stack.pop();
      if (last) result = { parent: stack[stack.length - 1]!, name: '', node: stack[stack.length - 1]!, slash };
      continue;
    }
    // A UTF-16 unit is at most 3 UTF-8 bytes: only long names need the exact count.
    if (c.length > NAME_MAX / 3 && new TextEncoder().encode(c).length > NAME_MAX) throw E.NAMETOOLONG;
    const child = cur.entries.get(c);
    if (child !== undefined && child.kind === 'symlink' && (!last || follow || slash)) {
      if (++links > SYMLOOP_MAX) throw E.LOOP;
      const target = child.target;
      if (target.length === 0) throw E.NOENT;
      if (target.charCodeAt(0) === 47) throw E.NOTCAPABLE;
      if (last && target.charCodeAt(target.length - 1) === 47) slash = true;
      const expanded = componentsReversed(target);
      if (expanded.length === 0) throw E.NOENT;
      for (let i = 0; i < expanded.length; i++) pending.push(expanded[i]!);
      continue;
    }
    if (last) {
      if (slash && child !== undefined && child.kind !== 'dir') throw E.NOTDIR;
      result = { parent: cur, name: c, node: child, slash };
      continue;
    }
    if (child === undefined) throw E.NOENT;
    if (child.kind !== 'dir') throw E.NOTDIR;
    stack.push(child);
  }
  // A path of only slashes and dots ("./", ".//.") names the start directory.
  return result ?? { parent: start, name: '', node: start, slash };
}
