/**
 * Risk flags and the integrity score (docs/dna.md § Integrity score). Both are pure functions of
 * the trace: the recorder computes them as it goes, the verifier recomputes them from the
 * entries and the outcome and refuses a summary that states anything else.
 */
import type { CallArgs, CallDecision, CallEntry, CallResult, RunStatus } from '../format.ts';

/** Every risk flag, in report order; a flag's bit is its index. */
export const RISK_FLAGS = [
  'unsigned', 'path-escape-attempt', 'secret-probe', 'denied', 'monitor-would-deny', 'rate-limited',
  'net-attempt', 'low-trust', 'entries-dropped', 'fuel-exhausted', 'timeout', 'memory-limit', 'output-limit',
  'trapped', 'killed', 'quarantined', 'replay-diverged', 'failed',
] as const;
export type RiskFlag = (typeof RISK_FLAGS)[number];

export const FLAG: Readonly<Record<RiskFlag, number>> = Object.fromEntries(RISK_FLAGS.map((f, i) => [f, 2 ** i])) as Record<RiskFlag, number>;

/** Trust below this (on the policy graph's 0–100 scale) raises `low-trust`. */
export const LOW_TRUST = 50;
/** WASI errno the sandbox returns for a path that leaves the guest's directories. */
const ENOTCAPABLE = 76;

const SECRET_PATH = /(^|\/)(\.ssh|\.aws|\.gnupg|\.kube|\.docker|\.azure|secrets?|private)(\/|$)|(^|\/)(shadow|gshadow|passwd|sudoers|master\.passwd|\.env(\.[^/]*)?|\.netrc|\.npmrc|\.pypirc|\.pgpass|\.git-credentials|credentials|id_rsa|id_dsa|id_ecdsa|id_ed25519|[^/]*\.(pem|key|p12|pfx|kdbx))$|^\/proc\/[^/]+\/(environ|mem|maps)$/i;
const SECRET_ENV = /SECRET|TOKEN|PASSW|API_?KEY|PRIVATE|CREDENTIAL|SESSION|(^|_)AUTH|^AWS_|^AZURE_|^GCP_|^GOOGLE_APPLICATION/i;

export function looksSecretPath(path: string): boolean {
  return SECRET_PATH.test(path);
}
export function looksSecretEnv(name: string): boolean {
  return SECRET_ENV.test(name);
}

function escapes(path: string | undefined): boolean {
  if (path === undefined) return false;
  return path.includes('\0') || path === '..' || path.startsWith('../') || path.includes('/../') || path.endsWith('/..');
}

/** What the flags of a call are computed from: a parsed entry, or the recorder's view of a call. */
export interface FlagSubject {
  readonly group: CallEntry['group'];
  readonly args: Pick<CallArgs, 'path' | 'path2' | 'env' | 'pathDigest' | 'path2Digest' | 'envDigest'>;
  readonly decision: Pick<CallDecision, 'effect' | 'monitored' | 'limited'>;
  readonly result: Pick<CallResult, 'errno'>;
  readonly trust: number;
}

/** The flags one call raises (a bit set over RISK_FLAGS). */
export function callFlags(e: FlagSubject): number {
  const a = e.args;
  const denied = e.decision.effect === 'deny';
  let f = 0;
  const hasPath = a.path !== undefined || a.pathDigest !== undefined;
  if (escapes(a.path) || escapes(a.path2) || (hasPath && e.result.errno === ENOTCAPABLE)) f |= FLAG['path-escape-attempt'];
  if (denied) {
    f |= FLAG.denied;
    const secret = (a.path !== undefined && looksSecretPath(a.path)) || (a.path2 !== undefined && looksSecretPath(a.path2))
      || (a.env !== undefined && looksSecretEnv(a.env)) || a.pathDigest !== undefined || a.path2Digest !== undefined
      || a.envDigest !== undefined;
    if (secret) f |= FLAG['secret-probe'];
  }
  if (e.decision.monitored) f |= FLAG['monitor-would-deny'];
  if (e.decision.limited !== undefined) f |= FLAG['rate-limited'];
  if (e.group === 'net') f |= FLAG['net-attempt'];
  if (e.trust < LOW_TRUST) f |= FLAG['low-trust'];
  return f;
}

const STATUS_FLAG: Partial<Record<RunStatus, RiskFlag>> = {
  'fuel-exhausted': 'fuel-exhausted', timeout: 'timeout', 'memory-limit': 'memory-limit', 'output-limit': 'output-limit',
  trapped: 'trapped', killed: 'killed', quarantined: 'quarantined', 'replay-diverged': 'replay-diverged', failed: 'failed',
};

/** What the score is computed from; accumulated entry by entry. */
export interface ScoreInput {
  flags: number;
  denied: number;
  monitored: number;
}

export function flagsOf(mask: number): RiskFlag[] {
  return RISK_FLAGS.filter((f) => (mask & FLAG[f]) !== 0);
}
export function maskOf(flags: readonly string[]): number {
  let m = 0;
  for (const f of flags) m |= FLAG[f as RiskFlag] ?? 0;
  return m;
}

export interface Deduction {
  readonly category: 'provenance' | 'denials' | 'anomalies' | 'limits';
  readonly reason: string;
  readonly points: number;
}

export interface Score {
  readonly value: number;
  readonly flags: RiskFlag[];
  readonly deductions: Deduction[];
}

const CAPS = { provenance: 30, denials: 20, anomalies: 40, limits: 50 } as const;
const ANOMALY_POINTS: readonly [RiskFlag, number][] = [['path-escape-attempt', 20], ['secret-probe', 20], ['entries-dropped', 10], ['low-trust', 10]];
const LIMIT_POINTS: readonly [RiskFlag, number][] = [
  ['quarantined', 40], ['fuel-exhausted', 25], ['timeout', 25], ['memory-limit', 25], ['output-limit', 15],
  ['killed', 15], ['rate-limited', 10], ['trapped', 10],
];

/** The integrity score (0–100) and the run's risk flags, with every deduction named. */
export function scoreRun(input: ScoreInput, status: RunStatus): Score {
  let mask = input.flags;
  const sf = STATUS_FLAG[status];
  if (sf !== undefined) mask |= FLAG[sf];
  const raw: Deduction[] = [];
  if (mask & FLAG.unsigned) raw.push({ category: 'provenance', reason: 'the package is unsigned', points: 30 });
  if (input.denied > 0) raw.push({ category: 'denials', reason: `${input.denied} call${input.denied === 1 ? ' was' : 's were'} denied (2 points each)`, points: 2 * input.denied });
  for (const [f, p] of ANOMALY_POINTS) if (mask & FLAG[f]) raw.push({ category: 'anomalies', reason: f, points: p });
  if (input.monitored > 0) raw.push({ category: 'anomalies', reason: `${input.monitored} call${input.monitored === 1 ? '' : 's'} a monitor-mode layer would have denied (1 point each)`, points: input.monitored });
  for (const [f, p] of LIMIT_POINTS) if (mask & FLAG[f]) raw.push({ category: 'limits', reason: f, points: p });
  // Each category is capped, so one repeated misbehaviour cannot hide how the others fared.
  const deductions: Deduction[] = [];
  const spent = { provenance: 0, denials: 0, anomalies: 0, limits: 0 };
  for (const d of raw) {
    const points = Math.min(d.points, CAPS[d.category] - spent[d.category]);
    spent[d.category] += points;
    if (points > 0) deductions.push({ ...d, points });
  }
  const value = Math.max(0, 100 - deductions.reduce((n, d) => n + d.points, 0));
  return { value, flags: flagsOf(mask), deductions };
}
