/**
 * Property-based fuzzing of the parser and verifier (fast-check): random bytes, random bytes
 * behind a valid header, and mutations of a real co-signed package. Every outcome is a
 * KernelError other than INTERNAL or a valid verification; nothing hangs; and no package with
 * any single byte changed verifies — checked exhaustively over every byte position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KernelError } from '../../src/errors.ts';
import { parsePackage, verifyPackage, type TrustRoot } from '../../src/packages/index.ts';
import { utf8 } from '../../src/lib/encoding.ts';
import { crypto, key, NOW, packWith, rootOf, MANIFEST } from './helpers.ts';
import { signPackage } from '../../src/packages/package.ts';

const HANG_MS = 5_000;

/** The outcome of verifying `bytes`: 'verified' or the KernelError code; fails on anything else. */
async function outcome(bytes: Uint8Array, root: TrustRoot): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`verification hung for ${HANG_MS} ms`)), HANG_MS); });
  try {
    await Promise.race([verifyPackage(bytes, root, { crypto, now: NOW }), hang]);
    return 'verified';
  } catch (e) {
    if (!(e instanceof KernelError)) throw new Error(`verification threw a non-KernelError: ${String(e)}`);
    if (e.code === 'INTERNAL') throw new Error(`verification hit an internal error: ${e.message}`);
    return e.code;
  } finally {
    clearTimeout(timer);
  }
}

/** parsePackage must also only ever throw KernelError. */
function parseOutcome(bytes: Uint8Array): string {
  try {
    parsePackage(bytes);
    return 'parsed';
  } catch (e) {
    if (!(e instanceof KernelError)) throw new Error(`parsePackage threw a non-KernelError: ${String(e)}`);
    return e.code;
  }
}

const A = key(1);
const B = key(2);
let cached: { pkg: Uint8Array; root: TrustRoot } | undefined;
/** A package with a mounted file, co-signed by A and B, under a root needing only one of them. */
async function subject() {
  cached ??= {
    pkg: await signPackage(await packWith([A], MANIFEST, { '/etc/app.conf': utf8.encode('mode=strict\n') }), B, { crypto }),
    root: await rootOf([A, B]),
  };
  return cached;
}

test('the fuzz subject verifies unmodified', async () => {
  const { pkg, root } = await subject();
  assert.equal(await outcome(pkg, root), 'verified');
});

test('every single-byte change at every position is refused (xor 0x01, 0x20, 0x80, 0xff)', async () => {
  const { pkg, root } = await subject();
  const codes = new Map<string, number>();
  for (let i = 0; i < pkg.length; i++) {
    for (const x of [0x01, 0x20, 0x80, 0xff]) {
      const m = pkg.slice();
      m[i]! ^= x;
      const code = await outcome(m, root);
      assert.notEqual(code, 'verified', `byte ${i} xor ${x} still verifies`);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  }
  // the flips land in every layer: framing, manifest, digests, signatures
  for (const c of ['PKG_MALFORMED', 'PKG_DIGEST_MISMATCH', 'PKG_SIGNATURE_INVALID', 'PKG_MANIFEST_INVALID']) assert.ok(codes.has(c), `no flip produced ${c}: ${[...codes.keys()].join(' ')}`);
});

test('fast-check: a random byte replaced anywhere never verifies', async () => {
  const { pkg, root } = await subject();
  await fc.assert(fc.asyncProperty(fc.nat({ max: pkg.length - 1 }), fc.integer({ min: 1, max: 255 }), async (i, x) => {
    const m = pkg.slice();
    m[i]! ^= x;
    assert.notEqual(await outcome(m, root), 'verified');
  }), { numRuns: 300 });
});

test('fast-check: random bytes, with and without a valid header, only ever fail with a KernelError', async () => {
  const { root } = await subject();
  const header = Uint8Array.of(0x89, 0x46, 0x50, 0x4b, 0x47, 0x0d, 0x0a, 0x1a, 0, 1, 0, 0);
  await fc.assert(fc.asyncProperty(fc.boolean(), fc.uint8Array({ maxLength: 4096 }), async (withHeader, tail) => {
    const bytes = withHeader ? new Uint8Array([...header, ...tail]) : tail;
    parseOutcome(bytes);
    assert.notEqual(await outcome(bytes, root), 'verified');
  }), { numRuns: 400 });
});

test('fast-check: mutated packages (flips, inserts, deletes, truncation, splices) never verify and never throw raw', async () => {
  const { pkg, root } = await subject();
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), x: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), v: fc.nat({ max: 0xffffffff }) }),
  );
  await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (muts) => {
    let m = pkg.slice();
    for (const mu of muts) {
      const at = m.length === 0 ? 0 : mu.at % m.length;
      if (mu.kind === 'flip' && m.length) m[at]! ^= mu.x;
      else if (mu.kind === 'insert') m = new Uint8Array([...m.subarray(0, at), ...mu.bytes, ...m.subarray(at)]);
      else if (mu.kind === 'delete') m = new Uint8Array([...m.subarray(0, at), ...m.subarray(at + mu.n)]);
      else if (mu.kind === 'truncate') m = m.slice(0, at);
      else if (mu.kind === 'u32' && m.length >= 4) new DataView(m.buffer).setUint32(Math.min(at, m.length - 4), mu.v);
    }
    fc.pre(m.length !== pkg.length || m.some((b, i) => b !== pkg[i]));
    parseOutcome(m);
    assert.notEqual(await outcome(m, root), 'verified');
  }), { numRuns: 400 });
});

test('fast-check: random well-framed packages verify exactly when manifest, paths and every signer are good', async () => {
  const { root } = await subject();
  const { craft, addModule } = await import('./helpers.ts');
  const { manifestSchema } = await import('../../src/packages/manifest.ts');
  const module = await addModule();
  const OUTSIDER = key(9);
  // Mostly-valid values with an occasional bad one, so both outcomes are common.
  const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: bad, weight: 1 });
  const manifest = fc.record({
    name: mostly(fc.constantFrom('acme/hello', 'acme/tools/x', 'a'), fc.oneof(fc.stringMatching(/^[a-z0-9./_-]{0,12}$/), fc.string())),
    version: mostly(fc.constantFrom('1.0.0', '0.1.2-rc.1+build.5'), fc.string()),
    kind: mostly(fc.constantFrom('command', 'edge'), fc.constant('daemon')),
    capabilities: fc.record({
      files: fc.array(fc.record({ path: mostly(fc.constantFrom('/data', '/'), fc.string()), access: mostly(fc.constantFrom('ro', 'rw'), fc.constant('x')) }), { maxLength: 3 }),
      env: fc.array(mostly(fc.constantFrom('HOME', 'LANG'), fc.string()), { maxLength: 3 }),
      clocks: mostly(fc.boolean(), fc.constant('yes')),
    }, { requiredKeys: [] }),
    limits: fc.record({ fuel: mostly(fc.integer({ min: 1, max: 1e9 }), fc.double()), memory: mostly(fc.integer({ min: 1, max: 1 << 30 }), fc.integer({ min: -5, max: 0 })) }, { requiredKeys: [] }),
  }, { requiredKeys: ['name', 'version'] });
  const files = fc.dictionary(mostly(fc.stringMatching(/^\/[a-z]{1,6}(\/[a-z]{1,6})?$/), fc.string({ maxLength: 8 })), fc.uint8Array({ maxLength: 64 }), { maxKeys: 3 });
  const signers = mostly(fc.subarray([A, B], { minLength: 1 }), fc.subarray([A, B, OUTSIDER]));
  const tally = new Map<string, number>();
  await fc.assert(fc.asyncProperty(manifest, files, signers, async (m, f, keys) => {
    const paths = Object.keys(f).sort();
    const pathsOk = paths.every((p) => /^\/[^/]/.test(p) && p.slice(1).split('/').every((s) => s !== '' && s !== '.' && s !== '..') && !p.includes('\0'));
    const bytes = await craft({ manifest: m, module, files: new Map(paths.map((p) => [p, f[p]!])), keys });
    const got = await outcome(bytes, root);
    tally.set(got, (tally.get(got) ?? 0) + 1);
    const expectVerified = manifestSchema.safeParse(m).success && pathsOk && keys.length > 0 && !keys.includes(OUTSIDER);
    assert.equal(got === 'verified', expectVerified, `got ${got} for ${JSON.stringify({ m, paths, keys: keys.map((k) => k.keyId.slice(0, 8)) })}`);
  }), { numRuns: 200 });
  // the generators must reach both outcomes, or the oracle proves nothing
  assert.ok((tally.get('verified') ?? 0) > 5 && tally.size > 3, [...tally].join(" "));
});
