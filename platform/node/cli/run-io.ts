/**
 * The guest's stdio in `forge run`: stdin is read from the process's fd 0 lazily and
 * synchronously (a guest that never reads stdin never waits for it), and stdout/stderr are
 * written straight to fds 1 and 2 as the guest writes. Node's stream objects are never touched:
 * creating them could switch the fds to non-blocking mode under the guest's feet.
 */
import { readSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { OutputSink, StdinSource } from '../../../src/execution/wasi/stdio.ts';
import { escapeText } from '../../../src/lib/escape.ts';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Retries a call that failed with EAGAIN (an fd another process left non-blocking). */
function retrying<T>(fn: () => T): T {
  for (;;) {
    try {
      return fn();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

/** `beforeRead` runs before each blocking read (it flushes pending output, as a prompt needs). */
export function processStdin(beforeRead: () => void = () => {}): StdinSource {
  let ended = false;
  return {
    read(max) {
      if (ended) return null;
      beforeRead();
      const buf = new Uint8Array(Math.min(max, 64 * 1024));
      try {
        const n = retrying(() => readSync(0, buf, 0, buf.length, null));
        if (n === 0) ended = true;
        return n === 0 ? null : buf.subarray(0, n);
      } catch {
        // A closed or unreadable stdin reads as end of input, as /dev/null would.
        ended = true;
        return null;
      }
    },
  };
}

/** WASI's EPIPE: what a guest writing to a closed pipe gets (SIGPIPE is not delivered to guests). */
const WASI_EPIPE = 64;

function writeFully(fd: number, bytes: Uint8Array): void {
  let off = 0;
  try {
    while (off < bytes.length) off += retrying(() => writeSync(fd, bytes, off, bytes.length - off));
  } catch (e) {
    // The reader went away (`forge run … | head -1`): the guest's write fails as it would on POSIX.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') throw WASI_EPIPE;
    throw e;
  }
}

export function fdSink(fd: 1 | 2): OutputSink {
  return { write: (bytes) => writeFully(fd, bytes) };
}

const BUFFER = 64 * 1024;

/**
 * stdout and stderr for the guest. A terminal gets every write at once; a pipe or file gets
 * writes gathered up to 64 KiB (a guest making a million one-byte writes costs a handful of host
 * writes, not a million). Order is kept: writing to one stream first flushes the other, and
 * `flush` runs before stdin blocks and at exit.
 */
export function guestOutput(tty: { stdout: boolean; stderr: boolean }): { stdout: OutputSink; stderr: OutputSink; flush(): void } {
  let pendingFd = 0;
  const buf = new Uint8Array(BUFFER);
  let used = 0;
  const flush = () => {
    const n = used;
    used = 0;
    if (n > 0) writeFully(pendingFd, buf.subarray(0, n));
  };
  const sink = (fd: 1 | 2, direct: boolean): OutputSink => ({
    write(bytes) {
      if (pendingFd !== fd) flush();
      pendingFd = fd;
      if (direct || bytes.length >= BUFFER) {
        flush();
        writeFully(fd, bytes);
        return;
      }
      if (used + bytes.length > BUFFER) flush();
      buf.set(bytes, used);
      used += bytes.length;
    },
  });
  return { stdout: sink(1, tty.stdout), stderr: sink(2, tty.stderr), flush };
}

export function stdioTty(): { stdin: boolean; stdout: boolean; stderr: boolean } {
  return { stdin: isatty(0), stdout: isatty(1), stderr: isatty(2) };
}

/**
 * What `note` writes: the line prefixed and escaped (src/lib/escape.ts). Notes name
 * guest-made files and guest-caused errors, and the guest shares this terminal: an unescaped name
 * could forge a note or drive the terminal. Throws nothing.
 */
export function noteLine(line: string): string {
  return `forge: ${escapeText(line)}\n`;
}

/** A line for the user on stderr, prefixed so it stands apart from the guest's output; throws 64 (WASI EPIPE) when stderr's reader is gone. */
export function note(line: string): void {
  fdSink(2).write(new TextEncoder().encode(noteLine(line)));
}
