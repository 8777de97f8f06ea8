/**
 * Verifying a 1 MiB package (a module of ~1 MiB of real function bodies), beside its floor: a
 * raw SHA-256 of the same bytes plus one Ed25519 verify, with each crypto provider. Also the
 * pieces: noble vs WebCrypto Ed25519 verify, WebAssembly.validate, and noble vs native SHA-256.
 */
import { createHash } from 'node:crypto';
import { nodeCrypto } from '../../platform/node/crypto.ts';
import { generateKeyPair, packPackage, createTrustRoot, verifyPackage, nobleCrypto, resolveCrypto } from '../../src/packages/index.ts';
import { toHex } from '../../src/lib/encoding.ts';
import { timeNs, timeNsAsync, type BenchRow } from './harness.ts';

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const section = (id: number, payload: number[]) => [id, ...leb(payload.length), ...payload];

/** A valid module of `functions` bodies, each ~`bodyBytes` of `i32.const k; drop` pairs. */
export function bigModule(functions = 1024, bodyBytes = 1020): Uint8Array<ArrayBuffer> {
  const body: number[] = [0x00];
  for (let i = 0; body.length < bodyBytes - 3; i++) body.push(0x41, i & 0x3f, 0x1a);
  body.push(0x41, 0x00, 0x0b);
  const entry = [...leb(body.length), ...body];
  const code: number[] = [...leb(functions)];
  for (let i = 0; i < functions; i++) code.push(...entry);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x00, 0x01, 0x7f]),
    ...section(3, [...leb(functions), ...new Array<number>(functions).fill(0)]),
    ...section(10, code),
  ]);
}

/** Medians (ms) of `a` and `b` timed in alternating rounds, so load on a shared machine hits both alike. */
async function paired(a: () => Promise<unknown>, b: () => Promise<unknown>, iterations: number, rounds = 9): Promise<[number, number]> {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < 3; i++) { await a(); await b(); }
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    for (let i = 0; i < iterations; i++) await a();
    ta.push((performance.now() - t0) / iterations);
    t0 = performance.now();
    for (let i = 0; i < iterations; i++) await b();
    tb.push((performance.now() - t0) / iterations);
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return [median(ta), median(tb)];
}

export default async function packagesBench(): Promise<BenchRow[]> {
  const module = bigModule();
  if (!WebAssembly.validate(module)) throw new Error('bench module does not validate');
  const key = generateKeyPair();
  const now = Date.now();
  const web = resolveCrypto(nodeCrypto);
  const root = await createTrustRoot({ expires: new Date(now + 86_400_000).toISOString(), threshold: 1, keys: [{ id: key.keyId, publicKey: toHex(key.publicKey) }] }, [key], { crypto: nobleCrypto, now });
  const pkg = await packPackage({ module, manifest: { name: 'bench/big', version: '1.0.0' } }, { crypto: nobleCrypto, keys: [key] });
  const mib = (pkg.length / 1048576).toFixed(2);
  const msg = new Uint8Array(200);
  const sig = await nobleCrypto.signEd25519(msg, key.secretKey);

  const ms = (ns: number) => ns / 1e6;
  const [verifyWeb, floorWeb] = await paired(
    () => verifyPackage(pkg, root, { crypto: web, now }),
    async () => { web.sha256(pkg); await web.verifyEd25519(sig, msg, key.publicKey); }, 10);
  const [verifyNoble, floorNoble] = await paired(
    () => verifyPackage(pkg, root, { crypto: nobleCrypto, now }),
    async () => { nobleCrypto.sha256(pkg); await nobleCrypto.verifyEd25519(sig, msg, key.publicKey); }, 10);
  const edNoble = await timeNsAsync(() => nobleCrypto.verifyEd25519(sig, msg, key.publicKey), 200) / 1e3;
  const edWeb = await timeNsAsync(() => web.verifyEd25519(sig, msg, key.publicKey), 200) / 1e3;
  const validate = ms(timeNs(() => WebAssembly.validate(module), 20));
  const shaNoble = ms(timeNs(() => nobleCrypto.sha256(pkg), 20));
  const shaNative = ms(timeNs(() => createHash('sha256').update(pkg).digest(), 20));

  return [
    { name: `verify ${mib} MiB package (WebCrypto Ed25519, noble SHA-256)`, value: verifyWeb, unit: 'ms', baseline: { name: 'SHA-256 of the same bytes + 1 Ed25519 verify', value: floorWeb } },
    { name: `verify ${mib} MiB package (all noble)`, value: verifyNoble, unit: 'ms', baseline: { name: 'SHA-256 of the same bytes + 1 noble verify', value: floorNoble } },
    { name: 'Ed25519 verify, noble (pure JS)', value: edNoble, unit: 'µs', baseline: { name: 'Ed25519 verify, WebCrypto (node)', value: edWeb } },
    { name: `WebAssembly.validate of the ${(module.length / 1048576).toFixed(2)} MiB module`, value: validate, unit: 'ms', baseline: { name: 'noble SHA-256 of the package', value: shaNoble } },
    { name: `noble SHA-256 of ${mib} MiB`, value: shaNoble, unit: 'ms', baseline: { name: 'node:crypto SHA-256 of the same bytes', value: shaNative } },
  ];
}
