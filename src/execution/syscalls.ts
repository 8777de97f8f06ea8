/**
 * The syscall vocabulary shared by the sandbox (which performs syscalls), the policy graph
 * (which decides them) and the Execution DNA (which records them). One file so the three agree.
 */

/** Every WASI preview1 import, in the order of the preview1 witx. */
export const WASI_SYSCALLS = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'sched_yield', 'random_get', 'sock_accept',
  'sock_recv', 'sock_send', 'sock_shutdown',
] as const;

export type SyscallName = (typeof WASI_SYSCALLS)[number];

/**
 * Named groups of actions a policy can grant. A syscall's group can depend on its resource:
 * `fd_write` on fd 1 is `stdio`, on a file `fs.write`; so the sandbox states the group per call.
 */
export const ACTION_GROUPS = ['fs.read', 'fs.write', 'fs.meta', 'env', 'clock', 'random', 'stdio', 'proc', 'net'] as const;
export type ActionGroup = (typeof ACTION_GROUPS)[number];

/** The group a syscall belongs to when no resource changes it (the sandbox may refine per call). */
export const DEFAULT_GROUP: Readonly<Record<SyscallName, ActionGroup>> = {
  args_get: 'proc', args_sizes_get: 'proc', environ_get: 'env', environ_sizes_get: 'env',
  clock_res_get: 'clock', clock_time_get: 'clock',
  fd_advise: 'fs.meta', fd_allocate: 'fs.write', fd_close: 'fs.meta', fd_datasync: 'fs.write',
  fd_fdstat_get: 'fs.meta', fd_fdstat_set_flags: 'fs.meta', fd_fdstat_set_rights: 'fs.meta',
  fd_filestat_get: 'fs.meta', fd_filestat_set_size: 'fs.write', fd_filestat_set_times: 'fs.write',
  fd_pread: 'fs.read', fd_prestat_get: 'fs.meta', fd_prestat_dir_name: 'fs.meta', fd_pwrite: 'fs.write',
  fd_read: 'fs.read', fd_readdir: 'fs.read', fd_renumber: 'fs.meta', fd_seek: 'fs.meta', fd_sync: 'fs.write',
  fd_tell: 'fs.meta', fd_write: 'fs.write', path_create_directory: 'fs.write', path_filestat_get: 'fs.meta',
  path_filestat_set_times: 'fs.write', path_link: 'fs.write', path_open: 'fs.read', path_readlink: 'fs.read',
  path_remove_directory: 'fs.write', path_rename: 'fs.write', path_symlink: 'fs.write', path_unlink_file: 'fs.write',
  poll_oneoff: 'clock', proc_exit: 'proc', proc_raise: 'proc', sched_yield: 'proc', random_get: 'random',
  sock_accept: 'net', sock_recv: 'net', sock_send: 'net', sock_shutdown: 'net',
};

/** One syscall as the gate sees it, after its arguments were decoded from guest memory. */
export interface SyscallRequest {
  readonly syscall: SyscallName;
  readonly group: ActionGroup;
  /** Guest-visible absolute path (normalized, inside the sandbox), for path_* calls and opens. */
  readonly path?: string;
  /** Second path (rename, link, symlink target). */
  readonly path2?: string;
  /** File descriptor the call acts on. */
  readonly fd?: number;
  /** Environment variable name (environ_get reports each name it hands out). */
  readonly env?: string;
  /** Bytes the call asks to move (writes, reads, random). */
  readonly bytes?: number;
  /** For path_open: the access requested. */
  readonly access?: 'read' | 'write' | 'readwrite';
}

/** What the policy graph decided about one request. */
export interface Decision {
  readonly effect: 'allow' | 'deny';
  /** Ids of the rules that made the decision (empty when the default deny decided). */
  readonly rules: readonly string[];
  /** One sentence a person can read. */
  readonly reason: string;
  /** Set when a layer in monitor mode would have denied: recorded, but allowed. */
  readonly monitored?: boolean;
  /** Set when a rate limit or quota made the decision. */
  readonly limited?: string;
}

/** What a performed (or refused) syscall returned to the guest. */
export interface SyscallOutcome {
  /** WASI errno returned to the guest (0 = success). */
  readonly errno: number;
  /** Bytes moved, where the call moves bytes. */
  readonly size?: number;
  /**
   * Data handed to the guest from a nondeterministic source — a clock value, random bytes, bytes
   * read from stdin or a file — kept so a run can be replayed.
   */
  readonly data?: Uint8Array;
}

/** Facts about the guest at the moment of a syscall, supplied by the sandbox. */
export interface RecordContext {
  /** Fuel consumed so far by the guest. */
  readonly fuelUsed: bigint;
}

/**
 * The seam between the sandbox and the trust/observer modules. The sandbox calls `decide` before
 * performing a syscall and `record` after it. Both are synchronous (host calls are synchronous).
 * Either may throw a KernelError (QUARANTINED, POLICY_DENIED…) to stop the guest at once.
 */
export interface GateHooks {
  decide(request: SyscallRequest): Decision;
  record(request: SyscallRequest, decision: Decision, outcome: SyscallOutcome, context: RecordContext): void;
  /**
   * Replay: when present, nondeterministic syscalls (clocks, random, stdin and file reads,
   * poll_oneoff) take their outcome from here instead of from the host.
   */
  replay?(request: SyscallRequest): SyscallOutcome;
}
