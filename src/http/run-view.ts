/**
 * How a stored run looks in the API's lists: the facts of its genesis entry (package, identity,
 * start) and of its closing summary (outcome, score, flags) — read from the lines as stored, not
 * verified (GET /v1/runs/:id/verify does that).
 */
import { toHex } from '../lib/encoding.ts';
import type { TraceRunInfo } from '../ports/trace-store.ts';
import { parseSummaryPayload } from '../dna/verify/attestation.ts';
import { parseLine } from '../dna/codec/parse.ts';
import type { SummaryOutcome } from '../dna/format.ts';

export interface RunListItem {
  readonly runId: string;
  readonly createdAt: string;
  readonly sealed: boolean;
  readonly entries: number;
  readonly identity?: string;
  readonly tenant?: string;
  readonly package?: { readonly digest: string; readonly name?: string; readonly version?: string; readonly signer?: string };
  readonly startedAt?: string;
  readonly outcome?: SummaryOutcome;
  readonly integrityScore?: number;
  readonly riskFlags?: readonly string[];
  /** Set when a line could not be read: the trace is damaged (verify says how). */
  readonly unreadable?: string;
}

/** The answer of `GET /v1/runs`: newest first; `total` is null for a tenant-bound token. */
export interface RunList {
  readonly runs: readonly RunListItem[];
  readonly total: number | null;
}

/** A trace's genesis entry, or undefined when its first line is not one. Never throws. */
function genesisOf(lines: readonly string[]) {
  try {
    const g = lines[0] === undefined ? undefined : parseLine(lines[0]);
    return g?.t === 'genesis' ? g.entry : undefined;
  } catch {
    return undefined;
  }
}

/** The identity a trace's genesis entry names, or undefined when its first line is not a genesis entry. */
export const identityOfTrace = (lines: readonly string[]): string | undefined => genesisOf(lines)?.identity;

/** The run id a trace's genesis names, or undefined when its first line is no genesis. Never throws. */
export const runIdOfTrace = (lines: readonly string[]): string | undefined => genesisOf(lines)?.runId;

/** One list item from a run's stored lines. Never throws: a damaged trace is listed as such. */
export function describeRun(info: TraceRunInfo, lines: readonly string[]): RunListItem {
  const base = { runId: info.runId, createdAt: new Date(info.createdAt).toISOString(), sealed: info.sealed, entries: info.count };
  try {
    const first = lines[0] === undefined ? undefined : parseLine(lines[0]);
    if (first?.t !== 'genesis') return { ...base, unreadable: 'the first line is not a genesis entry' };
    const g = first.entry;
    const { digest, ...rest } = g.package;
    const item = {
      ...base, identity: g.identity, tenant: g.identity.slice(0, g.identity.indexOf('/')), package: { digest: toHex(digest), ...rest },
      ...(g.startedAt !== undefined && { startedAt: new Date(g.startedAt).toISOString() }),
    };
    const last = lines.length > 1 ? parseLine(lines[lines.length - 1]!) : undefined;
    if (last?.t !== 'summary') return item;
    const s = parseSummaryPayload(last.envelope);
    return { ...item, outcome: s.outcome, integrityScore: s.integrityScore, riskFlags: s.riskFlags };
  } catch (e) {
    return { ...base, unreadable: e instanceof Error ? e.message : String(e) };
  }
}
