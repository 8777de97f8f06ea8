/**
 * poll_oneoff over clocks and fds. Files and the output streams are always ready; stdin is
 * reported ready (a read then waits for input, as a blocking fd does). When no fd is ready the
 * call sleeps until the earliest clock subscription is due — really where the host can block,
 * otherwise by advancing the container's clocks — and reports every clock that is due then.
 */
import type { SyscallName } from '../../ports/syscalls.ts';
import { CLOCK, E, EVENTTYPE, SUBCLOCK_ABSTIME } from './constants.ts';
import type { Handler, WasiSystem } from './system.ts';

const SUB_SIZE = 48;
const EVENT_SIZE = 32;

interface Sub {
  readonly userdata: bigint;
  readonly type: number;
  /** Clock subscriptions: due time on the monotonic clock (ns since start), or an errno. */
  readonly due?: bigint;
  readonly fd?: number;
}

interface Ev {
  readonly userdata: bigint;
  readonly error: number;
  readonly type: number;
  readonly nbytes: bigint;
}

function decodeSubs(sys: WasiSystem, ptr: number, n: number): Sub[] {
  const dv = sys.mem.dv;
  const subs: Sub[] = [];
  for (let i = 0; i < n; i++) {
    const p = ptr + i * SUB_SIZE;
    const userdata = dv.getBigUint64(p, true);
    const type = dv.getUint8(p + 8);
    if (type === EVENTTYPE.CLOCK) {
      const id = dv.getUint32(p + 16, true);
      const timeout = dv.getBigUint64(p + 24, true);
      const abs = (dv.getUint16(p + 40, true) & SUBCLOCK_ABSTIME) !== 0;
      subs.push({ userdata, type, due: dueTime(sys, id, timeout, abs) });
    } else if (type === EVENTTYPE.FD_READ || type === EVENTTYPE.FD_WRITE) {
      subs.push({ userdata, type, fd: dv.getUint32(p + 16, true) });
    } else {
      throw E.INVAL;
    }
  }
  return subs;
}

/** When a clock subscription is due, on the monotonic clock; -1n for an unknown clock id. */
function dueTime(sys: WasiSystem, id: number, timeout: bigint, abs: boolean): bigint {
  const now = sys.monotonicNs();
  if (id === CLOCK.REALTIME) return abs ? now + (timeout - sys.realtimeNs()) : now + timeout;
  if (id === CLOCK.MONOTONIC || id === CLOCK.PROCESS_CPUTIME || id === CLOCK.THREAD_CPUTIME) return abs ? timeout : now + timeout;
  return -1n;
}

/** The event an fd subscription produces now (files and streams never block here). */
function fdEvent(sys: WasiSystem, s: Sub): Ev {
  const e = sys.fds.peek(s.fd!);
  if (e === undefined) return { userdata: s.userdata, error: E.BADF, type: s.type, nbytes: 0n };
  const reading = s.type === EVENTTYPE.FD_READ;
  if (e.kind === 'dir' || (reading && (e.kind === 'stdout' || e.kind === 'stderr')) || (!reading && e.kind === 'stdin')) {
    return { userdata: s.userdata, error: E.BADF, type: s.type, nbytes: 0n };
  }
  let nbytes = 0n;
  if (e.kind === 'file' && e.node?.kind === 'file' && reading) nbytes = BigInt(Math.max(0, e.node.size - e.position));
  return { userdata: s.userdata, error: 0, type: s.type, nbytes };
}

function poll(sys: WasiSystem, subs: Sub[]): Ev[] {
  const events: Ev[] = [];
  for (const s of subs) {
    if (s.type !== EVENTTYPE.CLOCK) events.push(fdEvent(sys, s));
    else if (s.due! < 0n) events.push({ userdata: s.userdata, error: E.INVAL, type: s.type, nbytes: 0n });
  }
  const clocks = subs.filter((s) => s.type === EVENTTYPE.CLOCK && s.due! >= 0n);
  if (events.length === 0 && clocks.length > 0) {
    const earliest = clocks.reduce((m, s) => (s.due! < m ? s.due! : m), clocks[0]!.due!);
    sys.sleep(earliest - sys.monotonicNs());
  }
  const now = sys.monotonicNs();
  for (const s of clocks) if (s.due! <= now) events.push({ userdata: s.userdata, error: 0, type: s.type, nbytes: 0n });
  return events;
}

function encode(events: Ev[]): Uint8Array {
  const out = new Uint8Array(events.length * EVENT_SIZE);
  const dv = new DataView(out.buffer);
  events.forEach((e, i) => {
    const p = i * EVENT_SIZE;
    dv.setBigUint64(p, e.userdata, true);
    dv.setUint16(p + 8, e.error, true);
    dv.setUint8(p + 10, e.type);
    dv.setBigUint64(p + 16, e.nbytes, true);
  });
  return out;
}

export const pollHandlers: Partial<Record<SyscallName, Handler>> = {
  poll_oneoff(sys, a) {
    const inPtr = (a[0] as number) >>> 0;
    const outPtr = (a[1] as number) >>> 0;
    const n = (a[2] as number) >>> 0;
    const neventsPtr = (a[3] as number) >>> 0;
    sys.mem.check(inPtr, n * SUB_SIZE);
    sys.mem.check(outPtr, n * EVENT_SIZE);
    sys.mem.check(neventsPtr, 4);
    if (n === 0) throw E.INVAL;
    const subs = decodeSubs(sys, inPtr, n);
    // The group follows what is polled: open files, else the standard streams, else only clocks.
    const kinds = subs.map((s) => (s.fd === undefined ? undefined : sys.fds.peek(s.fd)?.kind));
    const onFiles = kinds.some((k) => k === 'file' || k === 'dir');
    const onStdio = kinds.some((k) => k === 'stdin' || k === 'stdout' || k === 'stderr');
    return {
      group: onFiles ? 'fs.read' : onStdio ? 'stdio' : 'clock',
      run() {
        const bytes = encode(poll(sys, subs));
        return { errno: 0, size: bytes.length / EVENT_SIZE, data: bytes };
      },
      commit(o) {
        const data = o.data ?? new Uint8Array(0);
        sys.mem.write(outPtr, data.subarray(0, n * EVENT_SIZE));
        sys.mem.setU32(neventsPtr, Math.min(n, Math.floor(data.length / EVENT_SIZE)));
      },
    };
  },
};
