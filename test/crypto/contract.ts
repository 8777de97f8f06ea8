/**
 * The CryptoProvider contract (src/ports/crypto-provider.ts), written once and run against every
 * provider: in Node by test/crypto/provider-contract.test.ts, in a Chromium Service Worker and in
 * workerd by the conformance suite (test/conformance/crypto.ts). Web standards only.
 *
 * A provider may be partial (the platform pieces a kernel lays over noble with `resolveCrypto`):
 * the methods it has are the ones held to the contract. Every check throws on a breach, naming the
 * vector; a check a provider cannot take (no such method) is not made for it.
 *
 * Vectors: Wycheproof `testvectors_v1/ed25519_test.json` (C2SP/wycheproof, Apache-2.0: see
 * test/fixtures/wycheproof/), RFC 8032 §7.1 TEST 1–3 and TEST SHA(abc), the FIPS 180-2 SHA-256
 * examples and NIST's one million "a".
 */
import wycheproof from '../fixtures/wycheproof/ed25519_test.json' with { type: 'json' };
import { keyPairFromSecret } from '../../src/crypto/keys.ts';
import { KernelError } from '../../src/errors.ts';
import { fromHex, toHex } from '../../src/lib/encoding.ts';
import type { CryptoProvider } from '../../src/ports/crypto-provider.ts';

export interface ProviderUnderTest {
  readonly name: string;
  readonly provider: Partial<CryptoProvider>;
}

export interface ContractCheck {
  readonly name: string;
  run(): Promise<void>;
}

export class ContractError extends Error {
  override readonly name = 'ContractError';
}

function fail(message: string): never {
  throw new ContractError(message);
}

const hex = (s: string): Uint8Array => fromHex(s) ?? fail(`bad hex in a vector: ${s.slice(0, 16)}…`);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export const RFC8032 = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST SHA(abc)',
    secret: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    public: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature: 'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
] as const;

/** SHA-256 known answers: FIPS 180-2 examples (one block, two blocks), NIST's million "a", 1 MiB of zeros. */
export const SHA256_KAT: readonly { readonly name: string; readonly data: () => Uint8Array; readonly digest: string }[] = [
  { name: 'the empty message', data: () => new Uint8Array(0), digest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  { name: '"abc"', data: () => utf8('abc'), digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
  {
    name: 'the 448-bit FIPS 180-2 message (padding spills into a second block)',
    data: () => utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    digest: '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  },
  {
    name: 'the 896-bit FIPS 180-2 message (two blocks of data)',
    data: () => utf8('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'),
    digest: 'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
  },
  { name: 'one million "a"', data: () => new Uint8Array(1_000_000).fill(0x61), digest: 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0' },
  // Pinned from Python's hashlib and OpenSSL, which agree.
  { name: '1 MiB of zeros', data: () => new Uint8Array(1 << 20), digest: '30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58' },
];

interface WycheproofCase {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly pk: string;
  readonly msg: string;
  readonly sig: string;
  readonly valid: boolean;
}

/** Every Wycheproof Ed25519 verification case, flattened. */
export const WYCHEPROOF: readonly WycheproofCase[] = wycheproof.testGroups.flatMap((g) =>
  g.tests.map((t) => {
    if (t.result !== 'valid' && t.result !== 'invalid') fail(`Wycheproof case ${t.tcId}: result ${t.result} is neither valid nor invalid`);
    return { tcId: t.tcId, comment: t.comment, flags: t.flags, pk: g.publicKey.pk, msg: t.msg, sig: t.sig, valid: t.result === 'valid' };
  }));

/** `bytes` copied into the middle of a larger buffer: a view with a non-zero offset, and bytes either side that must not be read. */
function offsetView(bytes: Uint8Array, before = 3, after = 5): Uint8Array {
  const big = new Uint8Array(before + bytes.length + after).fill(0xa5);
  big.set(bytes, before);
  return big.subarray(before, before + bytes.length);
}

/** Runs `fn`; a throw is a breach of "never throws on bad input". */
async function verifyNoThrow(p: Partial<CryptoProvider>, sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, what: string): Promise<boolean> {
  try {
    const r = await p.verifyEd25519!(sig, msg, pk);
    if (typeof r !== 'boolean') fail(`${what}: verifyEd25519 resolved to ${String(r)}, not a boolean`);
    return r;
  } catch (e) {
    if (e instanceof ContractError) throw e;
    return fail(`${what}: verifyEd25519 threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} (the port promises false, never a throw)`);
  }
}

/** Expects `fn` to fail with KernelError KEY_INVALID (a throw or a rejection). */
async function expectKeyInvalid(fn: () => unknown, what: string): Promise<void> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  if (err === undefined) fail(`${what}: succeeded`);
  if (!(err instanceof KernelError) || err.code !== 'KEY_INVALID') {
    fail(`${what}: expected KernelError KEY_INVALID, got ${err instanceof KernelError ? `KernelError ${err.code}` : err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
}

/** The signers `p` has, by method name. */
function signersOf(p: Partial<CryptoProvider>): [string, (m: Uint8Array, k: Uint8Array) => Promise<Uint8Array>][] {
  const out: [string, (m: Uint8Array, k: Uint8Array) => Promise<Uint8Array>][] = [];
  const { signEd25519, signEd25519Sync } = p;
  if (signEd25519) out.push(['signEd25519', (m, k) => signEd25519(m, k)]);
  if (signEd25519Sync) out.push(['signEd25519Sync', async (m, k) => signEd25519Sync(m, k)]);
  return out;
}

/** The contract checks for one provider: only those its methods can take. */
export function providerContract(p: Partial<CryptoProvider>): ContractCheck[] {
  const checks: ContractCheck[] = [];
  if (p.verifyEd25519) {
    checks.push({
      name: `verifyEd25519: all ${WYCHEPROOF.length} Wycheproof Ed25519 cases (valid → true, invalid → false, never a throw)`,
      async run() {
        const wrong: string[] = [];
        for (const c of WYCHEPROOF) {
          const got = await verifyNoThrow(p, hex(c.sig), hex(c.msg), hex(c.pk), `Wycheproof tcId ${c.tcId}`);
          if (got !== c.valid) wrong.push(`tcId ${c.tcId} (${c.flags.join(', ')}${c.comment ? `: ${c.comment}` : ''}): expected ${c.valid}, got ${got}`);
        }
        if (wrong.length > 0) fail(`${wrong.length} Wycheproof case(s) disagree:\n  ${wrong.join('\n  ')}`);
      },
    });
    checks.push({
      name: 'verifyEd25519: RFC 8032 signatures verify, from views into larger buffers too; a flipped bit does not',
      async run() {
        for (const v of RFC8032) {
          const [sig, msg, pk] = [hex(v.signature), hex(v.message), hex(v.public)];
          if (!(await verifyNoThrow(p, sig, msg, pk, v.name))) fail(`RFC 8032 ${v.name}: a valid signature did not verify`);
          if (!(await verifyNoThrow(p, offsetView(sig), offsetView(msg), offsetView(pk), `${v.name} (views)`))) fail(`RFC 8032 ${v.name}: did not verify from offset views`);
          for (const [what, i] of [['R', 0], ['S', 40]] as const) {
            const bad = sig.slice();
            bad[i] = bad[i]! ^ 1;
            if (await verifyNoThrow(p, bad, msg, pk, `${v.name} (${what} flipped)`)) fail(`RFC 8032 ${v.name}: verified with a bit of ${what} flipped`);
          }
          const other = msg.length === 0 ? Uint8Array.of(0) : msg.slice(0, -1);
          if (await verifyNoThrow(p, sig, other, pk, `${v.name} (other message)`)) fail(`RFC 8032 ${v.name}: verified another message`);
        }
      },
    });
    checks.push({
      name: 'verifyEd25519: signatures and keys of the wrong length are false, never a throw',
      async run() {
        const v = RFC8032[1];
        const [sig, msg, pk] = [hex(v.signature), hex(v.message), hex(v.public)];
        const sigs = [new Uint8Array(0), sig.subarray(0, 63), Uint8Array.of(...sig, 0), new Uint8Array(128)];
        const keys = [new Uint8Array(0), pk.subarray(0, 31), Uint8Array.of(...pk, 0), new Uint8Array(64)];
        for (const s of sigs) if (await verifyNoThrow(p, s, msg, pk, `a ${s.length}-byte signature`)) fail(`a ${s.length}-byte signature verified`);
        for (const k of keys) if (await verifyNoThrow(p, sig, msg, k, `a ${k.length}-byte key`)) fail(`a ${k.length}-byte key verified`);
      },
    });
  }
  for (const [method, sign] of signersOf(p)) {
    checks.push({
      name: `${method}: reproduces RFC 8032 TEST 1, 2, 3 and SHA(abc) (deterministic), from offset views too`,
      async run() {
        for (const v of RFC8032) {
          const got = toHex(await sign(hex(v.message), hex(v.secret)));
          if (got !== v.signature) fail(`RFC 8032 ${v.name}: signature ${got}, expected ${v.signature}`);
          const again = toHex(await sign(offsetView(hex(v.message)), offsetView(hex(v.secret))));
          if (again !== v.signature) fail(`RFC 8032 ${v.name} from views: signature ${again}`);
        }
      },
    });
    checks.push({
      name: `${method}: a seed that is not 32 bytes is KernelError KEY_INVALID`,
      async run() {
        for (const n of [0, 31, 33, 64]) await expectKeyInvalid(() => sign(utf8('m'), new Uint8Array(n).fill(1)), `a ${n}-byte seed`);
      },
    });
  }
  if (p.sha256) {
    const sha256 = p.sha256;
    checks.push({
      name: 'sha256: known answers (empty, "abc", 448- and 896-bit FIPS 180-2, one million "a", 1 MiB)',
      async run() {
        for (const k of SHA256_KAT) {
          const got = toHex(sha256(k.data()));
          if (got !== k.digest) fail(`SHA-256 of ${k.name}: ${got}, expected ${k.digest}`);
        }
      },
    });
    checks.push({
      name: 'sha256: a view into a larger buffer hashes only its own bytes; the input is left as it was',
      async run() {
        for (const k of SHA256_KAT.slice(0, 4)) {
          const view = offsetView(k.data());
          const before = toHex(new Uint8Array(view.buffer));
          const got = toHex(sha256(view));
          if (got !== k.digest) fail(`SHA-256 of ${k.name} as an offset view: ${got}`);
          if (toHex(new Uint8Array(view.buffer)) !== before) fail(`SHA-256 of ${k.name} changed its input buffer`);
        }
      },
    });
  }
  if (p.randomBytes) {
    const randomBytes = p.randomBytes;
    checks.push({
      name: 'randomBytes: exactly the length asked for (0 to past the 65536-byte getRandomValues limit), and not repeated',
      async run() {
        for (const n of [0, 1, 32, 65536, 65537, 200_000]) {
          const b = randomBytes(n);
          if (!(b instanceof Uint8Array) || b.length !== n) fail(`randomBytes(${n}) gave ${b instanceof Uint8Array ? `${b.length} bytes` : String(b)}`);
          if (n >= 32 && b.every((x) => x === 0)) fail(`randomBytes(${n}) is all zero`);
          if (n > 65536 && b.subarray(65536).every((x) => x === 0)) fail(`randomBytes(${n}): the bytes past 65536 are all zero`);
        }
        if (toHex(randomBytes(32)) === toHex(randomBytes(32))) fail('two draws of 32 bytes are equal');
      },
    });
  }
  return checks;
}

/**
 * The public half every signature is checked against (src/crypto/keys.ts `keyPairFromSecret`, which
 * the trace recorder and `forge keygen` use): RFC 8032's public keys from its secret seeds.
 */
export function keyDerivationChecks(): ContractCheck[] {
  return [
    {
      name: 'keyPairFromSecret: the RFC 8032 public keys from their seeds; a seed that is not 32 bytes is KernelError KEY_INVALID',
      async run() {
        for (const v of RFC8032) {
          const got = toHex(keyPairFromSecret(hex(v.secret)).publicKey);
          if (got !== v.public) fail(`RFC 8032 ${v.name}: public key ${got}, expected ${v.public}`);
        }
        for (const n of [0, 31, 33]) await expectKeyInvalid(() => keyPairFromSecret(new Uint8Array(n)), `a ${n}-byte seed`);
      },
    },
  ];
}

/** A deterministic generator (xorshift32), so a disagreement found on "random" inputs can be rerun. */
function pseudoRandom(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}

/**
 * Agreement between providers on pseudo-random inputs: every signer gives the same signature, every
 * verifier accepts every signer's and refuses it tampered, every hasher gives the same digest.
 */
export function agreementChecks(providers: readonly ProviderUnderTest[], seed = 20261205, rounds = 24): ContractCheck[] {
  const signers = providers.flatMap((u) => signersOf(u.provider).map(([m, f]) => [`${u.name} ${m}`, f] as const));
  const verifiers = providers.filter((u) => u.provider.verifyEd25519).map((u) => [u.name, u.provider] as const);
  const hashers = providers.filter((u) => u.provider.sha256).map((u) => [u.name, u.provider.sha256!] as const);
  return [
    {
      name: `agreement: every signer gives one signature, every verifier accepts it and refuses it tampered (${rounds} seeds × messages, seed ${seed})`,
      async run() {
        if (signers.length === 0 || verifiers.length === 0) fail('no signer or no verifier to compare');
        const rand = pseudoRandom(seed);
        for (let i = 0; i < rounds; i++) {
          const secret = rand(32);
          const msg = rand([0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 1000, 4097][i % 12]!);
          const pk = keyPairFromSecret(secret).publicKey;
          const sigs = await Promise.all(signers.map(async ([name, sign]) => [name, toHex(await sign(msg, secret))] as const));
          const distinct = new Set(sigs.map(([, s]) => s));
          if (distinct.size !== 1) fail(`round ${i}: signers disagree:\n  ${sigs.map(([n, s]) => `${n}: ${s}`).join('\n  ')}`);
          const sig = hex(sigs[0]![1]);
          const tamperedSig = sig.slice();
          tamperedSig[i % 64] = tamperedSig[i % 64]! ^ (1 << (i % 8));
          const tamperedMsg = msg.length === 0 ? Uint8Array.of(i) : msg.slice();
          if (msg.length > 0) tamperedMsg[i % msg.length] = tamperedMsg[i % msg.length]! ^ 0x80;
          for (const [name, v] of verifiers) {
            if (!(await verifyNoThrow(v, sig, msg, pk, `${name}, round ${i}`))) fail(`round ${i}: ${name} refused a valid signature`);
            if (await verifyNoThrow(v, tamperedSig, msg, pk, `${name}, round ${i}`)) fail(`round ${i}: ${name} accepted a tampered signature`);
            if (await verifyNoThrow(v, sig, tamperedMsg, pk, `${name}, round ${i}`)) fail(`round ${i}: ${name} accepted a tampered message`);
          }
        }
      },
    },
    {
      name: `agreement: every SHA-256 gives one digest (block-boundary lengths and pseudo-random ones, seed ${seed})`,
      async run() {
        if (hashers.length === 0) fail('no SHA-256 to compare');
        const rand = pseudoRandom(seed ^ 0x5a5a5a5a);
        const lengths = [0, 1, 55, 56, 57, 63, 64, 65, 111, 112, 119, 120, 127, 128, 129, 1000, 4096, 65537];
        for (let i = 0; i < 24; i++) lengths.push(rand(2).reduce((a, b) => a * 256 + b, 0) % 20000);
        for (const n of lengths) {
          const data = rand(n);
          const digests = hashers.map(([name, h]) => [name, toHex(h(data))] as const);
          if (new Set(digests.map(([, d]) => d)).size !== 1) fail(`${n} bytes: digests disagree:\n  ${digests.map(([a, d]) => `${a}: ${d}`).join('\n  ')}`);
        }
      },
    },
  ];
}
