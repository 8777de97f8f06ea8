/**
 * The JSON-lines view of a trace (docs/dna.md § Lines). Each line has exactly one rendering —
 * fixed key order, no whitespace, lowercase hex, canonical base64 — so the verifier can demand
 * that a line re-renders to itself and no byte of a stored trace can change unnoticed.
 */
import { serializeEnvelope, type DsseEnvelope } from '../crypto/dsse.ts';
import { toBase64, toHex } from '../crypto/encoding.ts';
import type { CallEntry, DropEntry, GenesisEntry, TraceEntry } from './format.ts';

export interface CheckpointLine {
  readonly size: number;
  readonly root: Uint8Array;
  readonly head: Uint8Array;
  readonly sig: Uint8Array;
}

/** Renders an entry with its chain hash. */
export function renderEntry(e: TraceEntry, hash: Uint8Array): string {
  if (e.kind === 'call') return renderCall(e, hash);
  const body = e.kind === 'genesis' ? genesisJson(e) : dropJson(e);
  body['hash'] = toHex(hash);
  return JSON.stringify(body);
}

export function renderCheckpoint(c: CheckpointLine): string {
  return `{"t":"checkpoint","size":${c.size},"root":"${toHex(c.root)}","head":"${toHex(c.head)}","sig":"${toBase64(c.sig)}"}`;
}

export function renderSummary(envelope: DsseEnvelope): string {
  return `{"t":"summary","envelope":${serializeEnvelope(envelope)}}`;
}

// Built as a string rather than an object for JSON.stringify: every call entry passes through here.
function renderCall(e: CallEntry, hash: Uint8Array): string {
  const a = e.args;
  let args = '';
  if (a.fd !== undefined) args += `,"fd":${a.fd}`;
  if (a.path !== undefined) args += `,"path":${JSON.stringify(a.path)}`;
  if (a.pathDigest !== undefined) args += `,"pathDigest":"${toHex(a.pathDigest)}"`;
  if (a.path2 !== undefined) args += `,"path2":${JSON.stringify(a.path2)}`;
  if (a.path2Digest !== undefined) args += `,"path2Digest":"${toHex(a.path2Digest)}"`;
  if (a.env !== undefined) args += `,"env":${JSON.stringify(a.env)}`;
  if (a.envDigest !== undefined) args += `,"envDigest":"${toHex(a.envDigest)}"`;
  if (a.bytes !== undefined) args += `,"bytes":${a.bytes}`;
  if (a.access !== undefined) args += `,"access":"${a.access}"`;
  const d = e.decision;
  let decision = `"effect":"${d.effect}","rules":${JSON.stringify(d.rules)},"reason":${JSON.stringify(d.reason)}`;
  if (d.monitored) decision += ',"monitored":true';
  if (d.limited !== undefined) decision += `,"limited":${JSON.stringify(d.limited)}`;
  const r = e.result;
  let result = `"errno":${r.errno}`;
  if (r.size !== undefined) result += `,"size":${r.size}`;
  if (r.data !== undefined) result += `,"data":"${toBase64(r.data)}"`;
  if (r.dataLen !== undefined) result += `,"dataLen":${r.dataLen}`;
  if (r.dataDigest !== undefined) result += `,"dataDigest":"${toHex(r.dataDigest)}"`;
  if (r.dataNote !== undefined) result += `,"dataNote":"${r.dataNote}"`;
  return `{"t":"call","seq":${e.seq},"syscall":"${e.syscall}","group":"${e.group}","args":{${args.slice(1)}},"decision":{${decision}},"result":{${result}},"fuel":"${e.fuel}","trust":${JSON.stringify(e.trust)},"hash":"${toHex(hash)}"}`;
}

function genesisJson(e: GenesisEntry): Record<string, unknown> {
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
  return out;
}

function dropJson(e: DropEntry): Record<string, unknown> {
  return { t: 'drop', seq: e.seq, count: e.count, denied: e.denied, flags: e.flags, reason: e.reason };
}
