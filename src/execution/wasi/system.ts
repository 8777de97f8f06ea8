/**
 * One container's WASI state: its memory view, fd table, filesystem, args, env, streams and
 * clocks. Nothing here is module-level: every container gets its own WasiSystem.
 * Also the two types every syscall handler speaks: a handler decodes the guest's arguments into
 * a Prepared call (what the gate shows the policy), and `run` performs it.
 */
import type { Clock } from '../../ports/clock.ts';
import type { ActionGroup } from '../../ports/syscalls.ts';
import type { SyscallOutcome } from '../../ports/gate-hooks.ts';
import { E, FILETYPE, RIGHTS_ALL, RIGHTS_DIR, RIGHTS_READONLY_MASK, RIGHTS_STDIN, RIGHTS_STDOUT } from './constants.ts';
import { FdTable, stdioEntry, type FdEntry } from './fd-table.ts';
import type { DirNode } from './inode.ts';
import { GuestMemory, utf8Bytes } from './memory.ts';
import { lookup, type Lookup } from './resolve.ts';
import { EMPTY_STDIN, type OutputStream, type StdinSource } from './stdio.ts';
import { GuestStop } from './stop.ts';
import { Vfs } from './vfs.ts';

export type Args = readonly (number | bigint)[];

/** A decoded call: the request fields the gate shows the policy, and how to perform it. */
export interface Prepared {
  readonly group?: ActionGroup;
  readonly fd?: number;
  readonly path?: string;
  readonly path2?: string;
  readonly env?: string;
  readonly bytes?: number;
  readonly access?: 'read' | 'write' | 'readwrite';
  /** Performs the call. Failures are thrown as a bare errno number (the gate returns it). */
  run(): SyscallOutcome;
  /**
   * Set on nondeterministic calls: writes the outcome's data into guest memory. Called after
   * `run`, or alone with a replayed outcome (`replayed` then also applies run's side effects).
   */
  commit?(outcome: SyscallOutcome, replayed: boolean): void;
}

export type Handler = (sys: WasiSystem, a: Args) => Prepared;

export interface WasiSystemOptions {
  args: readonly string[];
  env: readonly (readonly [string, string])[];
  fs?: Vfs;
  stdin?: StdinSource;
  stdout: OutputStream;
  stderr: OutputStream;
  clock: Clock;
  random(length: number): Uint8Array;
  tty?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  maxFds?: number;
}

/** A path resolved (or not) beneath an fd: the request path to show the policy, and the lookup or its errno. */
export interface Located {
  readonly guestPath: string;
  readonly lookup: Lookup | undefined;
  readonly errno: number;
}

export class WasiSystem {
  readonly mem = new GuestMemory();
  /** 8 bytes of scratch (and a view of them) for encoding u64 results without a DataView per call. */
  readonly scratch8 = new Uint8Array(8);
  readonly scratch = new DataView(this.scratch8.buffer);
  readonly fds: FdTable;
  readonly vfs: Vfs;
  readonly args: Uint8Array[];
  /** Every variable the host offered, as `[name, "NAME=value" bytes]`. */
  readonly envOffered: readonly (readonly [string, Uint8Array])[];
  /**
   * The variables the guest sees: those of `envOffered` the policy allows, decided once by the
   * gate on the first environ call (so sizes and contents always agree).
   */
  env: Uint8Array[] | undefined;
  readonly stdin: StdinSource;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly random: (length: number) => Uint8Array;
  readonly #clock: Clock;
  /**
   * How this host waits (set by the container): returns true when it blocked for the time, false
   * when it cannot block (the clocks then move virtually). May throw a GuestStop (a deadline).
   */
  sleepFn: ((ns: bigint) => boolean) | undefined;
  readonly #realBase: bigint;
  readonly #monoBase: bigint;
  /** Virtual time added by sleeps on hosts that cannot block. */
  #skew = 0n;
  /** The first stop of the run; sticky (see stop.ts). */
  stopped: GuestStop | undefined;

  constructor(o: WasiSystemOptions) {
    this.fds = new FdTable(o.maxFds);
    this.vfs = o.fs ?? new Vfs();
    this.args = o.args.map(utf8Bytes);
    this.envOffered = o.env.map(([k, v]) => [k, utf8Bytes(`${k}=${v}`)] as const);
    this.stdin = o.stdin ?? EMPTY_STDIN;
    this.stdout = o.stdout;
    this.stderr = o.stderr;
    this.random = o.random;
    this.#clock = o.clock;
    this.#monoBase = o.clock.monotonicNs();
    this.#realBase = BigInt(Math.round(o.clock.now())) * 1_000_000n;
    this.vfs.now = () => this.realtimeNs();
    const tty = o.tty ?? {};
    this.fds.set(0, stdioEntry('stdin', RIGHTS_STDIN, tty.stdin ?? false));
    this.fds.set(1, stdioEntry('stdout', RIGHTS_STDOUT, tty.stdout ?? false));
    this.fds.set(2, stdioEntry('stderr', RIGHTS_STDOUT, tty.stderr ?? false));
    for (const m of this.vfs.mounts) this.fds.add(this.#preopen(m.guestPath, m.root, m.readonly));
  }

  #preopen(name: string, root: DirNode, readonly: boolean): FdEntry {
    const mask = readonly ? RIGHTS_READONLY_MASK : RIGHTS_ALL;
    return {
      kind: 'dir', node: root, rightsBase: RIGHTS_DIR & mask, rightsInheriting: RIGHTS_ALL & mask, flags: 0, position: 0,
      preopen: name, filetype: FILETYPE.DIRECTORY,
    };
  }

  /** Nanoseconds since the container started; never goes backwards. */
  monotonicNs(): bigint {
    return this.#clock.monotonicNs() - this.#monoBase + this.#skew;
  }

  /** Wall-clock ns since the epoch, anchored at start and advanced by the monotonic clock (ns precision). */
  realtimeNs(): bigint {
    return this.#realBase + this.monotonicNs();
  }

  /** Waits `ns`: really where the host can block, otherwise by moving this container's clocks. */
  sleep(ns: bigint): void {
    if (ns <= 0n) return;
    if (this.sleepFn?.(ns) !== true) this.#skew += ns;
  }

  /**
   * Resolves `path` beneath directory fd `entry`. A lookup failure is not thrown: its errno is
   * kept so the policy decides first (a denied area does not become an existence oracle).
   * @throws E.NOTDIR when the fd is not a directory (there is nothing beneath it to decide on)
   */
  locate(entry: FdEntry, path: string, follow: boolean): Located {
    if (entry.kind !== 'dir' || entry.node === undefined || entry.node.kind !== 'dir') throw E.NOTDIR;
    const base = canonicalPath(entry.node);
    try {
      const l = lookup(entry.node, path, follow);
      const guestPath = joinGuest(canonicalPath(l.parent), l.name);
      this.#notShadowed(guestPath, l.parent.mount);
      return { guestPath, lookup: l, errno: 0 };
    } catch (e) {
      if (typeof e !== 'number') throw e;
      return { guestPath: normalizeGuest(base, path), lookup: undefined, errno: e };
    }
  }

  /**
   * Refuses a location whose guest path lies in another, nested mount: `--dir outer::/a` and
   * `--dir inner::/a/b` both answer to `/a/b/x`, but through fd `/a` that path is the outer host
   * directory's `b/x` — a grant for `/a/b/**` (the inner mount) must not reach it. The policy
   * names paths by their absolute guest path, so a path must name one place.
   * @throws E.NOTCAPABLE (the sandbox's answer, recorded before any policy question)
   */
  #notShadowed(guestPath: string, mount: DirNode['mount']): void {
    for (const m of this.vfs.mounts) {
      if (m === mount || m.absPath.length <= mount.absPath.length) continue;
      if (guestPath === m.absPath || guestPath.startsWith(m.absPath === '/' ? '/' : `${m.absPath}/`)) throw E.NOTCAPABLE;
    }
  }

  /** Throws the sticky stop if the run already ended (see stop.ts). */
  checkStopped(): void {
    if (this.stopped) throw this.stopped;
  }

  /** Ends the run: records the stop as sticky and throws it. */
  stop(stop: GuestStop): never {
    this.stopped ??= stop;
    throw this.stopped;
  }
}

/** `/mount/a/b` for a directory node, by walking its parents to its mount's root. */
export function canonicalPath(dir: DirNode): string {
  const names: string[] = [];
  for (let d = dir; d.parent !== undefined; d = d.parent) names.push(d.name);
  let p = dir.mount.absPath;
  for (let i = names.length - 1; i >= 0; i--) p = joinGuest(p, names[i]!);
  return p;
}

export function joinGuest(dir: string, name: string): string {
  if (name === '') return dir;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** Lexical normalization of `rel` under `base` (for a path that did not resolve). */
export function normalizeGuest(base: string, rel: string): string {
  const out: string[] = base.split('/').filter((s) => s !== '');
  for (const c of rel.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  const lead = base.startsWith('/') ? '/' : '';
  return lead + out.join('/');
}
