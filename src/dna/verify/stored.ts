/**
 * Verifies the traces a TraceStore holds — what a kernel does when it starts, so a crash's cut
 * and any tampering at rest are reported, never silently carried on. Each run is read and
 * verified on its own (bounded memory: verifyTrace keeps a few dozen bytes per entry), and one
 * run that cannot be read does not hide the others.
 */
import { toHex } from '../../lib/encoding.ts';
import { isKernelError } from '../../errors.ts';
import type { CryptoProvider } from '../../ports/crypto-provider.ts';
import type { TraceStore } from '../../ports/trace-store.ts';
import { verifyTrace, type TraceReport } from './verify.ts';

/**
 * - `ok`: complete — every entry chained, every checkpoint and the summary signed.
 * - `cut`: no summary; `verified` entries are proven by signed checkpoints, `unproven` more follow
 *   the last one, chained but unsigned, and whatever came after them was lost (a crash, or a run
 *   another process is still writing).
 * - `tampered`: altered, reordered, inserted, deleted or forged (`firstBad` names where), or a
 *   sealed run that no longer ends in its summary.
 * - `foreign-key`: intact in itself but signed by another kernel key than the one pinned.
 * - `invalid`: not a DNA trace this kernel reads. `unreadable`: the store would not return it.
 */
export type StoredTraceStatus = 'ok' | 'cut' | 'tampered' | 'foreign-key' | 'invalid' | 'unreadable';

export interface StoredTraceReport {
  readonly runId: string;
  readonly status: StoredTraceStatus;
  readonly sealed: boolean;
  /** Entries read that chain correctly, before any fault. */
  readonly entries: number;
  /** Entries 0..verified-1 are proven by a signed checkpoint. */
  readonly verified: number;
  /** For a cut: entries after the last signed checkpoint (chained, not proven). */
  readonly unproven: number;
  readonly firstBad?: { readonly entry?: number; readonly line: number; readonly reason: string };
  readonly message: string;
}

export interface StoredTraceOptions {
  readonly crypto: CryptoProvider;
  /** The kernel's public key: without it each trace is checked against the key its own genesis names. */
  readonly publicKey?: Uint8Array;
  /** `unsealed` checks only runs not sealed — where a crash leaves a cut — and skips the rest. Default `all`. */
  readonly scope?: 'all' | 'unsealed';
}

/**
 * Verifies every stored run (oldest first); never throws for a bad trace — its report says what is wrong.
 * @throws KernelError STORE_UNAVAILABLE when the store cannot even list its runs
 */
export async function verifyStoredTraces(store: TraceStore, opts: StoredTraceOptions): Promise<StoredTraceReport[]> {
  const out: StoredTraceReport[] = [];
  for (const run of await store.list()) {
    if (opts.scope === 'unsealed' && run.sealed) continue;
    let lines: string[];
    try {
      lines = await store.read(run.runId);
    } catch (e) {
      const message = `run ${run.runId} could not be read: ${isKernelError(e) ? `${e.code}: ${e.message}` : String(e)}`;
      out.push({ runId: run.runId, status: 'unreadable', sealed: run.sealed, entries: 0, verified: 0, unproven: 0, message });
      continue;
    }
    const report = await verifyTrace(lines, { crypto: opts.crypto, ...(opts.publicKey ? { publicKey: opts.publicKey } : {}) });
    out.push(classify(run.runId, run.sealed, report, opts.publicKey));
  }
  return out;
}

function classify(runId: string, sealed: boolean, r: TraceReport, pinned: Uint8Array | undefined): StoredTraceReport {
  const base = { runId, sealed, entries: r.entries, verified: r.verified, ...(r.firstBad ? { firstBad: r.firstBad } : {}) };
  const at = r.firstBad?.entry !== undefined ? ` at entry ${r.firstBad.entry}` : r.firstBad ? ` at line ${r.firstBad.line}` : '';
  if (r.status === 'ok') return { ...base, status: 'ok', unproven: 0, message: `run ${runId}: ${r.message}` };
  if (r.status === 'truncated') {
    if (sealed) {
      return { ...base, status: 'tampered', unproven: r.entries - r.verified, message: `run ${runId} is sealed but no longer ends in its signed summary: its tail was removed. ${r.message}` };
    }
    return { ...base, status: 'cut', unproven: r.entries - r.verified, message: `run ${runId} was cut (a crash, or a run still being written elsewhere): ${r.message}` };
  }
  if (r.status === 'tampered' && pinned && r.publicKey !== undefined && r.publicKey !== toHex(pinned) && r.verified === 0 && r.firstBad?.entry === 0) {
    return { ...base, status: 'foreign-key', unproven: 0, message: `run ${runId}: ${r.message}` };
  }
  return { ...base, status: r.status, unproven: 0, message: `run ${runId} is ${r.status === 'invalid' ? 'not a trace this kernel reads' : 'TAMPERED'}${at}: ${r.message}` };
}
