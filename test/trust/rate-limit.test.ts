/** Rate limits and quotas through the gate, on an injected manual clock: each step is (advance, request) → expected. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { manualClock } from '../../src/ports/clock.ts';
import { createTrustGate, type PolicyDocumentInput } from '../../src/trust/index.ts';
import { allow, layer, req } from './helpers.ts';

type Step = [advanceMs: number, request: SyscallRequest, expect: 'allow' | 'deny' | 'monitored'];

const everything = [allow('w', ['fd_write']), allow('r', ['fd_read']), allow('open', ['path_open'], { resources: { paths: ['/**'] } }), allow('rand', ['random'])];

function scenario(name: string, limits: NonNullable<PolicyDocumentInput['limits']>, steps: Step[], extra: Partial<PolicyDocumentInput> = {}): void {
  it(name, () => {
    const clock = manualClock(1_000);
    const gate = createTrustGate({ layers: [layer('platform', 'plat', everything, { limits, ...extra })], subject: { signed: false }, identity: 't/d', clock });
    steps.forEach(([adv, r, want], i) => {
      clock.advance(adv);
      const d = gate.decide(r);
      gate.observe(r, d, { errno: d.effect === 'allow' ? 0 : 76 });
      const got = d.effect === 'allow' ? (d.monitored ? 'monitored' : 'allow') : 'deny';
      assert.equal(got, want, `step ${i}: ${d.reason}`);
      if (want !== 'allow') {
        assert.ok(d.limited, `step ${i}: a limit hit is recorded on the decision`);
        assert.match(d.reason, new RegExp(`limit "${d.limited}"`));
      }
    });
  });
}

const write = (bytes = 1) => req('fd_write', { fd: 3, bytes });
const n = <T>(k: number, x: T): T[] => Array.from({ length: k }, () => x);

describe('token buckets on the injected clock', () => {
  scenario('calls per second: the burst, then one token per 100 ms', [{ id: 'cps', actions: ['fd_write'], perSecond: 10 }], [
    ...n(10, [0, write(), 'allow'] as Step),
    [0, write(), 'deny'],
    [99, write(), 'deny'],
    [1, write(), 'allow'],
    [0, write(), 'deny'],
    [5_000, write(), 'allow'], // refilled to the burst, not beyond
    ...n(9, [0, write(), 'allow'] as Step),
    [0, write(), 'deny'],
  ]);

  scenario('an explicit burst above the rate', [{ id: 'b', actions: ['fd_write'], perSecond: 1, burst: 3 }], [
    [0, write(), 'allow'], [0, write(), 'allow'], [0, write(), 'allow'], [0, write(), 'deny'], [1000, write(), 'allow'], [0, write(), 'deny'],
  ]);

  scenario('bytes written per second', [{ id: 'bps', actions: ['fd_write'], kind: 'bytes', perSecond: 100 }], [
    [0, write(60), 'allow'], [0, write(60), 'deny'], [0, write(40), 'allow'], [200, write(20), 'allow'], [0, write(1), 'deny'],
  ]);

  scenario('one call larger than the burst is refused, whatever the time', [{ id: 'bps', actions: ['fd_write'], kind: 'bytes', perSecond: 100 }], [
    [0, write(101), 'deny'], [60_000, write(101), 'deny'], [0, write(100), 'allow'],
  ]);

  scenario('a group limit shares one bucket across its syscalls', [{ id: 'fsr', actions: ['fs.read'], perSecond: 2 }], [
    [0, req('fd_read', { fd: 3 }), 'allow'], [0, req('path_open', { path: '/a' }), 'allow'], [0, req('fd_read', { fd: 3 }), 'deny'], [0, write(), 'allow'],
  ]);
});

describe('quotas', () => {
  scenario('total calls: never refilled', [{ id: 'total', total: 3 }], [
    [0, write(), 'allow'], [0, req('random_get', { bytes: 8 }), 'allow'], [0, write(), 'allow'], [0, write(), 'deny'], [3_600_000, write(), 'deny'],
  ]);

  scenario('files opened: only path_open counts', [{ id: 'opens', actions: ['fs.read'], kind: 'opens', total: 2 }], [
    [0, req('path_open', { path: '/a' }), 'allow'], [0, req('fd_read', { fd: 3 }), 'allow'], [0, req('path_open', { path: '/b' }), 'allow'],
    [0, req('path_open', { path: '/c' }), 'deny'], [0, req('fd_read', { fd: 3 }), 'allow'],
  ]);

  scenario('bytes written in total', [{ id: 'quota', actions: ['fd_write'], kind: 'bytes', total: 10 }], [
    [0, write(4), 'allow'], [0, write(4), 'allow'], [0, write(3), 'deny'], [0, write(2), 'allow'], [0, write(1), 'deny'],
  ]);

  scenario('a refused call consumes nothing from the other limits', [{ id: 'rate', actions: ['fd_write'], perSecond: 1, burst: 1 }, { id: 'total', actions: ['fd_write'], total: 2 }], [
    [0, write(), 'allow'], [0, write(), 'deny'], [0, write(), 'deny'], [1000, write(), 'allow'], [1000, write(), 'deny'],
  ]);
});

describe('monitor mode and recording', () => {
  scenario('a monitor-mode limit allows, marks and records', [{ id: 'cps', actions: ['fd_write'], perSecond: 2 }], [
    [0, write(), 'allow'], [0, write(), 'allow'], [0, write(), 'monitored'], [0, write(), 'monitored'], [500, write(), 'allow'],
  ], { mode: 'monitor' });

  it('policy denials consume no tokens; hits count in the trust vector', () => {
    const clock = manualClock();
    const gate = createTrustGate({
      layers: [layer('platform', 'plat', [allow('w', ['fd_write'], { resources: { fds: [1] } })], { limits: [{ id: 'cps', actions: ['fd_write'], perSecond: 1 }] })],
      subject: { signed: false }, identity: 't/d', clock,
    });
    const denied = req('fd_write', { fd: 9 });
    for (let i = 0; i < 5; i++) gate.observe(denied, gate.decide(denied), { errno: 76 });
    const ok = req('fd_write', { fd: 1 });
    const first = gate.decide(ok);
    assert.equal(first.effect, 'allow', first.reason);
    gate.observe(ok, first, { errno: 0 });
    const second = gate.decide(ok);
    assert.equal(second.limited, 'cps');
    assert.deepEqual(second.rules, ['cps']);
    gate.observe(ok, second, { errno: 76 });
    const v = gate.vector();
    assert.equal(v.behaviour.rateLimitHits, 1);
    assert.equal(v.behaviour.denials, 5);
    assert.equal(v.behaviour.calls, 7);
  });
});
