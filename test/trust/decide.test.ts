/**
 * Table-driven decisions: each rule kind, narrowing-only layers, deny over allow, monitor vs
 * enforce. Every row names the graph, the request, the subject and the expected decision.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { compileChecked } from '../../src/trust/compile.ts';
import { compilePolicy, decide, type PolicyDocument, type Subject } from '../../src/trust/index.ts';
import { allow, anon, deny, layer, req } from './helpers.ts';

interface Row {
  name: string;
  graph: PolicyDocument[];
  request: SyscallRequest;
  subject?: Subject;
  effect: 'allow' | 'deny';
  rules: string[];
  monitored?: boolean;
  reason?: RegExp;
}

function run(rows: Row[], compile: (g: PolicyDocument[]) => ReturnType<typeof compilePolicy> = compilePolicy): void {
  for (const r of rows) {
    it(r.name, () => {
      const d = decide(compile(r.graph), r.request, r.subject ?? anon);
      assert.equal(d.effect, r.effect, d.reason);
      assert.deepEqual(d.rules, r.rules, d.reason);
      assert.equal(d.monitored === true, r.monitored === true, d.reason);
      if (r.reason) assert.match(d.reason, r.reason);
      assert.doesNotMatch(d.reason, /\n/);
      assert.match(d.reason, /\.$/, 'a reason is one sentence');
    });
  }
}

const P = (rules: Parameters<typeof layer>[2], extra = {}) => layer('platform', 'plat', rules, extra);

describe('rule kinds', () => {
  run([
    { name: 'a syscall name matches that syscall', graph: [P([allow('w', ['fd_write'])])], request: req('fd_write', { fd: 3 }), effect: 'allow', rules: ['w'] },
    { name: 'nothing else: default deny names the layer', graph: [P([allow('w', ['fd_write'])])], request: req('fd_read', { fd: 3 }), effect: 'deny', rules: [], reason: /denied by default: layer "plat"/ },
    { name: 'a group matches the group the sandbox states', graph: [P([allow('c', ['clock'])])], request: req('poll_oneoff'), effect: 'allow', rules: ['c'] },
    { name: 'a group matches a refined group (fd_write on stdout is stdio)', graph: [P([allow('s', ['stdio'])])], request: req('fd_write', { group: 'stdio', fd: 1 }), effect: 'allow', rules: ['s'] },
    { name: 'a group does not match the same syscall in another group', graph: [P([allow('s', ['stdio'])])], request: req('fd_write', { fd: 4 }), effect: 'deny', rules: [] },
    { name: '"*" matches every syscall', graph: [P([allow('all', ['*']), deny('nonet', ['net'])])], request: req('sched_yield'), effect: 'allow', rules: ['all'] },
    { name: 'an unknown syscall is denied', graph: [P([allow('all', ['*'])])], request: { syscall: 'fd_frobnicate', group: 'fs.read' } as unknown as SyscallRequest, effect: 'deny', rules: [], reason: /not a known syscall/ },
  ]);
});

describe('path resources', () => {
  const g = [P([allow('one', ['path_open'], { resources: { paths: ['/data/*'] } }), allow('tree', ['path_filestat_get'], { resources: { paths: ['/data/**'] } }),
    allow('q', ['path_readlink'], { resources: { paths: ['/l/a?c'] } }), allow('mv', ['path_rename'], { resources: { paths: ['/tmp/**'] } })])];
  run([
    { name: '* matches one segment', graph: g, request: req('path_open', { path: '/data/a.txt' }), effect: 'allow', rules: ['one'] },
    { name: '* does not cross "/"', graph: g, request: req('path_open', { path: '/data/a/b' }), effect: 'deny', rules: [] },
    { name: '/** matches the directory itself', graph: g, request: req('path_filestat_get', { path: '/data' }), effect: 'allow', rules: ['tree'] },
    { name: '/** matches any depth', graph: g, request: req('path_filestat_get', { path: '/data/a/b/c' }), effect: 'allow', rules: ['tree'] },
    { name: '/** does not match a sibling prefix', graph: g, request: req('path_filestat_get', { path: '/database' }), effect: 'deny', rules: [] },
    { name: '? matches one character', graph: g, request: req('path_readlink', { path: '/l/abc' }), effect: 'allow', rules: ['q'] },
    { name: '? does not match two', graph: g, request: req('path_readlink', { path: '/l/abbc' }), effect: 'deny', rules: [] },
    { name: 'an allow needs every path of a two-path call inside its globs', graph: g, request: req('path_rename', { path: '/tmp/a', path2: '/etc/a' }), effect: 'deny', rules: [] },
    { name: 'both inside: allowed', graph: g, request: req('path_rename', { path: '/tmp/a', path2: '/tmp/b' }), effect: 'allow', rules: ['mv'] },
    { name: 'an allow without paths does not match a call that names a path', graph: [P([allow('open', ['path_open'])])], request: req('path_open', { path: '/x' }), effect: 'deny', rules: [] },
    { name: 'a path that is not normalized is refused', graph: [P([allow('all', ['path_open'], { resources: { paths: ['/**'] } })])], request: req('path_open', { path: '/data/../etc/passwd' }), effect: 'deny', rules: [], reason: /not a normalized/ },
    { name: 'a guest path with a newline keeps the reason on one line', graph: [P([allow('all', ['path_open'], { resources: { paths: ['/**'] } })])], request: req('path_open', { path: '/a\nb' }), effect: 'allow', rules: ['all'], reason: /"\/a\\nb"/ },
    { name: 'the root glob "/" matches only the root', graph: [P([allow('root', ['path_filestat_get'], { resources: { paths: ['/'] } })])], request: req('path_filestat_get', { path: '/' }), effect: 'allow', rules: ['root'] },
    { name: 'a deny with paths matches when any carried path matches', graph: [P([allow('mv', ['path_rename'], { resources: { paths: ['/**'] } }), deny('etc', ['path_rename'], { resources: { paths: ['/etc/**'] } })])],
      request: req('path_rename', { path: '/tmp/a', path2: '/etc/passwd' }), effect: 'deny', rules: ['etc'] },
  ]);
});

describe('env, fds and conditions', () => {
  const g = [P([
    allow('home', ['environ_get'], { resources: { env: ['HOME', 'LC_*'] } }),
    allow('out', ['fd_write'], { resources: { fds: [1, 2] }, conditions: { bytes: { max: 4096 } } }),
    allow('ro', ['path_open'], { resources: { paths: ['/data/**'] }, conditions: { access: ['read'] } }),
  ])];
  run([
    { name: 'an env name listed exactly', graph: g, request: req('environ_get', { env: 'HOME' }), effect: 'allow', rules: ['home'] },
    { name: 'an env glob', graph: g, request: req('environ_get', { env: 'LC_ALL' }), effect: 'allow', rules: ['home'] },
    { name: 'an env name not listed', graph: g, request: req('environ_get', { env: 'AWS_SECRET_ACCESS_KEY' }), effect: 'deny', rules: [] },
    { name: 'env rules do not match the call without a name', graph: g, request: req('environ_get'), effect: 'deny', rules: [] },
    { name: 'an fd listed, bytes within the condition', graph: g, request: req('fd_write', { fd: 2, bytes: 100 }), effect: 'allow', rules: ['out'] },
    { name: 'an fd not listed', graph: g, request: req('fd_write', { fd: 5, bytes: 100 }), effect: 'deny', rules: [] },
    { name: 'bytes above the condition', graph: g, request: req('fd_write', { fd: 1, bytes: 4097 }), effect: 'deny', rules: [] },
    { name: 'a condition on a fact the request lacks never matches', graph: g, request: req('fd_write', { fd: 1 }), effect: 'deny', rules: [] },
    { name: 'access read', graph: g, request: req('path_open', { path: '/data/x', access: 'read' }), effect: 'allow', rules: ['ro'] },
    { name: 'access write', graph: g, request: req('path_open', { path: '/data/x', access: 'write' }), effect: 'deny', rules: [] },
  ]);
});

describe('subjects', () => {
  const g = [P([
    allow('acme-only', ['random_get'], { subject: { tenant: 'acme' } }),
    allow('signed-tool', ['clock_time_get'], { subject: { packageName: 'tool', signed: true, signer: 'k1' } }),
    allow('gpu', ['sched_yield'], { subject: { labels: { tier: 'gpu' } } }),
  ])];
  run([
    { name: 'a tenant clause', graph: g, request: req('random_get'), subject: { signed: false, tenant: 'acme' }, effect: 'allow', rules: ['acme-only'] },
    { name: 'another tenant', graph: g, request: req('random_get'), subject: { signed: false, tenant: 'other' }, effect: 'deny', rules: [] },
    { name: 'a missing subject fact never matches', graph: g, request: req('random_get'), subject: { signed: false }, effect: 'deny', rules: [] },
    { name: 'name, signed and signer together', graph: g, request: req('clock_time_get'), subject: { signed: true, signer: 'k1', packageName: 'tool' }, effect: 'allow', rules: ['signed-tool'] },
    { name: 'same name, another signer', graph: g, request: req('clock_time_get'), subject: { signed: true, signer: 'k2', packageName: 'tool' }, effect: 'deny', rules: [] },
    { name: 'a label', graph: g, request: req('sched_yield'), subject: { signed: false, labels: { tier: 'gpu', x: 'y' } }, effect: 'allow', rules: ['gpu'] },
    { name: 'a label with another value', graph: g, request: req('sched_yield'), subject: { signed: false, labels: { tier: 'cpu' } }, effect: 'deny', rules: [] },
  ]);
});

describe('layers only narrow', () => {
  const plat = P([allow('data', ['path_open'], { resources: { paths: ['/data/**'] } }), allow('clock', ['clock'])]);
  const tenant = layer('tenant', 'acme', [allow('pub', ['path_open'], { resources: { paths: ['/data/pub/**'] } })]);
  run([
    { name: 'allowed by every layer: both rules named', graph: [plat, tenant], request: req('path_open', { path: '/data/pub/a' }), effect: 'allow', rules: ['data', 'pub'], reason: /rule "data" of layer "plat" and rule "pub" of layer "acme"/ },
    { name: 'allowed above, not below: denied by the lower layer', graph: [plat, tenant], request: req('path_open', { path: '/data/priv/a' }), effect: 'deny', rules: [], reason: /layer "acme" has no rule/ },
    { name: 'a lower layer passes through actions it does not list (unlisted: inherit)', graph: [plat, tenant], request: req('clock_time_get'), effect: 'allow', rules: ['clock'] },
    { name: 'unlisted: deny refuses them', graph: [plat, layer('tenant', 'acme', tenant.rules, { unlisted: 'deny' })], request: req('clock_time_get'), effect: 'deny', rules: [], reason: /layer "acme"/ },
    { name: 'a deny-only lower layer narrows without re-granting', graph: [plat, layer('package', 'pkg', [deny('no-secret', ['path_open'], { resources: { paths: ['/data/secret/**'] } })])],
      request: req('path_open', { path: '/data/other' }), effect: 'allow', rules: ['data'] },
  ]);
  // The validator refuses widening graphs; compiled anyway, a lower allow still grants nothing the parents do not.
  run([
    { name: 'a lower allow of an action the root never grants: still denied', graph: [plat, layer('run', 'r', [allow('net', ['sock_send'])])], request: req('sock_send', { fd: 3 }), effect: 'deny', rules: [], reason: /layer "plat"/ },
    { name: 'a lower allow of a path outside the parent: still denied', graph: [plat, layer('run', 'r', [allow('etc', ['path_open'], { resources: { paths: ['/etc/**'] } })])], request: req('path_open', { path: '/etc/passwd' }), effect: 'deny', rules: [] },
  ], (g) => compileChecked(g, []));
});

describe('deny beats allow', () => {
  const same = P([allow('data', ['path_open'], { resources: { paths: ['/data/**'] } }), deny('secret', ['path_open'], { resources: { paths: ['/data/secret/**'] } })]);
  run([
    { name: 'in one layer', graph: [same], request: req('path_open', { path: '/data/secret/k' }), effect: 'deny', rules: ['secret'], reason: /deny beats allow/ },
    { name: 'the allow still works beside it', graph: [same], request: req('path_open', { path: '/data/open' }), effect: 'allow', rules: ['data'] },
    { name: 'a platform deny over a lower allow', graph: [P([allow('all', ['random']), deny('no-rand', ['random_get'])]), layer('tenant', 't', [allow('r', ['random_get'])])], request: req('random_get'), effect: 'deny', rules: ['no-rand'] },
    { name: 'a lower deny over a platform allow', graph: [P([allow('all', ['random'])]), layer('tenant', 't', [deny('no-rand', ['random_get'])])], request: req('random_get'), effect: 'deny', rules: ['no-rand'] },
    { name: 'every matching deny is named, in graph order', graph: [P([allow('all', ['random']), deny('d1', ['random'])]), layer('tenant', 't', [deny('d2', ['random_get'])])], request: req('random_get'), effect: 'deny', rules: ['d1', 'd2'] },
  ]);
});

describe('deny beats allow for everything a rename moves (F4)', () => {
  // The review's attack: /m/** allowed, /m/a/secret/** denied. Renaming /m/a → /m/b named neither a
  // denied path nor one below a deny, yet moved /m/a/secret/key to /m/b/secret/key, which nothing
  // denies; the guest read and overwrote it and renamed /m/b back. A rename moves (or replaces) a
  // whole subtree, so a deny matches it when its glob can match a path below either of its paths.
  const g = [P([allow('m-all', ['*'], { resources: { paths: ['/m/**'] } }), deny('no-secret', ['*'], { resources: { paths: ['/m/a/secret/**'] } }),
    allow('fds', ['*'])])];
  const rename = (path: string, path2: string) => req('path_rename', { path, path2 });
  run([
    { name: 'opening the secret is denied', graph: g, request: req('path_open', { path: '/m/a/secret/key', access: 'read' }), effect: 'deny', rules: ['no-secret'] },
    { name: 'renaming the parent of the denied directory is denied', graph: g, request: rename('/m/a', '/m/b'), effect: 'deny', rules: ['no-secret'], reason: /deny beats allow/ },
    { name: 'renaming the grandparent too', graph: g, request: rename('/m', '/n'), effect: 'deny', rules: ['no-secret'] },
    { name: 'renaming onto the parent (it replaces an empty directory there) is denied', graph: g, request: rename('/m/x', '/m/a'), effect: 'deny', rules: ['no-secret'] },
    { name: 'renaming the denied directory itself stays denied', graph: g, request: rename('/m/a/secret', '/m/s'), effect: 'deny', rules: ['no-secret'] },
    { name: 'a rename beside the deny is allowed', graph: g, request: rename('/m/c', '/m/d'), effect: 'allow', rules: ['m-all'] },
    { name: 'a rename inside /m/a but not holding the secret is allowed', graph: g, request: rename('/m/a/other', '/m/a/other2'), effect: 'allow', rules: ['m-all'] },
    { name: 'a sibling that only shares a name prefix is allowed', graph: g, request: rename('/m/ab', '/m/b'), effect: 'allow', rules: ['m-all'] },
    { name: 'opening the parent is no move: allowed', graph: g, request: req('path_open', { path: '/m/a', access: 'read' }), effect: 'allow', rules: ['m-all'] },
    // path_remove_directory removes only an empty directory: nothing below it moves or goes.
    { name: 'removing the parent (only ever an empty one) is allowed', graph: g, request: req('path_remove_directory', { path: '/m/a' }), effect: 'allow', rules: ['m-all'] },
  ]);
  const wild = [P([allow('m-all', ['path_rename'], { resources: { paths: ['/m/**', '/k/**'] } }), deny('x-any', ['path_rename'], { resources: { paths: ['/m/**/x'] } }),
    deny('k', ['fs.write'], { resources: { paths: ['/k/*/key', '/k/**/z/*.pem'] } })])];
  run([
    { name: 'a deny with "**" before its last segment is alive below anything under its prefix', graph: wild, request: rename('/m/p/q', '/m/r'), effect: 'deny', rules: ['x-any'] },
    { name: '... and below its literal prefix itself', graph: wild, request: rename('/m', '/n'), effect: 'deny', rules: ['x-any'] },
    { name: 'a "*" segment: alive one level up', graph: wild, request: rename('/k/a', '/k/b'), effect: 'deny', rules: ['k'] },
    { name: 'a "*" segment: dead below the file it names', graph: [P([allow('all', ['path_rename'], { resources: { paths: ['/**'] } }), deny('k', ['path_rename'], { resources: { paths: ['/k/*/key'] } })])],
      request: rename('/k/a/key2', '/k/a/key3'), effect: 'allow', rules: ['all'] },
    { name: 'a deny rule of a lower layer too', graph: [P([allow('all', ['path_rename'], { resources: { paths: ['/**'] } })]), layer('run', 'r', [deny('no-ssh', ['path_rename'], { resources: { paths: ['/home/u/.ssh/**'] } })])],
      request: rename('/home/u', '/home/v'), effect: 'deny', rules: ['no-ssh'] },
    { name: 'allow rules are unchanged: an allow of the secret subtree grants no rename of its parent', graph: [P([allow('s', ['path_rename'], { resources: { paths: ['/m/a/**'] } })])],
      request: rename('/m', '/n'), effect: 'deny', rules: [] },
  ]);
});

describe('monitor vs enforce', () => {
  const plat = P([allow('data', ['path_open'], { resources: { paths: ['/data/**'] } })]);
  const narrow = (mode: 'enforce' | 'monitor') => layer('tenant', 'rollout', [allow('pub', ['path_open'], { resources: { paths: ['/data/pub/**'] } }),
    deny('keys', ['path_open'], { resources: { paths: ['/data/keys/**'] } })], { mode });
  run([
    { name: 'enforce: not granted by the new layer → denied', graph: [plat, narrow('enforce')], request: req('path_open', { path: '/data/x' }), effect: 'deny', rules: [] },
    { name: 'monitor: the same request is allowed and marked', graph: [plat, narrow('monitor')], request: req('path_open', { path: '/data/x' }), effect: 'allow', rules: ['data'], monitored: true, reason: /monitor mode; it would deny it by default/ },
    { name: 'enforce: an explicit deny', graph: [plat, narrow('enforce')], request: req('path_open', { path: '/data/keys/a' }), effect: 'deny', rules: ['keys'] },
    { name: 'monitor: the would-be deny rule is named in the reason', graph: [plat, narrow('monitor')], request: req('path_open', { path: '/data/keys/a' }), effect: 'allow', rules: ['data'], monitored: true, reason: /would deny it by rule "keys"/ },
    { name: 'monitor: what it allows is not marked', graph: [plat, narrow('monitor')], request: req('path_open', { path: '/data/pub/a' }), effect: 'allow', rules: ['data', 'pub'] },
    { name: 'monitor never grants what an enforcing layer denies', graph: [plat, narrow('monitor')], request: req('path_open', { path: '/etc/passwd' }), effect: 'deny', rules: [], reason: /layer "plat"/ },
  ]);
});

describe('decisions are pure', () => {
  it('the same request gives the same decision, in any order, for distinct subjects', () => {
    const c = compilePolicy([P([allow('a', ['random'], { subject: { tenant: 'x' } })])]);
    const x: Subject = { signed: false, tenant: 'x' };
    const y: Subject = { signed: false, tenant: 'y' };
    const first = [decide(c, req('random_get'), x), decide(c, req('random_get'), y)];
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(decide(c, req('random_get'), y), first[1]);
      assert.deepEqual(decide(c, req('random_get'), x), first[0]);
    }
    assert.equal(first[0]!.effect, 'allow');
    assert.equal(first[1]!.effect, 'deny');
  });

  it('a graph with no layer denies everything', () => {
    assert.equal(decide(compilePolicy([]), req('proc_exit'), anon).effect, 'deny');
  });
});
