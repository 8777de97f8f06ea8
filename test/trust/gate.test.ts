/** The gate over a run: trust score, escalation to strict then quarantine, store sync, fail closed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKernelError } from '../../src/errors.ts';
import type { SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { manualClock } from '../../src/ports/clock.ts';
import type { QuarantineStore } from '../../src/ports/quarantine-store.ts';
import { memoryQuarantineStore } from '../../src/stores/memory.ts';
import {
  assertLaunchAllowed, builtinPolicy, compilePolicy, createTrustGate, identityOf, quarantine, TRUST_PENALTIES, TRUST_WEIGHTS, type TrustGate,
} from '../../src/trust/index.ts';
import { allow, layer, req } from './helpers.ts';

const ID = identityOf('acme', 'sha256:feed');
const signed = { signed: true, signer: 'k1', rootVersion: 3, packageName: 'probe', tenant: 'acme' };

/** One call through the gate as the sandbox makes it: decide, perform (errno), observe. */
function call(gate: TrustGate, r: SyscallRequest): ReturnType<TrustGate['decide']> {
  const d = gate.decide(r);
  gate.observe(r, d, { errno: d.effect === 'allow' ? 0 : 76 });
  return d;
}

const stdout = req('fd_write', { group: 'stdio', fd: 1, bytes: 6 });

describe('a guest that probes denied paths', () => {
  it('is narrowed to strict below 60, then quarantined below 30, under the default baseline', async () => {
    const clock = manualClock(1_700_000_000_000);
    const store = memoryQuarantineStore();
    const gate = createTrustGate({ layers: [builtinPolicy('baseline')], subject: signed, identity: ID, clock, quarantine: store });
    assert.equal(gate.score, 100);
    assert.equal(call(gate, stdout).effect, 'allow');
    assert.equal(call(gate, req('clock_time_get')).effect, 'allow');

    let probes = 0;
    while (gate.events().length === 0) {
      clock.advance(50);
      assert.equal(call(gate, req('path_open', { path: `/home/user/file${probes++}`, access: 'read' })).effect, 'deny');
      assert.ok(probes < 100, 'escalates within 100 probes');
    }
    const [tier] = gate.events();
    assert.equal(tier?.kind, 'tier');
    assert.equal(tier?.tier, 'strict');
    assert.ok(tier!.score < 60);
    // Strict: stdio still works, clocks no longer do — and the reason names the escalation layer.
    assert.equal(call(gate, stdout).effect, 'allow');
    const clockAfter = call(gate, req('clock_time_get'));
    assert.equal(clockAfter.effect, 'deny');
    assert.match(clockAfter.reason, /escalation:0:strict/);
    assert.equal(gate.quarantined, false);

    while (!gate.quarantined) {
      clock.advance(50);
      call(gate, req('path_open', { path: `/root/.ssh/id_rsa${probes++}`, access: 'read' }));
      assert.ok(probes < 200, 'quarantined within 200 probes');
    }
    const q = gate.events().at(-1)!;
    assert.equal(q.kind, 'quarantine');
    assert.ok(q.score < 30);
    assert.throws(() => gate.decide(stdout), (e) => isKernelError(e, 'QUARANTINED') && e.exitCode === 125);

    await gate.flush();
    const rec = await store.get(ID);
    assert.equal(rec?.quarantined, true);
    assert.equal(rec?.by, 'kernel');
    assert.match(rec!.reason, /trust score \d+ fell below 30/);
    await assert.rejects(assertLaunchAllowed(store, ID), (e) => isKernelError(e, 'QUARANTINED'));
    const v = gate.vector();
    assert.ok(v.anomaly.flags.includes('secret-probe') && v.anomaly.flags.includes('path-scan') && v.anomaly.flags.includes('probe-burst'), v.anomaly.flags.join());
  });

  it('secret-looking paths cost more than ordinary ones', () => {
    const run = (path: (i: number) => string) => {
      const gate = createTrustGate({ layers: [builtinPolicy('baseline')], subject: signed, identity: ID, clock: manualClock(), syncIntervalMs: 0 });
      for (let i = 0; i < 3; i++) call(gate, req('path_open', { path: path(i) }));
      return gate.score;
    };
    assert.ok(run((i) => (i === 0 ? '/etc/passwd' : `/app/.env${i}`)) < run((i) => `/usr/share/x${i}`));
  });

  it('a benign guest keeps its score over many allowed calls', () => {
    const gate = createTrustGate({ layers: [builtinPolicy('baseline')], subject: signed, identity: ID, clock: manualClock() });
    for (let i = 0; i < 10_000; i++) call(gate, i % 2 ? stdout : req('clock_time_get'));
    assert.equal(gate.score, 100);
    assert.deepEqual(gate.events(), []);
    assert.equal(gate.vector().behaviour.calls, 10_000);
  });

  it('monitor-mode escalation records what it would do and does nothing', () => {
    const watch = layer('tenant', 'watch', [], { mode: 'monitor', escalation: [{ below: 99, action: 'quarantine' }] });
    const gate = createTrustGate({ layers: [builtinPolicy('strict'), watch], subject: signed, identity: ID, clock: manualClock() });
    call(gate, req('path_open', { path: '/x' }));
    assert.equal(gate.quarantined, false);
    assert.equal(gate.events()[0]?.kind, 'monitor');
    assert.equal(call(gate, stdout).effect, 'allow');
  });
});

describe('the trust vector', () => {
  it('combines provenance, behaviour and anomaly with the documented weights', () => {
    const gate = createTrustGate({ layers: [builtinPolicy('baseline')], subject: { signed: false }, identity: ID, clock: manualClock(), syncIntervalMs: 0 });
    assert.equal(gate.score, Math.round(TRUST_WEIGHTS.provenance * 40 + TRUST_WEIGHTS.behaviour * 100 + TRUST_WEIGHTS.anomaly * 100));
    call(gate, req('path_open', { path: '/a' }));
    call(gate, req('path_open', { path: '/a' }));
    call(gate, req('environ_get', { env: 'HOME' }));
    call(gate, { ...req('fd_read', { fd: 0 }), group: 'stdio' });
    gate.observe(stdout, gate.decide(stdout), { errno: 21 });
    const v = gate.vector();
    assert.deepEqual([v.behaviour.denials, v.behaviour.faults, v.anomaly.deniedPathProbes, v.anomaly.distinctDeniedPaths], [3, 1, 2, 1]);
    const B = 100 - 3 * TRUST_PENALTIES.denial - TRUST_PENALTIES.fault;
    const A = 100 - TRUST_PENALTIES.distinctDeniedPath;
    assert.equal(v.behaviour.score, B);
    assert.equal(v.anomaly.score, A);
    assert.equal(v.score, Math.round(0.2 * 40 + 0.4 * B + 0.4 * A));
    assert.equal(gate.score, v.score);
    assert.deepEqual(v.provenance, { signed: false, score: 40 });
  });

  it('an escape the sandbox refused (ENOTCAPABLE on an allowed call) is an anomaly', () => {
    const gate = createTrustGate({ layers: [builtinPolicy('permissive', { dirs: [{ guest: '/data', readonly: true }] })], subject: signed, identity: ID, clock: manualClock() });
    const r = req('path_open', { path: '/data/link-to-etc', access: 'read' });
    const d = gate.decide(r);
    assert.equal(d.effect, 'allow');
    gate.observe(r, d, { errno: 76 });
    assert.equal(gate.vector().anomaly.escapeAttempts, 1);
    assert.ok(gate.vector().anomaly.flags.includes('path-escape-attempt'));
  });
});

/** A store whose operations can be made to fail. */
function flaky(): QuarantineStore & { failGet: boolean; failPut: boolean } {
  const inner = memoryQuarantineStore();
  const s = {
    failGet: false,
    failPut: false,
    get: (id: string) => (s.failGet ? Promise.reject(new Error('disk on fire')) : inner.get(id)),
    put: (r: Parameters<QuarantineStore['put']>[0]) => (s.failPut ? Promise.reject(new Error('quota exceeded')) : inner.put(r)),
    list: () => inner.list(),
    history: (id: string) => inner.history(id),
  };
  return s;
}

describe('the quarantine store from the gate', () => {
  it('a quarantine made elsewhere stops a running gate at its next call after the sync', async () => {
    const clock = manualClock(0);
    const store = memoryQuarantineStore();
    const gate = createTrustGate({ layers: [builtinPolicy('baseline')], subject: signed, identity: ID, clock, quarantine: store, syncIntervalMs: 100 });
    assert.equal(call(gate, stdout).effect, 'allow');
    await quarantine(store, ID, 'operator saw exfiltration', 'admin', clock);
    clock.advance(100);
    assert.equal(call(gate, stdout).effect, 'allow', 'the re-read is asynchronous');
    await gate.flush();
    assert.throws(() => gate.decide(stdout), (e) => isKernelError(e, 'QUARANTINED') && /operator saw exfiltration/.test(e.message));
  });

  it('a store that cannot be read makes the gate fail closed, with the error in the reason', async () => {
    const clock = manualClock(0);
    const store = flaky();
    const gate = createTrustGate({ layers: [builtinPolicy('baseline')], subject: signed, identity: ID, clock, quarantine: store, syncIntervalMs: 10 });
    store.failGet = true;
    clock.advance(10);
    call(gate, stdout);
    await assert.rejects(gate.flush(), (e) => isKernelError(e, 'STORE_UNAVAILABLE') && /disk on fire/.test(e.message));
    const d = gate.decide(stdout);
    assert.equal(d.effect, 'deny');
    assert.match(d.reason, /disk on fire.*fails closed/);
    store.failGet = false;
    clock.advance(1000);
    assert.equal(gate.decide(req('clock_time_get')).effect, 'deny', 'it stays closed for the run');
    assert.equal(gate.events().at(-1)?.kind, 'store-failure');
  });

  it('a failed quarantine write: the container is stopped anyway and flush reports the failure', async () => {
    const store = flaky();
    store.failPut = true;
    const gate = createTrustGate({
      layers: [layer('platform', 'p', [allow('o', ['stdio'])], { escalation: [{ below: 99, action: 'quarantine' }] })],
      subject: signed, identity: ID, clock: manualClock(), quarantine: store,
    });
    call(gate, req('path_open', { path: '/x' }));
    assert.equal(gate.quarantined, true);
    await assert.rejects(gate.flush(), (e) => isKernelError(e, 'STORE_UNAVAILABLE') && /quota exceeded/.test(e.message));
    assert.throws(() => gate.decide(stdout), (e) => isKernelError(e, 'QUARANTINED'));
    assert.equal(await store.get(ID), undefined);
  });

  it('many gates can share one compilation (and its escalation tiers)', () => {
    const layers = [builtinPolicy('baseline')];
    const compiled = compilePolicy(layers);
    const a = createTrustGate({ layers, compiled, subject: signed, identity: ID, clock: manualClock() });
    const b = createTrustGate({ layers, compiled, subject: { signed: false }, identity: ID, clock: manualClock() });
    assert.equal(a.policy, compiled);
    assert.equal(b.policy, compiled);
    const other = createTrustGate({ layers: [builtinPolicy('baseline')], compiled, subject: signed, identity: ID, clock: manualClock() });
    assert.notEqual(other.policy, compiled, 'other documents: compiled anew');
    for (let i = 0; a.events().length === 0; i++) call(a, req('path_open', { path: `/x${i}` }));
    assert.equal(a.policy, compiled.tierStacks.get('strict'));
    assert.equal(call(b, req('clock_time_get')).effect, 'allow', 'one gate escalating does not narrow another');
  });

  it('an invalid graph is refused when the gate is created', () => {
    assert.throws(() => createTrustGate({ layers: [layer('platform', 'p', [allow('x', ['fd_wirte'])])], subject: signed, identity: ID, clock: manualClock() }),
      (e) => isKernelError(e, 'POLICY_INVALID'));
  });
});
