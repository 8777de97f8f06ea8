/**
 * Property: whatever a guest does with paths, links, renames and opens — over a host directory
 * holding random files, directories and symlinks (some pointing outside) — no host path outside
 * the mounts is read, written, created or linked, before or after write-back; and under a
 * read-only grant nothing in the mount changes at all.
 *
 * Calls go through `secureSyscall`, the same gate a guest's imports reach, with arguments placed
 * in a real linear memory. A fixed seed and a bounded count here; `npm run test:property` runs it at
 * length (FORGE_PROPERTY_RUNS, FORGE_PROPERTY_SEED).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadHostDir, writeBackHostDir } from '../../platform/node/fs-mount.ts';
import { secureSyscall, type GateContext } from '../../src/execution/gate.ts';
import type { SyscallName } from '../../src/ports/syscalls.ts';
import type { GateHooks } from '../../src/ports/gate-hooks.ts';
import { WASI_HANDLERS } from '../../src/execution/wasi/handlers.ts';
import { OutputStream } from '../../src/execution/wasi/stdio.ts';
import { GuestStop } from '../../src/execution/wasi/stop.ts';
import { WasiSystem } from '../../src/execution/wasi/system.ts';
import { Vfs } from '../../src/execution/wasi/vfs.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { createTrustGate, parsePolicy } from '../../src/trust/index.ts';

const RUNS = Number(process.env['FORGE_PROPERTY_RUNS'] ?? 200);
const SEED = Number(process.env['FORGE_PROPERTY_SEED'] ?? 20261204);
const SECRET = 'OUTSIDE-SECRET';

// ── the host: a mount with random entries beside an outside tree ─────────────────────────────

const NAMES = ['a', 'b', 'sub', 'l1', 'l2', 'f'];
const TARGETS = ['.', '..', 'a', 'sub', 'sub/f', 'l1', 'l2/..', 'a/..', '../outside', '../outside/secret', '../../', '/', '/etc/passwd', 'ABS_OUTSIDE'];

type HostEntry = { kind: 'file' } | { kind: 'dir' } | { kind: 'link'; target: string };
const hostEntry: fc.Arbitrary<HostEntry> = fc.oneof(
  fc.constant({ kind: 'file' as const }), fc.constant({ kind: 'dir' as const }),
  fc.constantFrom(...TARGETS).map((target) => ({ kind: 'link' as const, target })),
);
const hostTree = fc.dictionary(fc.constantFrom(...NAMES, 'sub/a', 'sub/l1', 'sub/sub'), hostEntry, { maxKeys: 6 });

// ── guest operations ──────────────────────────────────────────────────────────────────────────

const segment = fc.constantFrom('a', 'b', 'sub', 'l1', 'l2', 'f', 'new', '..', '.', 'outside', 'secret');
const guestPath = fc.oneof(fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/')), fc.constantFrom('/etc/passwd', '', 'a//b', 'l1/'));
const target = fc.oneof(fc.constantFrom(...TARGETS.filter((t) => t !== 'ABS_OUTSIDE')), guestPath);
const linkName = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('a', 'b', 'l1', 'l2', 'sub/l') }, { weight: 1, arbitrary: guestPath });
const dirFd = fc.oneof({ weight: 3, arbitrary: fc.constant(3) }, { weight: 1, arbitrary: fc.constantFrom(4, 5, 6, 7) });
const anyFd = fc.integer({ min: 3, max: 9 });
const R_READ = 2n, R_WRITE = 64n, R_SET_TIMES = 1n << 23n, R_SET_SIZE = 1n << 22n;
const rights = fc.constantFrom(R_READ, R_WRITE, R_READ | R_WRITE, R_READ | R_SET_TIMES, R_READ | R_SET_SIZE, (1n << 30n) - 1n);

type Op =
  | { op: 'open'; fd: number; path: string; follow: boolean; oflags: number; rights: bigint; fdflags: number }
  | { op: 'write' | 'read' | 'truncate' | 'touch' | 'close'; fd: number }
  | { op: 'symlink'; target: string; fd: number; path: string }
  | { op: 'link'; fd: number; path: string; fd2: number; path2: string; follow: boolean }
  | { op: 'rename'; fd: number; path: string; fd2: number; path2: string }
  | { op: 'mkdir' | 'unlink' | 'rmdir' | 'readlink' | 'stat'; fd: number; path: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('open' as const), fd: dirFd, path: guestPath, follow: fc.boolean(), oflags: fc.integer({ min: 0, max: 15 }), rights, fdflags: fc.constantFrom(0, 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('write' as const, 'read' as const, 'truncate' as const, 'touch' as const, 'close' as const), fd: anyFd }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('symlink' as const), target, fd: dirFd, path: linkName }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('link' as const), fd: dirFd, path: guestPath, fd2: dirFd, path2: guestPath, follow: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('rename' as const), fd: dirFd, path: guestPath, fd2: dirFd, path2: guestPath }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('mkdir' as const, 'unlink' as const, 'rmdir' as const, 'readlink' as const, 'stat' as const), fd: dirFd, path: guestPath }) },
);

// ── a scripted guest: arguments in real linear memory, every call through the gate ────────────

class ScriptedGuest {
  readonly memory = new WebAssembly.Memory({ initial: 2 });
  readonly read: Uint8Array[] = [];
  readonly ctx: GateContext;

  constructor(fs: Vfs, hooks: GateHooks) {
    const sys = new WasiSystem({
      args: ['guest'], env: [], fs, clock: systemClock, random: (n) => new Uint8Array(n),
      stdout: new OutputStream('stdout', 1 << 20, undefined, true), stderr: new OutputStream('stderr', 1 << 20, undefined, true),
    });
    sys.mem.bind(this.memory);
    this.ctx = { sys, hooks, handlers: WASI_HANDLERS, recordContext: { fuelUsed: 0n } };
  }

  private u8(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  private str(at: number, s: string): [number, number] {
    const b = new TextEncoder().encode(s);
    this.u8().set(b, at);
    return [at, b.length];
  }

  call(name: SyscallName, ...args: (number | bigint)[]): number {
    return secureSyscall(name, args, this.ctx);
  }

  run(o: Op): void {
    const dv = () => new DataView(this.memory.buffer);
    switch (o.op) {
      case 'open': {
        const [p, n] = this.str(1024, o.path);
        this.call('path_open', o.fd, o.follow ? 1 : 0, p, n, o.oflags, o.rights, o.rights, o.fdflags, 64);
        return;
      }
      case 'write': {
        const [p, n] = this.str(2048, 'guest-wrote');
        dv().setUint32(96, p, true);
        dv().setUint32(100, n, true);
        this.call('fd_write', o.fd, 96, 1, 104);
        return;
      }
      case 'read': {
        dv().setUint32(96, 4096, true);
        dv().setUint32(100, 4096, true);
        if (this.call('fd_read', o.fd, 96, 1, 104) === 0) this.read.push(this.u8().slice(4096, 4096 + dv().getUint32(104, true)));
        return;
      }
      case 'truncate': this.call('fd_filestat_set_size', o.fd, 0n); return;
      case 'touch': this.call('fd_filestat_set_times', o.fd, 0n, 0n, 4); return;
      case 'close': this.call('fd_close', o.fd); return;
      case 'symlink': {
        const [t, tn] = this.str(1024, o.target);
        const [p, n] = this.str(1536, o.path);
        this.call('path_symlink', t, tn, o.fd, p, n);
        return;
      }
      case 'link': {
        const [p, n] = this.str(1024, o.path);
        const [q, m] = this.str(1536, o.path2);
        this.call('path_link', o.fd, o.follow ? 1 : 0, p, n, o.fd2, q, m);
        return;
      }
      case 'rename': {
        const [p, n] = this.str(1024, o.path);
        const [q, m] = this.str(1536, o.path2);
        this.call('path_rename', o.fd, p, n, o.fd2, q, m);
        return;
      }
      case 'readlink': {
        const [p, n] = this.str(1024, o.path);
        this.call('path_readlink', o.fd, p, n, 4096, 256, 104);
        return;
      }
      case 'stat': {
        const [p, n] = this.str(1024, o.path);
        this.call('path_filestat_get', o.fd, 1, p, n, 4096);
        return;
      }
      default: {
        const [p, n] = this.str(1024, o.path);
        this.call(o.op === 'mkdir' ? 'path_create_directory' : o.op === 'unlink' ? 'path_unlink_file' : 'path_remove_directory', o.fd, p, n);
      }
    }
  }
}

// ── what the host looks like ──────────────────────────────────────────────────────────────────

/** Every entry under `dir`, never following a link: kind, content digest, link text, mtime, inode. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const p = join(dir, r);
      const st = lstatSync(p, { bigint: true });
      if (st.isSymbolicLink()) out.set(r, `link ${readlinkSync(p)}`);
      else if (st.isDirectory()) { out.set(r, `dir ${st.mtimeNs}`); walk(r); }
      else out.set(r, `file ${createHash('sha256').update(readFileSync(p)).digest('hex')} ${st.mtimeNs} ${st.ino}`);
    }
  };
  walk('');
  return out;
}

/** Entries under `dir` that resolve outside it on the host, as any later reader following links would. */
function escaping(dir: string): Set<string> {
  const root = realpathSync(dir);
  const out = new Set<string>();
  for (const [r, what] of snapshot(dir)) {
    let real: string;
    try {
      real = realpathSync(join(dir, r));
    } catch {
      continue; // dangling: resolves nowhere now; a link's text is checked below
    }
    if (real !== root && !real.startsWith(`${root}/`)) out.add(`${r} ${what.split(' ')[0]}`);
  }
  return out;
}

function inodes(dir: string): Set<bigint> {
  const s = new Set<bigint>();
  for (const [r] of snapshot(dir)) s.add(lstatSync(join(dir, r), { bigint: true }).ino);
  return s;
}

function makeHost(tree: Record<string, HostEntry>): { root: string; rw: string; ro: string; outside: string } {
  const root = mkdtempSync(join(tmpdir(), 'forge-prop-'));
  const outside = join(root, 'outside');
  const rw = join(root, 'rw');
  const ro = join(root, 'ro');
  for (const d of [outside, join(outside, 'd'), rw, ro]) mkdirSync(d);
  writeFileSync(join(outside, 'secret'), SECRET);
  writeFileSync(join(outside, 'd/secret'), SECRET);
  for (const base of [rw, ro]) {
    mkdirSync(join(base, 'sub'), { recursive: true });
    writeFileSync(join(base, 'f'), 'inside');
    for (const [name, e] of Object.entries(tree)) {
      const p = join(base, name);
      try {
        if (e.kind === 'file') writeFileSync(p, `host ${name}`);
        else if (e.kind === 'dir') mkdirSync(p, { recursive: true });
        else symlinkSync(e.target === 'ABS_OUTSIDE' ? join(outside, 'secret') : e.target, p);
      } catch {
        // a name taken by an earlier entry, or under a link: the tree is what it is
      }
    }
  }
  return { root, rw, ro, outside };
}

const allowAll: GateHooks = { decide: () => ({ effect: 'allow', rules: ['test'], reason: 'every call allowed: the sandbox alone confines' }), record: () => {} };

function noHostEscape(tree: Record<string, HostEntry>, ops: Op[], hooks: () => GateHooks): { rwBefore: Map<string, string>; rwAfter: Map<string, string> } {
  const host = makeHost(tree);
  try {
    const outsideBefore = snapshot(host.outside);
    const roBefore = snapshot(host.ro);
    const rwBefore = snapshot(host.rw);
    const escapingBefore = escaping(host.rw);
    const outsideInodes = inodes(host.outside);
    const vfs = new Vfs();
    const rwMount = loadHostDir(vfs, host.rw, '/m');
    const roMount = loadHostDir(vfs, host.ro, '/r', { readonly: true });
    const guest = new ScriptedGuest(vfs, hooks());
    for (const o of ops) {
      try {
        guest.run(o);
      } catch (e) {
        // only a stop (quarantine/denial) may end the script early; anything else is a bug
        if (!(e instanceof GuestStop)) throw e;
        break;
      }
    }
    writeBackHostDir(rwMount);
    writeBackHostDir(roMount);
    const rwAfter = snapshot(host.rw);
    assert.deepEqual(snapshot(host.outside), outsideBefore, 'the outside tree is untouched');
    assert.deepEqual(snapshot(host.ro), roBefore, 'the read-only mount is untouched');
    for (const e of escaping(host.rw)) assert.ok(escapingBefore.has(e), `after write-back ${e} resolves outside the mount (it did not before)`);
    for (const [r] of rwAfter) {
      assert.ok(!outsideInodes.has(lstatSync(join(host.rw, r), { bigint: true }).ino), `${r} is a hard link to a file outside`);
    }
    for (const b of guest.read) assert.ok(!new TextDecoder().decode(b).includes(SECRET), 'the guest read a file from outside the mounts');
    return { rwBefore, rwAfter };
  } finally {
    rmSync(host.root, { recursive: true, force: true });
  }
}

test('property: no host path outside the mounts is read, written, created or linked (every call allowed)', () => {
  fc.assert(fc.property(hostTree, fc.array(op, { minLength: 1, maxLength: 40 }), (tree, ops) => {
    noHostEscape(tree, ops, () => allowAll);
  }), { seed: SEED, numRuns: RUNS });
});

const READ_ONLY_GRANT = parsePolicy({
  version: 1, id: 'read-only-grant', layer: 'platform', unlisted: 'deny', escalation: [],
  rules: [
    { id: 'm.read', effect: 'allow', actions: ['path_open'], resources: { paths: ['/m', '/m/**'] }, conditions: { access: ['read'] } },
    { id: 'm.inspect', effect: 'allow', actions: ['path_filestat_get', 'path_readlink'], resources: { paths: ['/m', '/m/**'] } },
    // every descriptor call, the writing ones too: the descriptor itself must hold the line
    { id: 'fd', effect: 'allow', actions: ['fs.read', 'fs.meta', 'fs.write'] },
  ],
});

test('property: under a read-only grant on a writable mount, nothing in the mount changes', () => {
  fc.assert(fc.property(hostTree, fc.array(op, { minLength: 1, maxLength: 40 }), (tree, ops) => {
    const { rwBefore, rwAfter } = noHostEscape(tree, ops, () => {
      const gate = createTrustGate({ layers: [READ_ONLY_GRANT], subject: { signed: false }, identity: 'prop/ro', clock: systemClock });
      return { decide: (r) => gate.decide(r), record: (r, d, o) => gate.observe(r, d, o) };
    });
    assert.deepEqual(rwAfter, rwBefore, 'a read-only grant changed the mount');
  }), { seed: SEED, numRuns: RUNS });
});
