/** The digest-keyed instrumenter: one rewrite (and one hash) per module and option set. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import { toHex } from '../../src/lib/encoding.ts';
import { createInstrumenter, instrument } from '../../src/execution/instrument/index.ts';
import { fixture } from './helpers.ts';

const digest = (b: Uint8Array) => toHex(nobleCrypto.sha256(b));

test('repeated runs instrument once; the result carries the digest of its own bytes', async () => {
  let hashed = 0;
  const inst = createInstrumenter({ sha256: (b) => { hashed++; return nobleCrypto.sha256(b); } });
  const bytes = await fixture('fuel-loop');
  const first = inst.instrument(bytes, digest(bytes), {});
  const again = inst.instrument(bytes, digest(bytes), {});
  assert.equal(again, first, 'the kept result is returned');
  assert.deepEqual(first.bytes, instrument(bytes).bytes, 'the same bytes as an uncached rewrite');
  assert.equal(first.digest, digest(first.bytes));
  assert.equal(hashed, 1, 'only the instrumented bytes were hashed, once');
  assert.deepEqual(inst.stats(), { entries: 1, bytes: first.bytes.length, hits: 1, misses: 1 });
  assert.equal(inst.instrument(bytes).digest, first.digest, 'the digest is computed when not given');
  assert.equal(inst.stats().hits, 2);
});

test('option sets are kept apart', async () => {
  const inst = createInstrumenter({ sha256: nobleCrypto.sha256 });
  const bytes = await fixture('fuel-grow');
  const free = inst.instrument(bytes, undefined, {});
  const capped = inst.instrument(bytes, undefined, { memoryMaxPages: 16 });
  assert.notEqual(free.digest, capped.digest);
  assert.equal(capped.memoryMaxPages, 16);
  assert.equal(free.memoryMaxPages, undefined);
  assert.equal(inst.stats().entries, 2);
});

test('least recently used results are evicted by count and by size', async () => {
  const names = ['fuel-loop', 'fuel-nested', 'fuel-recursion'];
  const mods = await Promise.all(names.map(fixture));
  const inst = createInstrumenter({ sha256: nobleCrypto.sha256, maxEntries: 2 });
  inst.instrument(mods[0]!);
  inst.instrument(mods[1]!);
  inst.instrument(mods[0]!); // 0 is now the most recent
  inst.instrument(mods[2]!); // evicts 1
  assert.equal(inst.stats().entries, 2);
  const before = inst.stats().misses;
  inst.instrument(mods[0]!);
  assert.equal(inst.stats().misses, before, '0 was kept');
  inst.instrument(mods[1]!);
  assert.equal(inst.stats().misses, before + 1, '1 had been evicted');
  const tiny = createInstrumenter({ sha256: nobleCrypto.sha256, maxBytes: 10 });
  tiny.instrument(mods[0]!);
  assert.equal(tiny.stats().entries, 0, 'a result larger than the byte budget is not kept');
});

test('failures are not kept and a malformed digest is refused', async () => {
  const inst = createInstrumenter({ sha256: nobleCrypto.sha256 });
  const junk = new TextEncoder().encode('not wasm at all');
  for (let i = 0; i < 2; i++) assert.throws(() => inst.instrument(junk), { code: 'PKG_INVALID_WASM' });
  assert.equal(inst.stats().entries, 0);
  const loop = await fixture('fuel-loop');
  assert.throws(() => inst.instrument(loop, 'ABC'), { code: 'BAD_REQUEST' });
});

test('a digest reused for bytes of another length is not trusted for a hit', async () => {
  const inst = createInstrumenter({ sha256: nobleCrypto.sha256 });
  const a = await fixture('fuel-loop');
  const b = await fixture('fuel-nested');
  const d = digest(a);
  inst.instrument(a, d);
  const out = inst.instrument(b, d);
  assert.deepEqual(out.bytes, instrument(b).bytes);
});
