/**
 * WASI preview1 numbers, as the witx (`wasi_snapshot_preview1`) defines them. Plain numeric
 * constants — no enums (erasable syntax) and no lookups on the syscall path.
 */

// The errno table is part of the gate's contract (src/ports/errno.ts): the trust and DNA modules
// read outcomes by it without depending on the sandbox. `E` because every handler throws `E.X`.
export { ERRNO as E, ERRNO_NAMES } from '../../ports/errno.ts';

export const FILETYPE = {
  UNKNOWN: 0, BLOCK_DEVICE: 1, CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4,
  SOCKET_DGRAM: 5, SOCKET_STREAM: 6, SYMBOLIC_LINK: 7,
} as const;

export const FDFLAGS = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
export const FDFLAGS_ALL = 31;
export const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
export const LOOKUP_SYMLINK_FOLLOW = 1;
export const FSTFLAGS = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;
export const WHENCE = { SET: 0, CUR: 1, END: 2 } as const;
export const CLOCK = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 } as const;
export const EVENTTYPE = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;
export const SUBCLOCK_ABSTIME = 1;
export const EVENTRW_HANGUP = 1;
export const PREOPENTYPE_DIR = 0;
/** Largest valid `advice` value (NOREUSE). */
export const ADVICE_MAX = 5;

/**
 * Rights (bit flags, u64 in the ABI). Every defined right fits in 30 bits, so they are kept as
 * JavaScript numbers and combined with 32-bit bitwise operators.
 */
export const R = {
  FD_DATASYNC: 1 << 0, FD_READ: 1 << 1, FD_SEEK: 1 << 2, FD_FDSTAT_SET_FLAGS: 1 << 3, FD_SYNC: 1 << 4,
  FD_TELL: 1 << 5, FD_WRITE: 1 << 6, FD_ADVISE: 1 << 7, FD_ALLOCATE: 1 << 8, PATH_CREATE_DIRECTORY: 1 << 9,
  PATH_CREATE_FILE: 1 << 10, PATH_LINK_SOURCE: 1 << 11, PATH_LINK_TARGET: 1 << 12, PATH_OPEN: 1 << 13,
  FD_READDIR: 1 << 14, PATH_READLINK: 1 << 15, PATH_RENAME_SOURCE: 1 << 16, PATH_RENAME_TARGET: 1 << 17,
  PATH_FILESTAT_GET: 1 << 18, PATH_FILESTAT_SET_SIZE: 1 << 19, PATH_FILESTAT_SET_TIMES: 1 << 20,
  FD_FILESTAT_GET: 1 << 21, FD_FILESTAT_SET_SIZE: 1 << 22, FD_FILESTAT_SET_TIMES: 1 << 23,
  PATH_SYMLINK: 1 << 24, PATH_REMOVE_DIRECTORY: 1 << 25, PATH_UNLINK_FILE: 1 << 26,
  POLL_FD_READWRITE: 1 << 27, SOCK_SHUTDOWN: 1 << 28, SOCK_ACCEPT: 1 << 29,
} as const;

export const RIGHTS_ALL = (1 << 30) - 1;

/** Rights that make sense on a regular file. */
export const RIGHTS_FILE = R.FD_DATASYNC | R.FD_READ | R.FD_SEEK | R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_TELL
  | R.FD_WRITE | R.FD_ADVISE | R.FD_ALLOCATE | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_SIZE
  | R.FD_FILESTAT_SET_TIMES | R.POLL_FD_READWRITE;

/** Rights that make sense on a directory (never read/write/seek: those are for files). */
export const RIGHTS_DIR = R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.PATH_CREATE_DIRECTORY
  | R.PATH_CREATE_FILE | R.PATH_LINK_SOURCE | R.PATH_LINK_TARGET | R.PATH_OPEN | R.FD_READDIR
  | R.PATH_READLINK | R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET | R.PATH_FILESTAT_GET
  | R.PATH_FILESTAT_SET_SIZE | R.PATH_FILESTAT_SET_TIMES | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_TIMES
  | R.PATH_SYMLINK | R.PATH_REMOVE_DIRECTORY | R.PATH_UNLINK_FILE;

/** Rights a guest may hold on a read-only mount: nothing that changes the tree or a file. */
export const RIGHTS_READONLY_MASK = ~(R.FD_DATASYNC | R.FD_WRITE | R.FD_ALLOCATE | R.PATH_CREATE_DIRECTORY
  | R.PATH_CREATE_FILE | R.PATH_LINK_TARGET | R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET
  | R.PATH_FILESTAT_SET_SIZE | R.PATH_FILESTAT_SET_TIMES | R.FD_FILESTAT_SET_SIZE | R.FD_FILESTAT_SET_TIMES
  | R.PATH_SYMLINK | R.PATH_REMOVE_DIRECTORY | R.PATH_UNLINK_FILE) & RIGHTS_ALL;

/** Rights that mean "this descriptor may change file contents" (an open for write). */
export const RIGHTS_WRITE_INTENT = R.FD_WRITE | R.FD_DATASYNC | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE;

export const RIGHTS_STDIN = R.FD_READ | R.FD_FDSTAT_SET_FLAGS | R.FD_FILESTAT_GET | R.POLL_FD_READWRITE;
export const RIGHTS_STDOUT = R.FD_WRITE | R.FD_FDSTAT_SET_FLAGS | R.FD_FILESTAT_GET | R.POLL_FD_READWRITE
  | R.FD_DATASYNC | R.FD_SYNC;

/** Signals whose default action is to ignore them (proc_raise returns success and does nothing). */
export const SIGNALS_IGNORED: ReadonlySet<number> = new Set([16 /* CHLD */, 17 /* CONT */, 22 /* URG */, 27 /* WINCH */]);
export const SIGNAL_NAMES: readonly string[] = ['NONE', 'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL',
  'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ',
  'VTALRM', 'PROF', 'WINCH', 'POLL', 'PWR', 'SYS'];

/** POSIX limits the VFS enforces on guest paths. */
export const PATH_MAX = 4096;
export const NAME_MAX = 255;
/** Symlinks followed during one lookup before ELOOP (Linux's limit). */
export const SYMLOOP_MAX = 40;
