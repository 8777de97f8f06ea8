/**
 * The canonical encoding and the JSON view agree: any call the gate can hand over is recorded,
 * rendered, parsed back and re-encoded to the same bytes (property); the byte renderer writes what
 * JSON.stringify would and the bytes decode back to the entry (property); and one entry's bytes are
 * pinned so the format cannot drift without a version change (docs/dna.md shows the same bytes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../src/lib/encoding.ts';
import { ACTION_GROUPS, WASI_SYSCALLS } from '../../src/ports/syscalls.ts';
import type { SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { verifyTrace, type CallEntry } from '../../src/dna/index.ts';
import { ByteWriter } from '../../src/lib/bytes.ts';
import { canonicalOf } from '../../src/dna/codec/canonical.ts';
import { decodeEntry } from '../../src/dna/codec/canonical-decode.ts';
import { renderEntry } from '../../src/dna/codec/lines.ts';
import { parseLine } from '../../src/dna/codec/parse.ts';
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
      const bytes = toHex(canonicalOf(w1, p.entry));
      const again = parseLine(renderEntry(p.entry, p.hash));
      assert.ok(again.t === p.t && 'entry' in again);
      assert.equal(toHex(canonicalOf(w2, again.entry)), bytes);
    }
    const report = await verifyTrace(joinLines(r.lines()), { crypto });
    assert.equal(report.status, 'ok', report.message);
  }), { numRuns: 60 });
});

test('the canonical bytes of one call entry are pinned (format forgeone-dna/2)', () => {
  const e: CallEntry = {
    kind: 'call', seq: 5, syscall: 'fd_read', group: 'stdio', args: { fd: 0, bytes: 64 },
    decision: { effect: 'allow', rules: ['base.stdio'], reason: 'stdin is granted' },
    result: { errno: 0, size: 6, data: new TextEncoder().encode('hello\n') }, fuel: 123456n, trust: 97.5,
  };
  assert.equal(toHex(canonicalOf(new ByteWriter(), e)),
    '0201050114020603000a4010001101' + '0a626173652e737464696f' + '1210' + toHex(new TextEncoder().encode('stdin is granted'))
    + '2000210622' + '0668656c6c6f0a' + '30c0c407' + '31' + '4058600000000000');
});

// Strings with what JSON must escape, what it must not, and characters outside the BMP.
const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\t', '\b', '\f', '\r', '\u0000', '\u001f', '\u007f', '\u2028', 'é', '😀', '/'), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 24 });
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });
const callEntry: fc.Arbitrary<CallEntry> = fc.record({
  kind: fc.constant('call' as const), seq: fc.nat(), syscall: fc.constantFrom(...WASI_SYSCALLS), group: fc.constantFrom(...ACTION_GROUPS),
  args: fc.record({
    fd: fc.nat(), path: text, pathDigest: digest, path2: text, path2Digest: digest, env: text, envDigest: digest, bytes: fc.nat(),
    access: fc.constantFrom('read' as const, 'write' as const, 'readwrite' as const),
  }, { requiredKeys: [], noNullPrototype: true }),
  decision: fc.record({
    effect: fc.constantFrom('allow' as const, 'deny' as const), rules: fc.array(text, { maxLength: 3 }), reason: text,
    monitored: fc.constant(true as const), limited: text,
  }, { requiredKeys: ['effect', 'rules', 'reason'], noNullPrototype: true }),
  result: fc.record({
    errno: fc.nat(76), size: fc.nat(), data: fc.uint8Array({ maxLength: 40 }), dataLen: fc.nat(), dataDigest: digest,
    dataNote: fc.constantFrom('cap' as const, 'redacted' as const, 'withheld' as const),
  }, { requiredKeys: ['errno'], noNullPrototype: true }),
  fuel: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  trust: fc.double({ noNaN: true, noDefaultInfinity: true }),
}, { noNullPrototype: true });

/** The line as JSON.stringify writes it, keys in the documented order: what the byte renderer must equal. */
function referenceLine(e: CallEntry, hash: Uint8Array): string {
  const a = e.args;
  const r = e.result;
  const d = e.decision;
  const args: Record<string, unknown> = {};
  if (a.fd !== undefined) args['fd'] = a.fd;
  if (a.path !== undefined) args['path'] = a.path;
  if (a.pathDigest !== undefined) args['pathDigest'] = toHex(a.pathDigest);
  if (a.path2 !== undefined) args['path2'] = a.path2;
  if (a.path2Digest !== undefined) args['path2Digest'] = toHex(a.path2Digest);
  if (a.env !== undefined) args['env'] = a.env;
  if (a.envDigest !== undefined) args['envDigest'] = toHex(a.envDigest);
  if (a.bytes !== undefined) args['bytes'] = a.bytes;
  if (a.access !== undefined) args['access'] = a.access;
  const result: Record<string, unknown> = { errno: r.errno };
  if (r.size !== undefined) result['size'] = r.size;
  if (r.data !== undefined) result['data'] = toHex(r.data);
  if (r.dataLen !== undefined) result['dataLen'] = r.dataLen;
  if (r.dataDigest !== undefined) result['dataDigest'] = toHex(r.dataDigest);
  if (r.dataNote !== undefined) result['dataNote'] = r.dataNote;
  const decision = { effect: d.effect, rules: d.rules, reason: d.reason, ...(d.monitored ? { monitored: true } : {}), ...(d.limited !== undefined ? { limited: d.limited } : {}) };
  return JSON.stringify({ t: 'call', seq: e.seq, syscall: e.syscall, group: e.group, args, decision, result, fuel: e.fuel.toString(), trust: e.trust, hash: toHex(hash) });
}

test('a call line rendered from canonical bytes is exactly what JSON.stringify writes, and the bytes decode back to the entry (property)', () => {
  fc.assert(fc.property(callEntry, digest, (e, hash) => {
    assert.equal(renderEntry(e, hash), referenceLine(e, hash));
    const bytes = canonicalOf(new ByteWriter(), e).slice();
    assert.deepEqual(decodeEntry(bytes), e);
  }), { numRuns: 500 });
});
