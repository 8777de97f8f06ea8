/**
 * A short, factual account of a run from its trace, for a person or a language model: what the
 * guest did, what was denied and by which rule, which risks were flagged on which entries, and
 * how the integrity score was reached. Only facts the trace states; nothing is inferred beyond
 * the documented flag rules.
 */
import { toHex } from '../../lib/encoding.ts';
import { ERRNO_NAMES } from '../../ports/errno.ts';
import { analyzeTrace } from './analyze.ts';
import { escapeText } from '../../lib/escape.ts';
import type { CallEntry, SummaryOutcome } from '../format.ts';
import { callFlags, FLAG, flagsOf, RISK_FLAGS, scoreRun, type Deduction, type RiskFlag } from './score.ts';
import type { TraceReport } from '../verify/verify.ts';

export const FLAG_MEANING: Readonly<Record<RiskFlag, string>> = {
  unsigned: 'the package carries no signature the trust root accepted',
  'path-escape-attempt': 'a path tried to leave the guest\'s directories (".." or refused as not capable)',
  'secret-probe': 'a denied access to a secret-looking or redacted path or variable',
  denied: 'the policy denied at least one call',
  'monitor-would-deny': 'a monitor-mode layer would have denied a call it let through',
  'rate-limited': 'a rate limit or quota decided a call',
  'net-attempt': 'the guest used a socket call',
  'low-trust': 'the trust score fell below 50',
  'entries-dropped': 'the trace pipeline dropped calls (recorded as drop records)',
  'fuel-exhausted': 'the run used up its fuel',
  timeout: 'the run hit its wall-clock limit',
  'memory-limit': 'the run hit its memory limit',
  'output-limit': 'the run hit an output limit',
  trapped: 'the guest trapped',
  killed: 'the run was killed',
  quarantined: 'the container was quarantined',
  'replay-diverged': 'a replay diverged from its trace',
  failed: 'the run failed inside the kernel',
};

export interface Denial {
  readonly entry: number;
  readonly syscall: string;
  readonly target?: string;
  readonly rules: readonly string[];
  readonly reason: string;
  readonly errno: string;
}

export interface ExplainJson {
  readonly runId?: string;
  readonly package?: { digest: string; name?: string; version?: string; signer?: string };
  readonly identity?: string;
  readonly verification: { readonly status: string; readonly message: string };
  readonly outcome?: SummaryOutcome;
  readonly entries: number;
  readonly calls: number;
  readonly droppedCalls: number;
  readonly activity: {
    readonly syscalls: Record<string, number>;
    readonly read: string[]; readonly written: string[]; readonly inspected: string[];
    readonly stdinBytes: number; readonly stdoutBytes: number; readonly stderrBytes: number; readonly fileBytesRead: number;
    readonly envNames: string[]; readonly clockReads: number; readonly randomBytes: number; readonly netCalls: number;
    readonly failedCalls: Record<string, number>; readonly fuelUsed: string; readonly trust: { readonly min: number; readonly last: number } | null;
  };
  readonly denials: { readonly total: number; readonly shown: Denial[] };
  readonly flags: { readonly flag: RiskFlag; readonly meaning: string; readonly entries: number[] }[];
  readonly score: { readonly value: number; readonly source: 'signed summary' | 'recomputed, run end unknown'; readonly deductions: readonly Deduction[] };
}

const SHOW = 20;
const target = (c: CallEntry): string | undefined => {
  const a = c.args;
  const p = a.path ?? (a.pathDigest ? `<redacted ${toHex(a.pathDigest).slice(0, 12)}>` : undefined);
  const p2 = a.path2 ?? (a.path2Digest ? '<redacted>' : undefined);
  const env = a.env ?? (a.envDigest ? '<redacted variable>' : undefined);
  const fd = a.fd !== undefined ? `fd ${a.fd}` : undefined;
  return [p, p2 && `→ ${p2}`, env, p === undefined && env === undefined ? fd : undefined].filter(Boolean).join(' ') || undefined;
};
const add = (set: Set<string>, v: string | undefined) => v !== undefined && set.size < 200 && set.add(v);
const n = (x: number) => x.toLocaleString('en-US');

/**
 * Explains a trace; give the verification report to include it, otherwise only the structure is
 * checked. `text` shows every string escaped (src/lib/escape.ts), `json` holds them as stored.
 * Throws nothing on bad input: a malformed trace is explained as such.
 */
export function explainTrace(text: string, opts: { report?: TraceReport } = {}): { text: string; json: ExplainJson } {
  const a = analyzeTrace(text);
  const g = a.genesis;
  const calls = a.entries.filter((e): e is CallEntry => e.kind === 'call');
  const counts: Record<string, number> = {};
  const read = new Set<string>(), written = new Set<string>(), inspected = new Set<string>(), env = new Set<string>();
  const failed: Record<string, number> = {};
  let stdin = 0, stdout = 0, stderr = 0, fileRead = 0, clock = 0, random = 0, net = 0;
  let minTrust = Infinity;
  const denials: Denial[] = [];
  const flagEntries = new Map<RiskFlag, number[]>();
  for (const c of calls) {
    counts[c.syscall] = (counts[c.syscall] ?? 0) + 1;
    minTrust = Math.min(minTrust, c.trust);
    const f = callFlags(c);
    for (const flag of flagsOf(f)) {
      const list = flagEntries.get(flag) ?? [];
      if (list.length < 10) list.push(c.seq);
      flagEntries.set(flag, list);
    }
    const errno = ERRNO_NAMES[c.result.errno] ?? String(c.result.errno);
    if (c.decision.effect === 'deny') {
      denials.push({ entry: c.seq, syscall: c.syscall, ...(target(c) ? { target: target(c)! } : {}), rules: c.decision.rules, reason: c.decision.reason, errno });
      continue;
    }
    if (c.result.errno !== 0) failed[errno] = (failed[errno] ?? 0) + 1;
    const size = c.result.size ?? 0;
    const where = c.args.path ?? (c.args.pathDigest ? '<redacted>' : undefined);
    if (c.result.errno === 0) {
      if (c.group === 'fs.read') add(read, where);
      else if (c.group === 'fs.write') add(written, where);
      else if (c.group === 'fs.meta') add(inspected, where);
    }
    if (c.syscall === 'fd_read' || c.syscall === 'fd_pread') {
      if (c.args.fd === 0) stdin += size;
      else fileRead += size;
    }
    if (c.syscall === 'fd_write' && c.args.fd === 1) stdout += size;
    if (c.syscall === 'fd_write' && c.args.fd === 2) stderr += size;
    if (c.group === 'env') add(env, c.args.env ?? (c.args.envDigest ? '<redacted>' : undefined));
    if (c.group === 'clock') clock++;
    if (c.syscall === 'random_get') random += size || (c.result.data?.length ?? c.result.dataLen ?? 0);
    if (c.group === 'net') net++;
  }
  const last = calls[calls.length - 1];
  const trust = last ? { min: minTrust, last: last.trust } : null;
  const summary = a.summary?.summary;
  const score = summary
    ? { value: summary.integrityScore, source: 'signed summary' as const, deductions: summary.deductions }
    : { ...scoreRun(a.stats, 'exited'), source: 'recomputed, run end unknown' as const };
  const mask = summary ? RISK_FLAGS.filter((f) => summary.riskFlags.includes(f)).reduce((m, f) => m | FLAG[f], 0) : a.stats.flags;
  const flags = flagsOf(mask).map((flag) => ({ flag, meaning: FLAG_MEANING[flag], entries: flagEntries.get(flag) ?? [] }));
  const verification = opts.report
    ? { status: opts.report.status, message: opts.report.message }
    : { status: a.fault ? 'tampered' : 'not-checked', message: a.fault ? a.fault.reason : 'structure checked (chain, Merkle roots, summary contents); signatures not checked here — run `forge trace verify`' };
  const json: ExplainJson = {
    ...(g ? { runId: g.runId, identity: g.identity, package: { digest: toHex(g.package.digest), ...strip(g.package) } } : {}),
    verification,
    ...(summary ? { outcome: summary.outcome } : {}),
    entries: a.count, calls: calls.length, droppedCalls: a.droppedCalls,
    activity: {
      syscalls: counts, read: [...read], written: [...written], inspected: [...inspected],
      stdinBytes: stdin, stdoutBytes: stdout, stderrBytes: stderr, fileBytesRead: fileRead, envNames: [...env],
      clockReads: clock, randomBytes: random, netCalls: net, failedCalls: failed, fuelUsed: (last?.fuel ?? 0n).toString(), trust,
    },
    denials: { total: denials.length, shown: denials.slice(0, SHOW) },
    flags, score,
  };
  return { json, text: render(json) };
}

function strip(p: { name?: string; version?: string; signer?: string }) {
  return { ...(p.name ? { name: p.name } : {}), ...(p.version ? { version: p.version } : {}), ...(p.signer ? { signer: p.signer } : {}) };
}

const list = (xs: readonly string[], max = 8) => (xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`);

function render(j: ExplainJson): string {
  const out: string[] = [];
  const p = j.package;
  if (j.runId && p) {
    const name = p.name ? `${p.name}${p.version ? `@${p.version}` : ''} ` : '';
    out.push(`Run ${j.runId}: package ${name}(sha256 ${p.digest.slice(0, 16)}…), ${p.signer ? `signed by key ${p.signer.slice(0, 16)}` : 'UNSIGNED'}, identity ${j.identity}.`);
  }
  out.push(`Verification: ${j.verification.status} — ${j.verification.message}`);
  const o = j.outcome;
  out.push(o
    ? `Outcome: ${o.status}${o.exitCode !== undefined ? ` with exit code ${o.exitCode}` : ''}${o.code ? ` (${o.code}${o.message ? `: ${o.message}` : ''})` : ''}${o.memory ? `; linear memory ${n(o.memory.bytes)} bytes, sha256 ${o.memory.sha256.slice(0, 16)}…` : ''}.`
    : 'Outcome: not recorded — the trace has no closing summary.');
  const act = j.activity;
  const parts: string[] = [`${n(j.calls)} syscalls${j.droppedCalls ? ` (+${n(j.droppedCalls)} dropped, not recorded)` : ''}, fuel used by the last one ${act.fuelUsed}`];
  if (act.read.length) parts.push(`read ${list(act.read)}`);
  if (act.written.length) parts.push(`wrote ${list(act.written)}`);
  if (act.inspected.length) parts.push(`inspected ${list(act.inspected)}`);
  if (act.fileBytesRead) parts.push(`${n(act.fileBytesRead)} bytes read from files`);
  if (act.stdinBytes) parts.push(`${n(act.stdinBytes)} bytes from stdin`);
  parts.push(`${n(act.stdoutBytes)} bytes to stdout, ${n(act.stderrBytes)} to stderr`);
  if (act.envNames.length) parts.push(`environment variables ${list(act.envNames)}`);
  if (act.clockReads) parts.push(`${n(act.clockReads)} clock reads`);
  if (act.randomBytes) parts.push(`${n(act.randomBytes)} random bytes`);
  if (act.netCalls) parts.push(`${n(act.netCalls)} socket calls`);
  const failed = Object.entries(act.failedCalls);
  if (failed.length) parts.push(`allowed calls that failed: ${failed.map(([e, c]) => `${e} ×${c}`).join(', ')}`);
  out.push(`Activity: ${parts.join('; ')}.`);
  if (j.denials.total === 0) out.push('Denied: nothing.');
  else {
    out.push(`Denied (${j.denials.total}):`);
    for (const d of j.denials.shown) {
      const by = d.rules.length ? `rule${d.rules.length > 1 ? 's' : ''} ${d.rules.join(', ')}` : 'the default deny (no rule allowed it)';
      out.push(`  - entry ${d.entry}: ${d.syscall}${d.target ? ` ${d.target}` : ''} — denied by ${by}: "${d.reason}" (errno ${d.errno})`);
    }
    if (j.denials.total > j.denials.shown.length) out.push(`  … and ${j.denials.total - j.denials.shown.length} more`);
  }
  out.push(j.flags.length === 0 ? 'Risk flags: none.' : `Risk flags: ${j.flags.map((f) => `${f.flag} (${f.meaning}${f.entries.length ? `; entries ${f.entries.join(', ')}` : ''})`).join('; ')}.`);
  const ded = j.score.deductions.map((d) => `−${d.points} ${d.category}: ${d.reason}`);
  out.push(`Integrity score ${j.score.value}/100 (${j.score.source}): ${ded.length ? ded.join('; ') : 'no deductions'}.`);
  // Escaped line by line, not value by value (src/lib/escape.ts): almost every value comes
  // from the trace — a tampered one's too — and the wording around them has nothing to escape, so
  // escaping the finished lines cannot miss a value, and no value can start a line of its own.
  return out.map(escapeText).join('\n');
}
