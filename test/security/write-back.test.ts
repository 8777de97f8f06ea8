/**
 * Attacks on write-back (Node host directories), through `forge run` as a user runs it: symlink
 * chains that read as confined but resolve outside, overlapping mounts, and a run stopped by
 * quarantine that must leave the host directory untouched.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDisjointMounts, hostSafeLinkTarget } from '../../platform/node/fs-mount.ts';
import { fixture, fixturesReady, forge, scratch } from '../wasi/forge.ts';

before(async () => {
  await fixturesReady();
});

/** Every path under `dir` that resolves outside `dir` (following links on the host, as any later reader would). */
function escapes(dir: string): string[] {
  const root = realpathSync(dir);
  const out: string[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    let real: string;
    try {
      real = realpathSync(p);
    } catch {
      if (lstatSync(p).isSymbolicLink()) out.push(`${name} -> ${readlinkSync(p)} (dangling)`);
      continue;
    }
    if (real !== root && !real.startsWith(`${root}/`)) out.push(`${name} -> ${real}`);
  }
  return out;
}

test('write-back: a chain of guest links that reads as inside (a -> ., b -> a/..) is never created on the host', () => {
  const host = scratch();
  const data = join(host, 'data');
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(data, 'sub/file'), 'x');
  writeFileSync(join(host, 'escape'), 'outside');
  const r = forge(['run', fixture('attack-link-chain'), '--allow-unsigned', '--policy', 'permissive', '--dir', `${data}::/data`, '--data-dir', scratch()]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(escapes(data), []);
  assert.ok(!existsSync(join(data, 'b')) && !existsSync(join(data, 'c')) && !existsSync(join(data, 'd')), readdirSync(data).join(','));
  // the harmless ones are kept: a -> . and e -> sub/file descend
  assert.equal(readlinkSync(join(data, 'a')), '.');
  assert.equal(readlinkSync(join(data, 'e')), 'sub/file');
  // c and d the sandbox refuses at path_symlink already; b it allows (inside the guest's tree it is confined)
  assert.match(r.stderr, /warning: not written back: b → a\/\.\. /);
});

test('hostSafeLinkTarget: only relative targets that never climb', () => {
  for (const ok of ['x', 'sub/file', './x', 'a/b/', '.']) assert.equal(hostSafeLinkTarget(ok), true, ok);
  for (const bad of ['', '/etc/passwd', '..', '../x', 'a/..', 'a/../b', 'a//b', 'a/./../..']) assert.equal(hostSafeLinkTarget(bad), false, bad);
});

test('overlapping host directories are refused when either is read-write', () => {
  const host = scratch();
  mkdirSync(join(host, 'outer/inner'), { recursive: true });
  const outer = join(host, 'outer');
  const inner = join(outer, 'inner');
  assert.throws(() => checkDisjointMounts([{ host: outer, readonly: false }, { host: inner, readonly: false }]), /overlap/);
  assert.throws(() => checkDisjointMounts([{ host: inner, readonly: false }, { host: outer, readonly: true }]), /overlap/);
  assert.throws(() => checkDisjointMounts([{ host: outer, readonly: false }, { host: `${outer}/`, readonly: false }]), /overlap/);
  checkDisjointMounts([{ host: outer, readonly: true }, { host: inner, readonly: true }]);
  checkDisjointMounts([{ host: join(host, 'outer'), readonly: false }, { host: join(host, 'outerx'), readonly: false }]);
  const r = forge(['run', fixture('wasi-proc'), '--allow-unsigned', '--policy', 'permissive', '--dir', `${outer}::/o`, '--dir', `${inner}::/i`, '--data-dir', scratch(), '--', 'exit', '0']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /error BAD_REQUEST: host directories .* overlap/);
});

test('a run that ends quarantined writes nothing back to the host', () => {
  const host = scratch();
  const policy = join(host, 'probe.json');
  writeFileSync(policy, JSON.stringify({
    version: 1, id: 'probe', layer: 'platform', unlisted: 'deny',
    rules: [
      { id: 'out', effect: 'allow', actions: ['path_open'], resources: { paths: ['/data/out.txt'] } },
      { id: 'write', effect: 'allow', actions: ['fd_write'] },
      { id: 'exit', effect: 'allow', actions: ['proc_exit'] },
    ],
    escalation: [{ below: 90, action: 'quarantine' }],
  }));
  const data = join(host, 'data');
  mkdirSync(data);
  const r = forge(['run', fixture('attack-write-then-probe'), '--allow-unsigned', '--policy', policy, '--dir', `${data}::/data`, '--data-dir', scratch()]);
  assert.equal(r.code, 125, r.stderr);
  assert.match(r.stderr, /quarantined/);
  assert.match(r.stderr, /its file changes were not written back/);
  assert.deepEqual(readdirSync(data), []);
});

test('write-back: a descending guest link through a host link that was never mounted (it points outside) is not created', async () => {
  const { Vfs } = await import('../../src/execution/wasi/vfs.ts');
  const { loadHostDir, writeBackHostDir } = await import('../../platform/node/fs-mount.ts');
  const host = scratch();
  const data = join(host, 'data');
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(host, 'secret'), 'outside');
  symlinkSync(join(host, 'secret'), join(data, 'sub/sub')); // refused at load: the guest never sees it
  const vfs = new Vfs();
  const hm = loadHostDir(vfs, data, '/data');
  assert.equal(hm.refused.length, 1);
  const sub = hm.mount.root.entries.get('sub');
  assert.ok(sub?.kind === 'dir');
  const link = vfs.newSymlink(hm.mount, 'sub'); // sub/l -> sub: inside the guest's tree, sub/sub on the host
  link.changed = true;
  sub.entries.set('l', link);
  const report = writeBackHostDir(hm);
  assert.ok(!existsSync(join(data, 'sub/l')) && !lstatExists(join(data, 'sub/l')), 'sub/l was created');
  assert.match(report.skipped.join('\n'), /sub\/l → sub \(on the host it would resolve outside/);
});

function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

test('the kernel\'s own state and this run\'s trace, inside a mounted directory, are neither seen nor written by the guest', async () => {
  const { verifyTrace } = await import('../../src/dna/index.ts');
  const { resolveCrypto } = await import('../../src/crypto/noble.ts');
  const cwd = scratch();
  const args = ['run', fixture('attack-kernel-state'), '--allow-unsigned', '--policy', 'permissive', '--dir', '.::/', '--trace', 't.jsonl'];
  // the first run creates the kernel key in ./.forge (the default --data-dir), the second is mounted over it
  assert.equal(forge(args, { cwd }).code, 0);
  const key = readFileSync(join(cwd, '.forge/kernel-key.json'), 'utf8');
  const r = forge(args, { cwd });
  assert.equal(r.code, 0, `exit 10 means the guest read the kernel key: ${r.stderr}`);
  assert.equal(readFileSync(join(cwd, '.forge/kernel-key.json'), 'utf8'), key, 'the kernel key is unchanged');
  const trace = readFileSync(join(cwd, 't.jsonl'), 'utf8');
  assert.notEqual(trace, 'forged\n');
  const report = await verifyTrace(trace, { crypto: resolveCrypto(undefined) });
  assert.equal(report.status, 'ok', report.message);
  assert.match(r.stderr, /warning: not mounted: \.forge \(the kernel's own state/);
  assert.match(r.stderr, /warning: not written back: \.forge\/kernel-key\.json|warning: not written back: \.forge /);
  // mounting the state directory itself is refused
  const own = forge(['run', fixture('wasi-proc'), '--allow-unsigned', '--policy', 'permissive', '--dir', '.forge::/s', '--', 'exit', '0'], { cwd });
  assert.notEqual(own.code, 0);
  assert.match(own.stderr, /error BAD_REQUEST: --dir \.forge is the kernel's own state/);
});

test('a host name that is not UTF-8 is not mounted (reported), and the run goes on', () => {
  const host = scratch();
  const data = join(host, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'ok.txt'), 'x');
  writeFileSync(Buffer.concat([Buffer.from(`${data}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]), 'y');
  const r = forge(['run', fixture('wasi-proc'), '--allow-unsigned', '--policy', 'permissive', '--dir', `${data}::/data`, '--data-dir', scratch(), '--', 'exit', '0']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: not mounted: bad-.*\(a name that is not UTF-8\)/);
});
