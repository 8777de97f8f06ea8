/**
 * `verifyTrace`: the structural pass of analyze.ts plus every signature — checkpoints (signed
 * notes) and the closing DSSE attestation — under the kernel key the genesis entry names, or
 * under a key the caller pins. The report says which entries are proven, which are not, and why.
 */
import { equalBytes, toHex } from '../../lib/encoding.ts';
import { nobleCrypto } from '../../crypto/noble.ts';
import type { CryptoProvider } from '../../ports/crypto-provider.ts';
import { analyzeInput, type Analysis, type TraceInput } from '../inspect/analyze.ts';
import { verifySummarySignature, type DnaSummary } from './attestation.ts';

export type TraceStatus = 'ok' | 'truncated' | 'tampered' | 'invalid';

export interface TraceReport {
  /** Complete and intact: every entry chained, every checkpoint and the summary signed. */
  readonly ok: boolean;
  readonly status: TraceStatus;
  /** One or two sentences a person can act on. */
  readonly message: string;
  readonly runId?: string;
  /** Entries read that chain correctly, before any fault. */
  readonly entries: number;
  /** Entries 0..verified-1 are covered by a valid signed checkpoint. */
  readonly verified: number;
  /** Checkpoints whose signature verified. */
  readonly checkpoints: number;
  /** The first thing wrong: its line (1-based) and, when it concerns one, the first entry (seq). */
  readonly firstBad?: { readonly entry?: number; readonly line: number; readonly reason: string };
  /** The kernel key (hex) the signatures were checked under. */
  readonly publicKey?: string;
  /** True when that key is the one the caller gave, not just the one the trace names. */
  readonly keyPinned: boolean;
  readonly summary?: DnaSummary;
  readonly notes: readonly string[];
}

export interface VerifyOptions {
  /** The kernel's public key: without it the trace is checked against the key its own genesis names. */
  readonly publicKey?: Uint8Array;
  /** Signature verification (e.g. the platform's WebCrypto); noble otherwise. */
  readonly crypto?: CryptoProvider;
}

/**
 * Verifies a whole trace — its text, its lines as a store returns them, or a stream of text
 * chunks (a file) — in memory bounded by a few dozen bytes per entry; never throws on bad input:
 * the report says what is wrong.
 */
export async function verifyTrace(input: TraceInput, opts: VerifyOptions = {}): Promise<TraceReport> {
  return reportOf(await analyzeInput(input), opts);
}

/** The report for an analysis already made (explain and export reuse theirs). */
export async function reportOf(a: Analysis, opts: VerifyOptions = {}): Promise<TraceReport> {
  const crypto = opts.crypto ?? nobleCrypto;
  const g = a.genesis;
  const base = { entries: a.count, keyPinned: false, notes: [] as string[], ...(g ? { runId: g.runId } : {}) };
  if (!g) {
    const f = a.fault!;
    return { ...base, ok: false, status: f.kind, verified: 0, checkpoints: 0, message: f.reason, firstBad: { line: f.line, entry: 0, reason: f.reason } };
  }
  const key = g.kernelKey;
  const keyHex = toHex(key);
  if (opts.publicKey && !equalBytes(opts.publicKey, key)) {
    const reason = `the trace is signed by kernel key ${keyHex}, not by the key given (${toHex(opts.publicKey)}): it cannot be trusted as this kernel's record`;
    return { ...base, ok: false, status: 'tampered', verified: 0, checkpoints: 0, publicKey: keyHex, message: reason, firstBad: { line: 1, entry: 0, reason } };
  }
  const keyPinned = opts.publicKey !== undefined;
  const sigOk = await Promise.all(a.checkpoints.map((c) => crypto.verifyEd25519(c.sig, c.body, key)));
  const notes: string[] = [];
  if (!keyPinned) notes.push(`signatures were checked against the key the trace itself names (${keyHex}); pass the kernel's public key to pin it`);

  // The first bad signature, if it comes before the structural fault, is the first thing wrong.
  let verified = 0;
  let checkpoints = 0;
  for (let i = 0; i < a.checkpoints.length; i++) {
    const c = a.checkpoints[i]!;
    if (!sigOk[i]) {
      const reason = `the checkpoint at line ${c.line} (over entries 0..${c.size - 1}) has a signature that does not verify under kernel key ${keyHex}: it was forged or altered`;
      return { ...base, ok: false, status: 'tampered', verified, checkpoints, publicKey: keyHex, keyPinned, notes, message: `${reason}. Entries 0..${verified - 1} are proven by earlier checkpoints.`, firstBad: { line: c.line, reason } };
    }
    verified = c.size;
    checkpoints++;
  }
  const proven = verified > 0 ? `entries 0..${verified - 1} are proven by ${checkpoints} signed checkpoint${checkpoints === 1 ? '' : 's'}` : 'no entry is covered by a signed checkpoint';
  const common = { ...base, verified, checkpoints, publicKey: keyHex, keyPinned, notes };

  if (a.fault) {
    const f = a.fault;
    let reason = f.reason;
    let entry = f.entry;
    if (f.checkpoint) {
      const genuine = await crypto.verifyEd25519(f.checkpoint.sig, f.checkpoint.body, key);
      if (genuine) reason = `entries ${f.entry}..${f.checkpoint.size - 1} were rewritten and re-chained: the signed checkpoint at line ${f.line} states a different root or head`;
      else {
        reason = `the checkpoint at line ${f.line} was forged or altered: it does not match the entries and its signature does not verify`;
        entry = undefined;
      }
    }
    const firstBad = { line: f.line, reason, ...(entry !== undefined ? { entry } : {}) };
    return { ...common, ok: false, status: f.kind, firstBad, message: `${reason}. ${cap(proven)}.` };
  }

  const n = a.count;
  if (a.summary) {
    if (!(await verifySummarySignature(a.summary.envelope, key, crypto))) {
      const reason = `the closing summary at line ${a.summary.line} has no signature that verifies under kernel key ${keyHex}: it was forged or altered`;
      return { ...common, ok: false, status: 'tampered', firstBad: { line: a.summary.line, reason }, message: `${reason}. ${cap(proven)}.` };
    }
    return { ...common, ok: true, status: 'ok', summary: a.summary.summary, message: `intact: ${n} entries chained, ${checkpoints} signed checkpoint${checkpoints === 1 ? '' : 's'}, signed summary (integrity score ${a.summary.summary.integrityScore}).` };
  }

  const torn = a.tornLine !== undefined ? ` Line ${a.tornLine} is a partial line (a torn write) and was ignored.` : '';
  const tail = verified === n
    ? 'nothing follows the last checkpoint: a clean cut at a checkpoint, as a crash leaves it'
    : `entries ${verified}..${n - 1} follow the last checkpoint, chained but not signed (a crash lost the rest, or the tail was cut)`;
  const reason = `the trace has no closing summary, so the run's end is not proven`;
  return {
    ...common, ok: false, status: 'truncated',
    firstBad: { line: a.lineOf(verified) ?? a.tornLine ?? a.lineCount + 1, entry: verified, reason },
    message: `incomplete: ${reason}; ${proven}; ${tail}.${torn}`,
  };
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
