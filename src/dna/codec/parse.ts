/**
 * Parses one line of a stored trace — untrusted input — into a typed value with zod. A line that
 * parses but does not re-render to exactly itself is refused by the verifier, so these schemas
 * check types and ranges and leave the byte-level form to `lines.ts`.
 */
import { z } from 'zod';
import { decodeCanonicalBase64, type DsseEnvelope } from '../../packages/dsse.ts';
import { fromHex } from '../../lib/encoding.ts';
import { firstIssue } from '../../lib/zod-issues.ts';
import { ACTION_GROUPS, WASI_SYSCALLS } from '../../ports/syscalls.ts';
import { KernelError } from '../../errors.ts';
import { DATA_NOTES, type CallEntry, type DropEntry, type GenesisEntry } from '../format.ts';
import type { CheckpointLine } from './lines.ts';
import { RISK_FLAGS } from '../inspect/score.ts';

const str = z.string().max(1 << 20).refine((s) => s.isWellFormed(), 'holds a lone UTF-16 surrogate');
const uint = z.int().min(0);
const hex32 = z.string().transform((s, ctx) => {
  const b = s.length === 64 ? decodeHex(s) : undefined;
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be 64 lowercase hex digits' });
    return z.NEVER;
  }
  return b;
});
const hexAny = z.string().max(512).regex(/^(?:[0-9a-f]{2})*$/, 'must be lowercase hex').transform((s) => fromHex(s)!);
/** Lowercase hex of any length (returned data can be a MiB): decoded without a regex pass over it. */
const hexData = z.string().transform((s, ctx) => {
  const b = decodeHex(s);
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be lowercase hex' });
    return z.NEVER;
  }
  return b;
});
const sig = z.string().regex(/^[0-9a-f]{128}$/, 'must be 128 lowercase hex digits (an Ed25519 signature)').transform((s) => fromHex(s)!);
const b64 = z.string().transform((s, ctx) => {
  const b = decodeCanonicalBase64(s);
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be canonical standard base64' });
    return z.NEVER;
  }
  return b;
});

function digit(c: number): number {
  return c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
}
function decodeHex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = digit(s.charCodeAt(2 * i));
    const lo = digit(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}
const LIMIT_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

const genesisSchema = z.strictObject({
  t: z.literal('genesis'),
  seq: z.literal(0),
  format: str,
  run: str,
  kernel: z.strictObject({ id: str, key: hex32 }),
  configDigest: hex32,
  package: z.strictObject({ digest: hex32, name: str.optional(), version: str.optional(), signer: str.optional() }),
  policyDigest: hex32,
  identity: str,
  limits: z.record(z.string().regex(LIMIT_NAME), uint),
  nonce: hexAny,
  checkpointInterval: z.int().min(1),
  startedAt: uint.optional(),
  dataCap: z.strictObject({ entry: uint, run: uint }),
  redact: z.strictObject({ paths: z.array(str), env: z.array(str), data: z.enum(['keep', 'digest']) }),
  hash: hex32,
});

const callSchema = z.strictObject({
  t: z.literal('call'),
  seq: z.int().min(1),
  syscall: z.enum(WASI_SYSCALLS),
  group: z.enum(ACTION_GROUPS),
  args: z.strictObject({
    fd: uint.optional(), path: str.optional(), pathDigest: hex32.optional(), path2: str.optional(),
    path2Digest: hex32.optional(), env: str.optional(), envDigest: hex32.optional(), bytes: uint.optional(),
    access: z.enum(['read', 'write', 'readwrite']).optional(),
  }),
  decision: z.strictObject({
    effect: z.enum(['allow', 'deny']), rules: z.array(str), reason: str, monitored: z.literal(true).optional(),
    limited: str.optional(),
  }),
  result: z.strictObject({
    errno: uint, size: uint.optional(), data: hexData.optional(), dataLen: uint.optional(), dataDigest: hex32.optional(),
    dataNote: z.enum(DATA_NOTES).optional(),
  }),
  fuel: z.string().regex(/^(0|[1-9][0-9]{0,19})$/, 'must be a decimal integer').transform((s) => BigInt(s))
    .refine((v) => v < 1n << 64n, 'exceeds 2^64'),
  trust: z.number(),
  hash: hex32,
});

const dropSchema = z.strictObject({
  t: z.literal('drop'),
  seq: z.int().min(1),
  count: z.int().min(1),
  denied: uint,
  flags: z.array(z.enum(RISK_FLAGS)),
  reason: z.enum(['buffer-full', 'sink-failed']),
  hash: hex32,
});

const checkpointSchema = z.strictObject({ t: z.literal('checkpoint'), size: z.int().min(1), root: hex32, head: hex32, sig });

const summarySchema = z.strictObject({
  t: z.literal('summary'),
  envelope: z.strictObject({
    payload: b64, payloadType: str,
    signatures: z.array(z.strictObject({ keyid: z.string().regex(/^[0-9a-f]{64}$/), sig: b64 })).min(1).max(8),
  }),
});

export type ParsedLine =
  | { readonly t: 'genesis'; readonly entry: GenesisEntry; readonly hash: Uint8Array }
  | { readonly t: 'call'; readonly entry: CallEntry; readonly hash: Uint8Array }
  | { readonly t: 'drop'; readonly entry: DropEntry; readonly hash: Uint8Array }
  | { readonly t: 'checkpoint'; readonly checkpoint: CheckpointLine }
  | { readonly t: 'summary'; readonly envelope: DsseEnvelope };

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = firstIssue(r.error);
    throw new KernelError('TRACE_INVALID', `${what} field "${i.path}": ${i.message}`, { field: i.path });
  }
  return r.data;
}

/**
 * Parses one trace line.
 * @throws KernelError TRACE_INVALID naming the field that does not fit
 */
export function parseLine(text: string): ParsedLine {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new KernelError('TRACE_INVALID', 'the line is not JSON');
  }
  const t = v !== null && typeof v === 'object' ? (v as { t?: unknown }).t : undefined;
  switch (t) {
    case 'call': {
      const c = check(callSchema, v, 'call entry');
      return { t, hash: c.hash, entry: { kind: 'call', seq: c.seq, syscall: c.syscall, group: c.group, args: c.args, decision: c.decision, result: c.result, fuel: c.fuel, trust: c.trust } };
    }
    case 'genesis': {
      const g = check(genesisSchema, v, 'genesis entry');
      const limits = Object.entries(g.limits).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return {
        t, hash: g.hash, entry: {
          kind: 'genesis', seq: 0, format: g.format, runId: g.run, kernelId: g.kernel.id, kernelKey: g.kernel.key,
          configDigest: g.configDigest, package: g.package, policyDigest: g.policyDigest, identity: g.identity, limits,
          nonce: g.nonce, checkpointInterval: g.checkpointInterval, ...(g.startedAt !== undefined ? { startedAt: g.startedAt } : {}),
          dataCap: g.dataCap, redact: g.redact,
        },
      };
    }
    case 'drop': {
      const d = check(dropSchema, v, 'drop record');
      return { t, hash: d.hash, entry: { kind: 'drop', seq: d.seq, count: d.count, denied: d.denied, flags: d.flags, reason: d.reason } };
    }
    case 'checkpoint': {
      const c = check(checkpointSchema, v, 'checkpoint');
      return { t, checkpoint: { size: c.size, root: c.root, head: c.head, sig: c.sig } };
    }
    case 'summary': {
      const s = check(summarySchema, v, 'summary');
      return { t, envelope: s.envelope };
    }
    default:
      throw new KernelError('TRACE_INVALID', `unknown line type ${JSON.stringify(t)} (expected genesis, call, drop, checkpoint or summary)`);
  }
}
