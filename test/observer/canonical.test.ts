/**
 * The canonical encoding and the JSON view agree: any call the gate can hand over is recorded,
 * rendered, parsed back and re-encoded to the same bytes (property), and one entry's bytes are
 * pinned so the format cannot drift without a version change (docs/dna.md shows the same bytes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/crypto/encoding.ts';
import { ACTION_GROUPS, WASI_SYSCALLS, type SyscallRequest } from '../../src/execution/syscalls.ts';
import { verifyTrace, type CallEntry } from '../../src/observer/index.ts';
import { ByteWriter } from '../../src/observer/binary.ts';
import { encodeEntry } from '../../src/observer/canonical.ts';
import { renderEntry } from '../../src/observer/lines.ts';
import { parseLine } from '../../src/observer/parse.ts';
import { crypto, joinLines, newRecorder } from './helpers.ts';

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const request = fc.record({
  syscall: fc.constantFrom(...WASI_SYSCALLS), group: fc.constantFrom(...ACTION_GROUPS),
  fd: opt(fc.nat(0x7fffffff)), path: opt(fc.string({ unit: 'binary' })), path2: opt(fc.string()), env: opt(fc.string({ unit: 'grapheme' })),
  bytes: opt(fc.nat()), access: opt(fc.constantFrom('read' as const, 'write' as const, 'readwrite' as const)),
}, { requiredKeys: ['syscall', 'group'] });
const decision = fc.record({
  effect: fc.constantFrom('allow' as const, 'deny' as const), rules: fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 }),
  reason: fc.string({ unit: 'binary' }), monitored: opt(fc.boolean()), limited: opt(fc.string()),
}, { requiredKeys: ['effect', 'rules', 'reason'] });
const outcome = fc.record({ errno: fc.nat(76), size: opt(fc.nat()), data: opt(fc.uint8Array({ maxLength: 40 })) }, { requiredKeys: ['errno'] });
const facts = fc.record({ fuelUsed: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), trust: fc.double() });

test('any call records, renders, parses and re-encodes to the same bytes, and the trace verifies (property)', async () => {
  await fc.assert(fc.asyncProperty(fc.array(fc.tuple(request, decision, outcome, facts), { minLength: 1, maxLength: 12 }), async (calls) => {
    const r = newRecorder({ redact: { paths: ['/secret/**'], maxEntryData: 24 } });
    for (const [q, d, o, f] of calls) r.record(q as SyscallRequest, d, o, f);
    await r.finish({ status: 'exited', exitCode: 0 });
    const w1 = new ByteWriter();
    const w2 = new ByteWriter();
    for (const line of r.lines()) {
      const p = parseLine(line);
      if (p.t === 'checkpoint' || p.t === 'summary') continue;
      assert.equal(renderEntry(p.entry, p.hash), line, 'a line re-renders to itself');
      encodeEntry(w1, p.entry);
      const again = parseLine(renderEntry(p.entry, p.hash));
      assert.ok(again.t === p.t && 'entry' in again);
      encodeEntry(w2, again.entry);
      assert.equal(toHex(w1.view()), toHex(w2.view()));
    }
    const report = await verifyTrace(joinLines(r.lines()), { crypto });
    assert.equal(report.status, 'ok', report.message);
  }), { numRuns: 60 });
});

test('the canonical bytes of one call entry are pinned (format forgeone-dna/1)', () => {
  const e: CallEntry = {
    kind: 'call', seq: 5, syscall: 'fd_read', group: 'stdio', args: { fd: 0, bytes: 64 },
    decision: { effect: 'allow', rules: ['base.stdio'], reason: 'stdin is granted' },
    result: { errno: 0, size: 6, data: new TextEncoder().encode('hello\n') }, fuel: 123456n, trust: 97.5,
  };
  const w = new ByteWriter();
  encodeEntry(w, e);
  assert.equal(toHex(w.view()),
    '0101050114020603000a4010001101' + '0a626173652e737464696f' + '1210' + toHex(new TextEncoder().encode('stdin is granted'))
    + '2000210622' + '0668656c6c6f0a' + '30c0c407' + '31' + '4058600000000000');
});
