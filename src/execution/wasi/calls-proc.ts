/**
 * The calls that touch no file: args, environment, clocks, randomness, process control and
 * sockets (the sandbox has none: a bad fd is EBADF, any other fd ENOTSOCK).
 */
import type { SyscallName } from '../../ports/syscalls.ts';
import { CLOCK, E, SIGNAL_NAMES, SIGNALS_IGNORED } from './constants.ts';
import { readIovecs, type GuestMemory } from './memory.ts';
import { GuestStop } from './stop.ts';
import type { Handler, WasiSystem } from './system.ts';

const OK = Object.freeze({ errno: 0 });
const ZERO8 = new Uint8Array(8);
const ok = () => OK;

/** Writes a list of strings the way args_get/environ_get lay them out: pointers, then NUL-terminated bytes. */
function writeStringList(mem: GuestMemory, list: readonly Uint8Array[], ptrs: number, buf: number): void {
  let total = 0;
  for (const s of list) total += s.length + 1;
  mem.check(ptrs, list.length * 4);
  mem.check(buf, total);
  let at = buf;
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    mem.setU32(ptrs + i * 4, at);
    mem.write(at, s);
    mem.setU8(at + s.length, 0);
    at += s.length + 1;
  }
}

function sizesOf(list: readonly Uint8Array[]): number {
  let n = 0;
  for (const s of list) n += s.length + 1;
  return n;
}

function sizesHandler(pick: (sys: WasiSystem) => Uint8Array[]): Handler {
  return (sys, a) => {
    const countPtr = (a[0] as number) >>> 0;
    const sizePtr = (a[1] as number) >>> 0;
    sys.mem.check(countPtr, 4);
    sys.mem.check(sizePtr, 4);
    return {
      run() {
        const list = pick(sys);
        sys.mem.setU32(countPtr, list.length);
        sys.mem.setU32(sizePtr, sizesOf(list));
        return OK;
      },
    };
  };
}

/** Reads a clock: monotonic, realtime, and the CPU-time clocks (time since the container started). */
function readClock(sys: WasiSystem, id: number): bigint {
  if (id === CLOCK.REALTIME) return sys.realtimeNs();
  if (id === CLOCK.MONOTONIC || id === CLOCK.PROCESS_CPUTIME || id === CLOCK.THREAD_CPUTIME) return sys.monotonicNs();
  throw E.INVAL;
}

/** Reported resolution of every clock: 1 µs (what performance.now() offers across hosts). */
export const CLOCK_RESOLUTION_NS = 1000n;

/**
 * A u64 as 8 little-endian bytes, through the system's scratch view: a fresh typed array's
 * `.buffer` (for a DataView) or ArrayBuffer.slice costs 300–700 ns here, a copy of a view 40 ns.
 */
function u64Bytes(sys: WasiSystem, v: bigint): Uint8Array {
  sys.scratch.setBigUint64(0, v, true);
  return sys.scratch8.slice();
}

/**
 * A socket call: its pointers are checked (iovec arrays at `iovs`, outputs at `outs` with their
 * sizes), then its fd. The sandbox holds no sockets, so an open fd is never one: ENOTSOCK.
 */
function sockCall(iovs: number | undefined, outs: readonly [number, number][]): Handler {
  return (sys, a) => {
    const fd = (a[0] as number) >>> 0;
    if (iovs !== undefined) readIovecs(sys.mem, (a[iovs] as number) >>> 0, (a[iovs + 1] as number) >>> 0);
    for (const [i, len] of outs) sys.mem.check((a[i] as number) >>> 0, len);
    sys.fds.get(fd);
    // No socket exists for the policy to decide about: like a bad fd, answered before it.
    throw E.NOTSOCK;
  };
}

export const procHandlers: Partial<Record<SyscallName, Handler>> = {
  args_sizes_get: sizesHandler((sys) => sys.args),
  environ_sizes_get: sizesHandler((sys) => sys.env ?? []),
  args_get(sys, a) {
    const ptrs = (a[0] as number) >>> 0;
    const buf = (a[1] as number) >>> 0;
    sys.mem.check(ptrs, sys.args.length * 4);
    sys.mem.check(buf, sizesOf(sys.args));
    return { run() { writeStringList(sys.mem, sys.args, ptrs, buf); return OK; } };
  },
  environ_get(sys, a) {
    const ptrs = (a[0] as number) >>> 0;
    const buf = (a[1] as number) >>> 0;
    const env = sys.env ?? [];
    sys.mem.check(ptrs, env.length * 4);
    sys.mem.check(buf, sizesOf(env));
    return { run() { writeStringList(sys.mem, env, ptrs, buf); return OK; } };
  },
  clock_res_get(sys, a) {
    const id = a[0] as number;
    const out = (a[1] as number) >>> 0;
    sys.mem.check(out, 8);
    return {
      run() {
        readClock(sys, id);
        return { errno: 0, data: u64Bytes(sys, CLOCK_RESOLUTION_NS) };
      },
      commit(o) { sys.mem.write(out, o.data ?? ZERO8); },
    };
  },
  clock_time_get(sys, a) {
    const id = a[0] as number;
    const out = (a[2] as number) >>> 0;
    sys.mem.check(out, 8);
    return {
      run: () => ({ errno: 0, data: u64Bytes(sys, readClock(sys, id)) }),
      commit(o) { sys.mem.write(out, o.data ?? ZERO8); },
    };
  },
  random_get(sys, a) {
    const buf = (a[0] as number) >>> 0;
    const len = (a[1] as number) >>> 0;
    sys.mem.check(buf, len);
    return {
      bytes: len,
      run: () => ({ errno: 0, size: len, data: sys.random(len) }),
      commit(o) { if (o.data) sys.mem.write(buf, o.data.subarray(0, len)); },
    };
  },
  proc_exit(sys, a) {
    const code = (a[0] as number) >>> 0;
    return { run() { throw new GuestStop('exited', code, `proc_exit(${code})`); } };
  },
  proc_raise(sys, a) {
    const sig = (a[0] as number) >>> 0;
    return {
      run() {
        if (sig === 0 || sig >= SIGNAL_NAMES.length) throw E.INVAL;
        if (SIGNALS_IGNORED.has(sig)) return OK;
        throw new GuestStop('killed', 128 + sig, `the guest raised SIG${SIGNAL_NAMES[sig]}`);
      },
    };
  },
  sched_yield: () => ({ run: ok }),
  sock_accept: sockCall(undefined, [[2, 4]]),
  sock_recv: sockCall(1, [[4, 4], [5, 2]]),
  sock_send: sockCall(1, [[4, 4]]),
  sock_shutdown: sockCall(undefined, []),
};
