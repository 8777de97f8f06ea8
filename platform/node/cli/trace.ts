/**
 * `forge trace …` — work with Execution DNA traces (docs/dna.md):
 *   verify TRACE [--key K]            recompute chain, Merkle roots, signatures; name the first bad entry
 *   prove TRACE --entry N | --from A --to B   print a self-contained inclusion / consistency proof
 *   check-proof PROOF.json [--key K]  verify such a proof on its own
 *   explain TRACE [--json]            a short factual account of the run
 *   export TRACE --out EVIDENCE.tar   one evidence file (trace, checkpoints, attestation, manifest, policy, memory)
 *   key                               print the kernel's public key (creating the key on first use)
 * TRACE is a .jsonl trace or an evidence file (its trace is read).
 */
import { gzipSync, gunzipSync } from 'node:zlib';
import type { Command } from 'commander';
import { publicKeyJson } from '../../../src/packages/index.ts';
import { KernelError } from '../../../src/errors.ts';
import {
  consistencyProof, explainTrace, exportEvidence, inclusionProof, readEvidence, verifyConsistency, verifyInclusion, verifyTrace,
  CONSISTENCY_FORMAT, INCLUSION_FORMAT, traceReportError,
} from '../../../src/dna/index.ts';
import { escapeText } from '../../../src/lib/escape.ts';
import { isTar } from '../../../src/lib/tar.ts';
import { DEFAULT_DATA_DIR, loadKernelKey, readPublicKeyArg } from '../kernel-key.ts';
import { cliCrypto, out, readBytes, readJson, writeAtomic } from './package-io.ts';

/** The trace text of a .jsonl file, an evidence .tar, or a gzipped one. */
export function readTraceFile(path: string): string {
  let bytes = readBytes(path, 'trace');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = new Uint8Array(gunzipSync(bytes));
  return isTar(bytes) ? readEvidence(bytes).trace : new TextDecoder().decode(bytes);
}

const int = (v: string, option: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new KernelError('BAD_REQUEST', `${option} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
};

export function registerTrace(program: Command): void {
  const trace = program.command('trace').description('verify, prove, explain and export Execution DNA traces');

  trace.command('verify')
    .description('recompute a trace\'s hash chain, Merkle roots and signatures; exit non-zero naming the first bad entry')
    .argument('<trace>', 'a trace (.jsonl) or an evidence file')
    .option('--key <kernel.pub>', 'the kernel\'s public key (key document or 64 hex digits): pins the signer')
    .option('--json', 'print the report as JSON')
    .action(async (path: string, o: { key?: string; json?: boolean }) => {
      const r = await verifyTrace(readTraceFile(path), { crypto: cliCrypto, ...(o.key !== undefined ? { publicKey: readPublicKeyArg(o.key) } : {}) });
      if (o.json) out(JSON.stringify(r, null, 2));
      else {
        // The messages quote what the trace holds; a forged trace must not forge this verdict.
        out(escapeText(`${r.status}: ${r.message}`));
        for (const n of r.notes) out(escapeText(`note: ${n}`));
      }
      const err = traceReportError(r);
      if (err) throw err;
    });

  trace.command('prove')
    .description('print a proof that verifies on its own: --entry N (inclusion) or --from A --to B (consistency between checkpoints)')
    .argument('<trace>', 'a trace (.jsonl) or an evidence file')
    .option('--entry <n>', 'the entry to prove (its seq)')
    .option('--size <n>', 'prove against the checkpoint of this many entries (default: the last one covering the entry)')
    .option('--from <n>', 'consistency: the smaller checkpoint size')
    .option('--to <n>', 'consistency: the larger checkpoint size')
    .action((path: string, o: { entry?: string; size?: string; from?: string; to?: string }) => {
      const text = readTraceFile(path);
      if (o.entry !== undefined) {
        out(JSON.stringify(inclusionProof(text, int(o.entry, '--entry'), o.size !== undefined ? { size: int(o.size, '--size') } : {}), null, 2));
      } else if (o.from !== undefined && o.to !== undefined) {
        out(JSON.stringify(consistencyProof(text, int(o.from, '--from'), int(o.to, '--to')), null, 2));
      } else {
        throw new KernelError('BAD_REQUEST', 'give --entry N for an inclusion proof, or --from A --to B for a consistency proof');
      }
    });

  trace.command('check-proof')
    .description('verify a proof printed by `forge trace prove`, with nothing but the proof (and optionally the kernel key)')
    .argument('<proof>', 'the proof JSON file')
    .option('--key <kernel.pub>', 'the kernel\'s public key: pins the signer')
    .action(async (path: string, o: { key?: string }) => {
      const proof = readJson(path, 'proof', 'TRACE_INVALID');
      const opts = { crypto: cliCrypto, ...(o.key !== undefined ? { publicKey: readPublicKeyArg(o.key) } : {}) };
      const format = (proof as { format?: unknown } | null)?.format;
      const r = format === CONSISTENCY_FORMAT ? await verifyConsistency(proof, opts)
        : format === INCLUSION_FORMAT ? await verifyInclusion(proof, opts)
          : { ok: false, message: `not a DNA proof: format ${JSON.stringify(format)} (expected ${INCLUSION_FORMAT} or ${CONSISTENCY_FORMAT})` };
      if (!r.ok) throw new KernelError('TRACE_TAMPERED', `the proof does not verify: ${r.message}`);
      out(escapeText(`ok: ${r.message}`));
    });

  trace.command('explain')
    .description('a short, factual account of a run: what the guest did, what was denied and why, the score')
    .argument('<trace>', 'a trace (.jsonl) or an evidence file')
    .option('--key <kernel.pub>', 'the kernel\'s public key, to pin the verification the account starts with')
    .option('--json', 'print the account as JSON')
    .action(async (path: string, o: { key?: string; json?: boolean }) => {
      const text = readTraceFile(path);
      const report = await verifyTrace(text, { crypto: cliCrypto, ...(o.key !== undefined ? { publicKey: readPublicKeyArg(o.key) } : {}) });
      const e = explainTrace(text, { report });
      out(o.json ? JSON.stringify(e.json, null, 2) : e.text);
    });

  trace.command('export')
    .description('write one evidence file: trace, checkpoints, attestation, manifest, policy, memory snapshot (a ustar archive; .gz compresses it)')
    .argument('<trace>', 'the trace (.jsonl)')
    .requiredOption('--out <file>', 'the evidence file to write (.tar, or .tar.gz)')
    .option('--manifest <file>', 'the package manifest (JSON)')
    .option('--policy <file>', 'the policy document(s) the run was decided by (JSON)')
    .option('--memory <file>', 'the linear-memory snapshot of a trapped or quarantined run (raw bytes)')
    .action((path: string, o: { out: string; manifest?: string; policy?: string; memory?: string }) => {
      const file = exportEvidence({
        trace: readTraceFile(path),
        ...(o.manifest !== undefined ? { manifest: new TextDecoder().decode(readBytes(o.manifest, 'manifest')) } : {}),
        ...(o.policy !== undefined ? { policy: new TextDecoder().decode(readBytes(o.policy, 'policy')) } : {}),
        ...(o.memory !== undefined ? { memorySnapshot: readBytes(o.memory, 'memory snapshot') } : {}),
      });
      writeAtomic(o.out, o.out.endsWith('.gz') ? gzipSync(file) : file);
      out(`evidence written to ${o.out} (${file.length} bytes${o.out.endsWith('.gz') ? ' before compression' : ''})`);
    });

  trace.command('key')
    .description('print the kernel\'s public key document (the key that signs traces), creating the key on first use')
    .option('--data-dir <dir>', 'where the kernel key lives', DEFAULT_DATA_DIR)
    .action((o: { dataDir: string }) => {
      const key = loadKernelKey({ dataDir: o.dataDir });
      if (key.source === 'created') process.stderr.write(`forge: created the kernel key ${key.path} (mode 0600)\n`);
      out(JSON.stringify(publicKeyJson(key)));
    });
}
