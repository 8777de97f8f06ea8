/**
 * Reads canonical entry bytes back into typed entries. The recorder keeps only the canonical
 * bytes of the entries it has not yet handed over (compact, and what was hashed) and renders
 * their JSON lines from them when they are flushed, so every line is a view of hashed bytes.
 */
import { ACTION_GROUPS, WASI_SYSCALLS } from '../../ports/syscalls.ts';
import { KernelError } from '../../errors.ts';
import { ByteReader, type ReadError } from '../../lib/bytes.ts';
import { ACCESS, DROP_REASONS, KIND } from './canonical.ts';
import { CANONICAL_VERSION, DATA_NOTES, type CallArgs, type CallDecision, type CallEntry, type CallResult, type DropEntry, type GenesisEntry, type TraceEntry } from '../format.ts';
import { RISK_FLAGS } from '../inspect/score.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function bad(what: string): never {
  throw new KernelError('INTERNAL', `DNA: malformed canonical entry (${what})`);
}

function pick<T>(table: readonly T[], i: number, what: string): T {
  const v = table[i];
  if (v === undefined) bad(`${what} ${i}`);
  return v;
}

/** Canonical bytes are the recorder's own: a read that fails is a kernel bug. */
const canonicalError: ReadError = (problem, what, at) =>
  new KernelError('INTERNAL', `DNA: malformed canonical entry (${problem === 'truncated' ? 'end of entry' : what} at byte ${at})`);

function list(r: ByteReader): string[] {
  const n = r.uint();
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.str());
  return out;
}

/**
 * Decodes the entry at `buf[from..to)`.
 * @throws KernelError INTERNAL for bytes no encoder wrote
 */
export function decodeEntry(buf: Uint8Array, from = 0, to = buf.length): TraceEntry {
  const r = new ByteReader(buf, from, to, canonicalError);
  if (r.u8() !== CANONICAL_VERSION) bad('version');
  const kind = r.u8();
  const seq = r.uint();
  const e = kind === KIND.call ? decodeCall(r, seq) : kind === KIND.genesis ? decodeGenesis(r, seq) : kind === KIND.drop ? decodeDrop(r, seq) : bad(`kind ${kind}`);
  if (!r.done) bad(`trailing byte ${r.peek()}`);
  return e;
}

function decodeCall(r: ByteReader, seq: number): CallEntry {
  const syscall = r.tag(1) ? pick(WASI_SYSCALLS, r.uint(), 'syscall') : bad('syscall');
  const group = r.tag(2) ? pick(ACTION_GROUPS, r.uint(), 'group') : bad('group');
  const a: Mutable<CallArgs> = {};
  if (r.tag(3)) a.fd = r.uint();
  if (r.tag(4)) a.path = r.str();
  if (r.tag(5)) a.pathDigest = r.raw(32);
  if (r.tag(6)) a.path2 = r.str();
  if (r.tag(7)) a.path2Digest = r.raw(32);
  if (r.tag(8)) a.env = r.str();
  if (r.tag(9)) a.envDigest = r.raw(32);
  if (r.tag(10)) a.bytes = r.uint();
  if (r.tag(11)) a.access = pick(ACCESS, r.uint(), 'access');
  const effect = r.tag(16) ? (r.uint() === 0 ? 'allow' : 'deny') : bad('effect');
  const rules = r.tag(17) ? list(r) : bad('rules');
  const reason = r.tag(18) ? r.str() : bad('reason');
  const d: Mutable<CallDecision> = { effect, rules, reason };
  if (r.tag(19)) d.monitored = true;
  if (r.tag(20)) d.limited = r.str();
  const res: Mutable<CallResult> = { errno: r.tag(32) ? r.uint() : bad('errno') };
  if (r.tag(33)) res.size = r.uint();
  if (r.tag(34)) res.data = r.bytes();
  if (r.tag(35)) res.dataLen = r.uint();
  if (r.tag(36)) res.dataDigest = r.raw(32);
  if (r.tag(37)) res.dataNote = pick(DATA_NOTES, r.uint(), 'data note');
  const fuel = r.tag(48) ? r.big() : bad('fuel');
  const trust = r.tag(49) ? r.f64() : bad('trust');
  return { kind: 'call', seq, syscall, group, args: a, decision: d, result: res, fuel, trust };
}

function decodeGenesis(r: ByteReader, seq: number): GenesisEntry {
  if (seq !== 0) bad('genesis seq');
  const need = <T>(tag: number, read: () => T): T => (r.tag(tag) ? read() : bad(`genesis tag ${tag}`));
  const format = need(1, () => r.str());
  const runId = need(2, () => r.str());
  const kernelId = need(3, () => r.str());
  const kernelKey = need(4, () => r.raw(32));
  const configDigest = need(5, () => r.raw(32));
  const pkg: Mutable<GenesisEntry['package']> = { digest: need(6, () => r.raw(32)) };
  if (r.tag(7)) pkg.name = r.str();
  if (r.tag(8)) pkg.version = r.str();
  if (r.tag(9)) pkg.signer = r.str();
  const policyDigest = need(10, () => r.raw(32));
  const identity = need(11, () => r.str());
  const limits: [string, number][] = [];
  need(12, () => {
    for (let n = r.uint(); n > 0; n--) limits.push([r.str(), r.uint()]);
  });
  const nonce = need(13, () => r.bytes());
  const checkpointInterval = need(14, () => r.uint());
  const startedAt = r.tag(15) ? r.uint() : undefined;
  const dataCap = { entry: need(16, () => r.uint()), run: need(17, () => r.uint()) };
  const redact = { paths: need(18, () => list(r)), env: need(19, () => list(r)), data: need(20, () => (r.uint() === 0 ? 'keep' as const : 'digest' as const)) };
  return {
    kind: 'genesis', seq: 0, format, runId, kernelId, kernelKey, configDigest, package: pkg, policyDigest, identity, limits, nonce,
    checkpointInterval, ...(startedAt !== undefined ? { startedAt } : {}), dataCap, redact,
  };
}

function decodeDrop(r: ByteReader, seq: number): DropEntry {
  const count = r.tag(1) ? r.uint() : bad('drop count');
  const denied = r.tag(2) ? r.uint() : bad('drop denied');
  const flags = r.tag(3) ? list(r) : bad('drop flags');
  for (const f of flags) if (!(RISK_FLAGS as readonly string[]).includes(f)) bad(`risk flag ${f}`);
  const reason = r.tag(4) ? pick(DROP_REASONS, r.uint(), 'drop reason') : bad('drop reason');
  return { kind: 'drop', seq, count, denied, flags, reason };
}
