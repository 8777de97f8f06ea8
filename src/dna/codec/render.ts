/**
 * The JSON line of an entry, rendered from its canonical bytes straight into UTF-8 (docs/dna.md
 * § Lines). A call entry's fields are stored in the order its JSON keys appear, so one pass over
 * the bytes writes the line: names and numbers as ASCII, strings with exactly the escapes
 * `JSON.stringify` gives a well-formed string, byte strings as lowercase hex. The recorder renders
 * a whole segment into one buffer and decodes it once; the verifier renders each entry it parsed
 * the same way and demands the stored line be exactly that text.
 */
import { ACTION_GROUPS, WASI_SYSCALLS } from '../../ports/syscalls.ts';
import { KernelError } from '../../errors.ts';
import { ByteReader, type ByteWriter, type ReadError } from '../../lib/bytes.ts';
import { decodeEntry } from './canonical-decode.ts';
import { ACCESS, KIND } from './canonical.ts';
import { CANONICAL_VERSION, DATA_NOTES, type DropEntry, type GenesisEntry } from '../format.ts';
import { toHex } from '../../lib/encoding.ts';

const enc = new TextEncoder();
const b = (s: string) => enc.encode(s);
const HEX = b('0123456789abcdef');

const SYSCALL = WASI_SYSCALLS.map((s) => b(`,"syscall":"${s}"`));
const GROUP = ACTION_GROUPS.map((g) => b(`,"group":"${g}","args":{`));
const ACCESS_JSON = ACCESS.map((a) => b(`"access":"${a}"`));
const NOTE_JSON = DATA_NOTES.map((n) => b(`,"dataNote":"${n}"`));
const EFFECT = [b('},"decision":{"effect":"allow","rules":['), b('},"decision":{"effect":"deny","rules":[')];
const ARG_NAME: Record<number, Uint8Array> = {
  3: b('"fd":'), 4: b('"path":'), 5: b('"pathDigest":"'), 6: b('"path2":'), 7: b('"path2Digest":"'), 8: b('"env":'),
  9: b('"envDigest":"'), 10: b('"bytes":'),
};
const F = {
  call: b('{"t":"call","seq":'), reason: b('],"reason":'), monitored: b(',"monitored":true'), limited: b(',"limited":'),
  errno: b('},"result":{"errno":'), size: b(',"size":'), data: b(',"data":"'), dataLen: b(',"dataLen":'),
  dataDigest: b(',"dataDigest":"'), fuel: b('},"fuel":"'), trust: b('","trust":'), hash: b(',"hash":"'), end: b('"}'),
};

function bad(what: string): never {
  throw new KernelError('INTERNAL', `DNA: malformed canonical entry (${what})`);
}

/** As `bad`: canonical bytes are the recorder's own, so a read that fails is a kernel bug. */
const readError: ReadError = (problem, what) => new KernelError('INTERNAL', `DNA: malformed canonical entry (${problem === 'truncated' ? 'end of entry' : what})`);

/**
 * The fuel counter, in decimal: summed as a Number while its LEB128 has at most seven bytes (below
 * 2^49, exact), re-read as a bigint beyond. (Read here rather than by `c.uint`, which stops at the
 * eight bytes of a safe integer: a counter may take ten.)
 */
function fuelDigits(o: Uint8Array, p: number, c: ByteReader): number {
  const m = c.buf;
  const end = c.end;
  const start = c.pos;
  let q = start;
  let v = 0;
  let scale = 1;
  for (;;) {
    if (q >= end) bad('end of entry');
    const x = m[q++]!;
    v += (x & 0x7f) * scale;
    if (x < 0x80) break;
    scale *= 0x80;
  }
  c.pos = q;
  if (q - start <= 7) return digits(o, p, v);
  let big = 0n;
  for (let i = q - 1; i >= start; i--) big = (big << 7n) | BigInt(m[i]! & 0x7f);
  const s = big.toString();
  for (let i = 0; i < s.length; i++) o[p++] = s.charCodeAt(i);
  return p;
}

/** Copies a fragment to `o[p..]`; returns the new position. (TypedArray#set: 3× a byte loop at 40 bytes.) */
function put(o: Uint8Array, p: number, f: Uint8Array): number {
  o.set(f, p);
  return p + f.length;
}

/** A non-negative integer below 2^53 in decimal; returns the new position. */
function digits(o: Uint8Array, p: number, v: number): number {
  if (v < 0x100000000) {
    // uint32 division: a third of the cost of Math.floor over doubles.
    let x = v >>> 0;
    let n = 1;
    for (let y = x; y >= 10; y = (y / 10) >>> 0) n++;
    for (let i = p + n - 1; i >= p; i--) {
      const q = (x / 10) >>> 0;
      o[i] = 0x30 + x - q * 10;
      x = q;
    }
    return p + n;
  }
  const s = String(v);
  for (let i = 0; i < s.length; i++) o[p++] = s.charCodeAt(i);
  return p;
}

/** What JSON.stringify writes for a number (the recorder keeps only finite ones). */
function number(o: Uint8Array, p: number, v: number): number {
  if (Number.isSafeInteger(v) && v >= 0) return digits(o, p, v);
  const s = String(v);
  for (let i = 0; i < s.length; i++) o[p++] = s.charCodeAt(i);
  return p;
}

function hex(o: Uint8Array, p: number, m: Uint8Array, from: number, n: number): number {
  for (let i = from; i < from + n; i++) {
    const x = m[i]!;
    o[p++] = HEX[x >> 4]!;
    o[p++] = HEX[x & 15]!;
  }
  return p;
}

/** A canonical string (U + UTF-8) as a JSON string: `"`, `\` and C0 controls escaped as JSON.stringify does. */
function str(o: Uint8Array, p: number, c: ByteReader): number {
  const n = c.uint();
  if (c.pos + n > c.end) bad('end of entry');
  const m = c.buf;
  o[p++] = 0x22;
  for (let i = c.pos; i < c.pos + n; i++) {
    const x = m[i]!;
    if (x >= 0x20 && x !== 0x22 && x !== 0x5c) o[p++] = x;
    else {
      o[p++] = 0x5c;
      const short = x === 0x22 ? 0x22 : x === 0x5c ? 0x5c : x === 8 ? 0x62 : x === 9 ? 0x74 : x === 10 ? 0x6e : x === 12 ? 0x66 : x === 13 ? 0x72 : 0;
      if (short !== 0) o[p++] = short;
      else {
        o[p++] = 0x75; o[p++] = 0x30; o[p++] = 0x30;
        o[p++] = HEX[x >> 4]!;
        o[p++] = HEX[x & 15]!;
      }
    }
  }
  o[p++] = 0x22;
  c.pos += n;
  return p;
}

function hash32(o: Uint8Array, p: number, c: ByteReader): number {
  if (c.pos + 32 > c.end) bad('end of entry');
  p = hex(o, p, c.buf, c.pos, 32);
  c.pos += 32;
  o[p++] = 0x22;
  return p;
}

/**
 * Appends the JSON line (no newline) of the canonical entry at `m[from..to)` whose chain hash is
 * `hash[hashAt..hashAt+32)` to `out`.
 * @throws KernelError INTERNAL for bytes no encoder wrote
 */
export function renderCanonical(out: ByteWriter, m: Uint8Array, from: number, to: number, hash: Uint8Array, hashAt: number): void {
  if (m[from] !== CANONICAL_VERSION) bad('version');
  if (m[from + 1] !== KIND.call) {
    const e = decodeEntry(m, from, to);
    const text = e.kind === 'genesis' ? genesisJson(e, hash.subarray(hashAt, hashAt + 32)) : e.kind === 'drop' ? dropJson(e, hash.subarray(hashAt, hashAt + 32)) : bad('kind');
    out.raw(enc.encode(text));
    return;
  }
  // Every field grows at most sixfold (a control character in a string); the rest is fixed text.
  out.room(6 * (to - from) + 512);
  const o = out.buf;
  const c = new ByteReader(m, from + 2, to, readError);
  let p = put(o, out.pos, F.call);
  p = digits(o, p, c.uint());
  p = put(o, p, c.tag(1) ? SYSCALL[c.uint()] ?? bad('syscall') : bad('syscall'));
  p = put(o, p, c.tag(2) ? GROUP[c.uint()] ?? bad('group') : bad('group'));
  let sep = false;
  for (let t = 3; t <= 11; t++) {
    if (!c.tag(t)) continue;
    if (sep) o[p++] = 0x2c;
    sep = true;
    if (t === 11) p = put(o, p, ACCESS_JSON[c.uint()] ?? bad('access'));
    else {
      p = put(o, p, ARG_NAME[t]!);
      p = t === 3 || t === 10 ? digits(o, p, c.uint()) : t % 2 === 0 ? str(o, p, c) : hash32(o, p, c);
    }
  }
  p = put(o, p, c.tag(16) ? EFFECT[c.uint()] ?? bad('effect') : bad('effect'));
  if (!c.tag(17)) bad('rules');
  for (let k = c.uint(); k > 0; k--) {
    p = str(o, p, c);
    if (k > 1) o[p++] = 0x2c;
  }
  p = put(o, p, F.reason);
  if (!c.tag(18)) bad('reason');
  p = str(o, p, c);
  if (c.tag(19)) p = put(o, p, F.monitored);
  if (c.tag(20)) p = str(o, put(o, p, F.limited), c);
  p = put(o, p, F.errno);
  p = digits(o, p, c.tag(32) ? c.uint() : bad('errno'));
  if (c.tag(33)) p = digits(o, put(o, p, F.size), c.uint());
  if (c.tag(34)) {
    const n = c.uint();
    if (c.pos + n > c.end) bad('end of entry');
    out.pos = p;
    out.room(2 * n + 256);
    p = hex(out.buf, put(out.buf, p, F.data), m, c.pos, n);
    c.pos += n;
    out.buf[p++] = 0x22;
  }
  const o2 = out.buf;
  if (c.tag(35)) p = digits(o2, put(o2, p, F.dataLen), c.uint());
  if (c.tag(36)) p = hash32(o2, put(o2, p, F.dataDigest), c);
  if (c.tag(37)) p = put(o2, p, NOTE_JSON[c.uint()] ?? bad('data note'));
  p = put(o2, p, F.fuel);
  if (!c.tag(48)) bad('fuel');
  p = fuelDigits(o2, p, c);
  p = put(o2, p, F.trust);
  if (!c.tag(49)) bad('trust');
  p = number(o2, p, c.f64());
  if (c.pos !== to) bad('trailing bytes');
  p = put(o2, p, F.hash);
  p = hex(o2, p, hash, hashAt, 32);
  out.pos = put(o2, p, F.end);
}

function genesisJson(e: GenesisEntry, hash: Uint8Array): string {
  const pkg: Record<string, unknown> = { digest: toHex(e.package.digest) };
  if (e.package.name !== undefined) pkg['name'] = e.package.name;
  if (e.package.version !== undefined) pkg['version'] = e.package.version;
  if (e.package.signer !== undefined) pkg['signer'] = e.package.signer;
  const out: Record<string, unknown> = {
    t: 'genesis', seq: 0, format: e.format, run: e.runId,
    kernel: { id: e.kernelId, key: toHex(e.kernelKey) },
    configDigest: toHex(e.configDigest), package: pkg, policyDigest: toHex(e.policyDigest), identity: e.identity,
    limits: Object.fromEntries(e.limits), nonce: toHex(e.nonce), checkpointInterval: e.checkpointInterval,
  };
  if (e.startedAt !== undefined) out['startedAt'] = e.startedAt;
  out['dataCap'] = { entry: e.dataCap.entry, run: e.dataCap.run };
  out['redact'] = { paths: e.redact.paths, env: e.redact.env, data: e.redact.data };
  out['hash'] = toHex(hash);
  return JSON.stringify(out);
}

function dropJson(e: DropEntry, hash: Uint8Array): string {
  return JSON.stringify({ t: 'drop', seq: e.seq, count: e.count, denied: e.denied, flags: e.flags, reason: e.reason, hash: toHex(hash) });
}
