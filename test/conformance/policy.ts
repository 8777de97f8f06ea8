/**
 * The policy graph in every host: one decision table (each row a request, a subject and the
 * expected effect and rule ids), the built-in policies, rate limits on an injected clock,
 * escalation to quarantine through the host's own store, and signed release. Web standards only.
 */
import { generateKeyPair } from '../../src/crypto/keys.ts';
import { DEFAULT_GROUP, type SyscallName } from '../../src/ports/syscalls.ts';
import type { SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { manualClock } from '../../src/ports/clock.ts';
import type { QuarantineStore } from '../../src/ports/quarantine-store.ts';
import { memoryQuarantineStore } from '../../src/stores/memory.ts';
import {
  assertLaunchAllowed, builtinPolicy, compilePolicy, createTrustGate, decide, identityOf, parsePolicy, releaseQuarantine, signRelease, RELEASE_TYPE,
  type PolicyDocument, type Subject,
} from '../../src/trust/index.ts';
import { assert, assertEqual, assertRejects, type ConformanceCase, type ConformanceEnv } from './harness.ts';

const r = (syscall: SyscallName, more: Partial<SyscallRequest> = {}): SyscallRequest => ({ syscall, group: DEFAULT_GROUP[syscall], ...more });

const GRAPH: PolicyDocument[] = [
  parsePolicy({
    version: 1, id: 'platform', layer: 'platform',
    rules: [
      { id: 'p.stdio', effect: 'allow', actions: ['stdio'] },
      { id: 'p.clock', effect: 'allow', actions: ['clock', 'random'] },
      { id: 'p.data', effect: 'allow', actions: ['path_open', 'path_filestat_get'], resources: { paths: ['/data/**'] } },
      { id: 'p.env', effect: 'allow', actions: ['environ_get'], resources: { env: ['LANG', 'LC_*'] } },
      { id: 'p.no-keys', effect: 'deny', actions: ['fs.read', 'path_open'], resources: { paths: ['/data/**/*.key'] } },
      { id: 'p.small-writes', effect: 'allow', actions: ['fd_write'], resources: { fds: [3, 4] }, conditions: { bytes: { max: 1024 } } },
    ],
  }),
  parsePolicy({
    version: 1, id: 'tenant-acme', layer: 'tenant',
    rules: [{ id: 't.acme-data', effect: 'allow', actions: ['path_open'], subject: { tenant: 'acme' }, resources: { paths: ['/data/acme/**'] }, conditions: { access: ['read'] } }],
  }),
  parsePolicy({
    version: 1, id: 'pkg-rollout', layer: 'package', mode: 'monitor',
    rules: [{ id: 'k.no-random', effect: 'deny', actions: ['random_get'], subject: { packageName: 'tool' } }],
  }),
];

const ACME: Subject = { signed: true, signer: 'k1', tenant: 'acme', packageName: 'tool' };
const OTHER: Subject = { signed: false, tenant: 'other', packageName: 'app' };

/** [request, subject, effect (with "monitored"), rule ids] */
const TABLE: Array<[SyscallRequest, Subject, 'allow' | 'deny' | 'monitored', string[]]> = [
  [r('fd_write', { group: 'stdio', fd: 1, bytes: 10 }), ACME, 'allow', ['p.stdio']],
  [r('clock_time_get'), OTHER, 'allow', ['p.clock']],
  [r('path_open', { path: '/data/acme/a.txt', access: 'read' }), ACME, 'allow', ['p.data', 't.acme-data']],
  [r('path_open', { path: '/data/acme/a.txt', access: 'write' }), ACME, 'deny', []],
  [r('path_open', { path: '/data/shared/x', access: 'read' }), ACME, 'deny', []],
  [r('path_open', { path: '/data/shared/x', access: 'read' }), OTHER, 'allow', ['p.data']],
  [r('path_open', { path: '/data/acme/deep/id.key', access: 'read' }), ACME, 'deny', ['p.no-keys']],
  [r('path_open', { path: '/etc/passwd', access: 'read' }), OTHER, 'deny', []],
  [r('path_open', { path: '/data/../etc/passwd', access: 'read' }), OTHER, 'deny', []],
  [r('path_filestat_get', { path: '/data' }), OTHER, 'allow', ['p.data']],
  [r('environ_get', { env: 'LC_ALL' }), OTHER, 'allow', ['p.env']],
  [r('environ_get', { env: 'AWS_SECRET_ACCESS_KEY' }), OTHER, 'deny', []],
  [r('fd_write', { fd: 3, bytes: 1024 }), OTHER, 'allow', ['p.small-writes']],
  [r('fd_write', { fd: 3, bytes: 1025 }), OTHER, 'deny', []],
  [r('fd_write', { fd: 5, bytes: 1 }), OTHER, 'deny', []],
  [r('random_get', { bytes: 16 }), ACME, 'monitored', ['p.clock']],
  [r('random_get', { bytes: 16 }), OTHER, 'allow', ['p.clock']],
  [r('sock_send', { fd: 3, bytes: 1 }), ACME, 'deny', []],
];

async function quarantineStoreOf(env: ConformanceEnv): Promise<QuarantineStore> {
  return env.makeStores ? (await env.makeStores()).quarantine : memoryQuarantineStore();
}

export const policyCases: ConformanceCase[] = [
  {
    name: 'policy: the decision table decides the same in every host',
    async run() {
      const c = compilePolicy(GRAPH);
      TABLE.forEach(([req, subject, want, rules], i) => {
        const d = decide(c, req, subject);
        const got = d.effect === 'allow' && d.monitored ? 'monitored' : d.effect;
        assertEqual(`${got} [${d.rules.join(',')}]`, `${want} [${rules.join(',')}]`, `row ${i} (${req.syscall} ${req.path ?? req.env ?? ''}): ${d.reason}`);
      });
    },
  },
  {
    name: 'policy: built-in baseline, permissive and strict decide the same in every host',
    async run() {
      const grants = { dirs: [{ guest: '/in', readonly: true }, { guest: '/out', readonly: false }], env: ['HOME'] };
      const s: Subject = { signed: false };
      const rows: Array<['baseline' | 'permissive' | 'strict', SyscallRequest, 'allow' | 'deny']> = [
        ['baseline', r('clock_time_get'), 'allow'], ['baseline', r('args_get'), 'allow'], ['baseline', r('path_open', { path: '/in/a', access: 'read' }), 'deny'],
        ['baseline', r('environ_get', { env: 'HOME' }), 'deny'], ['baseline', r('fd_prestat_get', { fd: 3 }), 'allow'],
        ['permissive', r('path_open', { path: '/in/a', access: 'read' }), 'allow'], ['permissive', r('path_open', { path: '/in/a', access: 'write' }), 'deny'],
        ['permissive', r('path_unlink_file', { path: '/out/a' }), 'allow'], ['permissive', r('path_unlink_file', { path: '/in/a' }), 'deny'],
        ['permissive', r('environ_get', { env: 'HOME' }), 'allow'], ['permissive', r('environ_get', { env: 'PATH' }), 'deny'],
        ['strict', r('fd_write', { group: 'stdio', fd: 1 }), 'allow'], ['strict', r('clock_time_get'), 'deny'], ['strict', r('proc_exit'), 'allow'],
      ];
      for (const [name, req, want] of rows) {
        const d = decide(compilePolicy([builtinPolicy(name, grants)]), req, s);
        assertEqual(d.effect, want, `${name}: ${d.reason}`);
      }
    },
  },
  {
    name: 'policy: an invalid graph is refused with the field named',
    async run() {
      const e = await assertRejects(() => compilePolicy([parsePolicy({ version: 1, id: 'p', layer: 'platform', rules: [{ id: 'a', effect: 'allow', actions: ['fd_wrte'] }] })]),
        'POLICY_INVALID', 'unknown action');
      assertEqual(e.details['path'], 'layers[0].rules[0].actions[0]', 'details.path');
      await assertRejects(() => parsePolicy({ version: 1, id: 'p', layer: 'platform', rules: [{ id: 'a', effect: 'permit', actions: [] }] }), 'POLICY_INVALID', 'bad effect');
    },
  },
  {
    name: 'policy: a rate limit on the injected clock refuses, refills and records',
    async run() {
      const clock = manualClock(0);
      const layers = [parsePolicy({ version: 1, id: 'p', layer: 'platform', rules: [{ id: 'w', effect: 'allow', actions: ['fd_write'] }], limits: [{ id: 'cps', actions: ['fd_write'], perSecond: 5 }] })];
      const gate = createTrustGate({ layers, subject: { signed: false }, identity: 't/d', clock, syncIntervalMs: 0 });
      const w = r('fd_write', { fd: 3, bytes: 1 });
      const effects: string[] = [];
      for (let i = 0; i < 7; i++) {
        const d = gate.decide(w);
        gate.observe(w, d, { errno: 0 });
        effects.push(d.limited ? `limited:${d.limited}` : d.effect);
        if (i === 5) clock.advance(200);
      }
      assertEqual(effects, ['allow', 'allow', 'allow', 'allow', 'allow', 'limited:cps', 'allow'], 'effects');
      assertEqual(gate.vector().behaviour.rateLimitHits, 1, 'hits recorded');
    },
  },
  {
    name: 'policy: a guest probing denied paths is escalated, quarantined in the store, and the next launch is refused',
    async run(env) {
      const store = await quarantineStoreOf(env);
      const id = identityOf('acme', `sha256:${env.runtime}-probe`);
      const clock = manualClock(1_700_000_000_000);
      const gate = createTrustGate({ layers: [builtinPolicy('baseline')], subject: { signed: false }, identity: id, clock, quarantine: store });
      const kinds: string[] = [];
      for (let i = 0; i < 100 && !gate.quarantined; i++) {
        clock.advance(100);
        const req = r('path_open', { path: `/home/u/.ssh/key${i}`, access: 'read' });
        gate.observe(req, gate.decide(req), { errno: 76 });
      }
      for (const e of gate.events()) kinds.push(e.kind === 'tier' ? `tier:${e.tier}` : e.kind);
      assertEqual(kinds, ['tier:strict', 'quarantine'], 'escalation events');
      await assertRejects(() => gate.decide(r('fd_write', { group: 'stdio', fd: 1 })), 'QUARANTINED', 'the running container stops');
      await gate.flush();
      await assertRejects(() => assertLaunchAllowed(store, id), 'QUARANTINED', 'a new launch on the same store');
      const second = createTrustGate({ layers: [builtinPolicy('baseline')], subject: { signed: false }, identity: id, clock, quarantine: store, syncIntervalMs: 1 });
      clock.advance(1);
      second.decide(r('clock_time_get'));
      await second.flush();
      assert(second.quarantined, 'a second gate sees the quarantine through the store');
    },
  },
  {
    name: 'policy: only a valid admin signature releases a quarantine',
    async run(env) {
      const store = await quarantineStoreOf(env);
      const id = identityOf('acme', `sha256:${env.runtime}-release`);
      const admin = generateKeyPair();
      const other = generateKeyPair();
      await store.put({ identity: id, quarantined: true, reason: 'probe', at: 1_000, by: 'kernel' });
      const statement = { _type: RELEASE_TYPE, identity: id, quarantinedAt: 1_000, reason: 'reviewed', at: 2_000, adminKeyId: admin.keyId } as const;
      const base = { adminKeyId: admin.keyId, reason: 'reviewed', at: 2_000, quarantinedAt: 1_000, adminKeys: [{ keyId: admin.keyId, publicKey: admin.publicKey }] };
      await assertRejects(async () => releaseQuarantine(store, id, { ...base, signature: await signRelease(statement, other.secretKey) }), 'UNAUTHORIZED', 'signed by another key');
      await assertRejects(() => assertLaunchAllowed(store, id), 'QUARANTINED', 'still quarantined');
      await releaseQuarantine(store, id, { ...base, signature: await signRelease(statement, admin.secretKey) });
      await assertLaunchAllowed(store, id);
      assertEqual((await store.history(id)).map((h) => h.by), ['kernel', admin.keyId], 'history');
    },
  },
];
