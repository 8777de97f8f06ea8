/**
 * The syscall vocabulary shared by the sandbox (which performs syscalls), the policy graph
 * (which decides them) and the Execution DNA (which records them). One leaf module, importing
 * nothing, so the three agree without depending on one another.
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

/**
 * Each syscall's position in `WASI_SYSCALLS`, each group's in `ACTION_GROUPS`: the numbers the
 * canonical trace encoding writes and the policy's decision tables are keyed by, so both must
 * come from this one map. Keyed by string so that unchecked names (from a policy, a trace file)
 * can be looked up: an unknown name is simply absent.
 */
export const SYSCALL_INDEX: ReadonlyMap<string, number> = new Map<string, number>(WASI_SYSCALLS.map((s, i) => [s, i]));
export const GROUP_INDEX: ReadonlyMap<string, number> = new Map<string, number>(ACTION_GROUPS.map((g, i) => [g, i]));

export const isSyscallName = (a: string): a is SyscallName => SYSCALL_INDEX.has(a);
export const isActionGroup = (a: string): a is ActionGroup => GROUP_INDEX.has(a);
