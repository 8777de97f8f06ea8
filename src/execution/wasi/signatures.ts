/**
 * The signature of every `wasi_snapshot_preview1` function, as the preview1 witx declares it
 * (pointers and sizes are i32, offsets, rights and timestamps i64). A module that imports a name
 * with another signature is refused before it runs (import-surface.ts): the handlers decode
 * arguments by these types and nothing else.
 */
import type { SyscallName } from '../../ports/syscalls.ts';

const I = 'i32';
const sig = (...params: string[]) => `${params.join(',')}->i32`;
const ptrs = (n: number) => sig(...Array<string>(n).fill(I));

export const WASI_SIGNATURES: Readonly<Record<SyscallName, string>> = {
  args_get: ptrs(2), args_sizes_get: ptrs(2), environ_get: ptrs(2), environ_sizes_get: ptrs(2),
  clock_res_get: ptrs(2), clock_time_get: sig(I, 'i64', I),
  fd_advise: sig(I, 'i64', 'i64', I), fd_allocate: sig(I, 'i64', 'i64'), fd_close: ptrs(1), fd_datasync: ptrs(1),
  fd_fdstat_get: ptrs(2), fd_fdstat_set_flags: ptrs(2), fd_fdstat_set_rights: sig(I, 'i64', 'i64'),
  fd_filestat_get: ptrs(2), fd_filestat_set_size: sig(I, 'i64'), fd_filestat_set_times: sig(I, 'i64', 'i64', I),
  fd_pread: sig(I, I, I, 'i64', I), fd_prestat_get: ptrs(2), fd_prestat_dir_name: ptrs(3), fd_pwrite: sig(I, I, I, 'i64', I),
  fd_read: ptrs(4), fd_readdir: sig(I, I, I, 'i64', I), fd_renumber: ptrs(2), fd_seek: sig(I, 'i64', I, I),
  fd_sync: ptrs(1), fd_tell: ptrs(2), fd_write: ptrs(4),
  path_create_directory: ptrs(3), path_filestat_get: ptrs(5), path_filestat_set_times: sig(I, I, I, I, 'i64', 'i64', I),
  path_link: ptrs(7), path_open: sig(I, I, I, I, I, 'i64', 'i64', I, I), path_readlink: ptrs(6),
  path_remove_directory: ptrs(3), path_rename: ptrs(6), path_symlink: ptrs(5), path_unlink_file: ptrs(3),
  poll_oneoff: ptrs(4), proc_exit: `${I}->`, proc_raise: ptrs(1), sched_yield: '->i32', random_get: ptrs(2),
  sock_accept: ptrs(3), sock_recv: ptrs(6), sock_send: ptrs(5), sock_shutdown: ptrs(2),
};
