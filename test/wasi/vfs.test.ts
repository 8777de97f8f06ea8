/**
 * The virtual filesystem below the syscalls: confined path resolution (a property test over
 * random paths with "..", "." and symlinks), quotas, and the Node adapter that loads host
 * directories in and writes changes back without ever following a host symlink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { E } from '../../src/execution/wasi/constants.ts';
import type { DirNode, Inode } from '../../src/execution/wasi/inode.ts';
import { lookup } from '../../src/execution/wasi/resolve.ts';
import { Vfs, fileResize, fileWrite } from '../../src/execution/wasi/vfs.ts';
import { confinedTarget, loadHostDir, writeBackHostDir } from '../../platform/node/fs-mount.ts';
import { scratch } from './forge.ts';

function tree(): { vfs: Vfs; root: DirNode; sub: DirNode } {
  const vfs = new Vfs();
  const m = vfs.mount('/');
  const mk = (parent: DirNode, name: string) => {
    const d = vfs.newDir(m, parent, name);
    parent.entries.set(name, d);
    return d;
  };
  const sub = mk(m.root, 'sub');
  const a = mk(sub, 'a');
  mk(a, 'b');
  a.entries.set('f', vfs.newFile(m, new Uint8Array([1])));
  sub.entries.set('up', vfs.newSymlink(m, '../secret'));
  sub.entries.set('loop', vfs.newSymlink(m, 'loop'));
  sub.entries.set('toa', vfs.newSymlink(m, 'a'));
  sub.entries.set('abs', vfs.newSymlink(m, '/sub'));
  const secret = vfs.newFile(m, new Uint8Array([9]));
  m.root.entries.set('secret', secret);
  return { vfs, root: m.root, sub };
}

/** Is `node` in the subtree of `start` (reached through directory entries, symlinks not followed)? */
function beneath(node: Inode, start: DirNode): boolean {
  const seen = new Set<Inode>();
  const walk = (d: DirNode): void => {
    seen.add(d);
    for (const c of d.entries.values()) if (c.kind === 'dir') walk(c); else seen.add(c);
  };
  walk(start);
  return seen.has(node);
}

test('lookup never leaves its start directory, whatever the path (property)', () => {
  const { sub } = tree();
  const comp = fc.constantFrom('a', 'b', 'f', '.', '..', 'up', 'loop', 'toa', 'abs', 'secret', '');
  fc.assert(fc.property(fc.array(comp, { minLength: 1, maxLength: 12 }), fc.boolean(), (parts, follow) => {
    const path = parts.join('/');
    try {
      const l = lookup(sub, path, follow);
      assert.ok(beneath(l.parent, sub), `${path}: parent escaped`);
      if (l.node !== undefined) assert.ok(beneath(l.node, sub), `${path}: node escaped`);
    } catch (e) {
      assert.ok([E.NOENT, E.NOTDIR, E.NOTCAPABLE, E.LOOP].includes(e as never), `${path}: unexpected ${String(e)}`);
    }
  }), { numRuns: 3000 });
});

test('lookup: "..", absolute paths and symlinks leaving the start are ENOTCAPABLE; loops ELOOP; long names ENAMETOOLONG', () => {
  const { sub } = tree();
  assert.throws(() => lookup(sub, '..', false), (e) => e === E.NOTCAPABLE);
  assert.throws(() => lookup(sub, 'a/../../secret', false), (e) => e === E.NOTCAPABLE);
  assert.throws(() => lookup(sub, '/sub/a', false), (e) => e === E.NOTCAPABLE);
  assert.throws(() => lookup(sub, 'up', true), (e) => e === E.NOTCAPABLE);
  assert.throws(() => lookup(sub, 'abs/a', false), (e) => e === E.NOTCAPABLE);
  assert.throws(() => lookup(sub, 'loop', true), (e) => e === E.LOOP);
  assert.throws(() => lookup(sub, 'x'.repeat(256), false), (e) => e === E.NAMETOOLONG);
  assert.equal(lookup(sub, 'up', false).node?.kind, 'symlink');
  assert.equal(lookup(sub, 'toa/b/..', false).node, lookup(sub, 'a', false).node);
});

test('quotas: bytes and nodes past the limits are ENOSPC; an unlinked file keeps its bytes until its last fd closes', () => {
  const vfs = new Vfs({ limits: { maxBytes: 100, maxInodes: 4 } });
  const m = vfs.mount('/');
  const f = vfs.newFile(m);
  fileWrite(f, 0, new Uint8Array(60));
  assert.throws(() => fileWrite(f, 60, new Uint8Array(41)), (e) => e === E.NOSPC);
  assert.equal(f.size, 60);
  fileResize(f, 10);
  assert.equal(vfs.bytes, 10);
  vfs.newDir(m, m.root, 'a');
  vfs.newSymlink(m, 'x');
  assert.throws(() => vfs.newFile(m), (e) => e === E.NOSPC);
  f.opens = 1;
  vfs.unref(f);
  assert.equal(vfs.bytes, 11, 'the 10 bytes are still held by an open fd');
  f.opens = 0;
  vfs.release(f);
  assert.equal(vfs.bytes, 1);
});

test('confinedTarget: only relative targets that stay inside the mounted directory', () => {
  assert.ok(confinedTarget('', 'a/b'));
  assert.ok(confinedTarget('x/y', '../z'));
  assert.ok(!confinedTarget('', '../z'));
  assert.ok(!confinedTarget('x', '../../z'));
  assert.ok(!confinedTarget('', '/etc/passwd'));
  assert.ok(!confinedTarget('', ''));
});

test('loadHostDir / writeBackHostDir: contents, nanosecond times and hard links in; only changes out', () => {
  const host = scratch();
  mkdirSync(join(host, 'd'));
  writeFileSync(join(host, 'd/f'), 'hello');
  linkSync(join(host, 'd/f'), join(host, 'hard'));
  writeFileSync(join(host, 'keep'), 'unchanged');
  symlinkSync('d/f', join(host, 'rel'));
  symlinkSync('/etc/passwd', join(host, 'abs'));
  utimesSync(join(host, 'keep'), 1_000_000, 1_000_000.5);
  const vfs = new Vfs();
  const hm = loadHostDir(vfs, host, '/');
  assert.deepEqual(hm.refused, ['abs → /etc/passwd (a symlink pointing outside the mounted directory)']);
  const root = hm.mount.root;
  const f = (root.entries.get('d') as DirNode).entries.get('f')!;
  assert.equal(f, root.entries.get('hard'), 'host hard links share one node');
  assert.equal(f.nlink, 2);
  assert.equal(root.entries.get('keep')!.mtim, statSync(join(host, 'keep'), { bigint: true }).mtimeNs);
  // nothing changed: nothing written
  assert.deepEqual(writeBackHostDir(hm), { written: [], removed: [], skipped: [] });
  // change, add, delete, rename
  if (f.kind === 'file') fileWrite(f, 5, new TextEncoder().encode(' world'));
  root.entries.delete('keep');
  const moved = root.entries.get('rel')!;
  root.entries.delete('rel');
  root.entries.set('rel2', moved);
  const nf = vfs.newFile(hm.mount, new TextEncoder().encode('new'));
  root.entries.set('new', nf);
  const report = writeBackHostDir(hm);
  assert.deepEqual(report.removed.sort(), ['keep', 'rel']);
  assert.equal(readFileSync(join(host, 'd/f'), 'utf8'), 'hello world');
  assert.equal(statSync(join(host, 'd/f')).ino, statSync(join(host, 'hard')).ino, 'still one file with two names');
  assert.equal(readFileSync(join(host, 'new'), 'utf8'), 'new');
  assert.ok(lstatSync(join(host, 'rel2')).isSymbolicLink());
  assert.ok(lstatSync(join(host, 'abs')).isSymbolicLink(), 'a refused host entry is left alone');
  assert.deepEqual(readdirSync(host).sort(), ['abs', 'd', 'hard', 'new', 'rel2']);
});

test('a read-only mount is never written back', () => {
  const host = scratch();
  writeFileSync(join(host, 'f'), 'x');
  const vfs = new Vfs();
  const hm = loadHostDir(vfs, host, '/ro', { readonly: true });
  hm.mount.root.entries.delete('f');
  assert.deepEqual(writeBackHostDir(hm), { written: [], removed: [], skipped: [] });
  assert.equal(readFileSync(join(host, 'f'), 'utf8'), 'x');
});
