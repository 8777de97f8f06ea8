/**
 * A small anomaly detector on one container's syscall stream. It looks only at what a benign
 * guest rarely does: asking for paths the policy refuses (how many, how many distinct, how fast),
 * asking for secret-looking files or variables, and trying to escape its directories (the sandbox
 * answers those with ENOTCAPABLE). Memory is bounded: at most `maxTrackedPaths` distinct paths.
 */
import type { Decision, SyscallOutcome, SyscallRequest } from '../ports/gate-hooks.ts';
import type { Clock } from '../ports/clock.ts';

export interface AnomalyOptions {
  /** This many denied probes within `burstWindowMs` count as one burst. */
  readonly burstCount?: number;
  readonly burstWindowMs?: number;
  /** Distinct denied paths above which the run is flagged `path-scan`. */
  readonly maxDistinctPaths?: number;
  /** Bound on remembered paths; later distinct paths are still counted, approximately. */
  readonly maxTrackedPaths?: number;
}

export interface AnomalySnapshot {
  /** Path-carrying requests that were denied (rate limits and monitor-only denials excluded). */
  readonly deniedPathProbes: number;
  readonly distinctDeniedPaths: number;
  /** Denied requests for secret-looking paths (/etc/passwd, .ssh, .env, …) or variables (*TOKEN*, …). */
  readonly secretProbes: number;
  readonly bursts: number;
  /** Allowed path calls the sandbox refused as escapes (errno ENOTCAPABLE). */
  readonly escapeAttempts: number;
  readonly flags: readonly string[];
}

/** WASI errno ENOTCAPABLE: the sandbox refused a path outside the guest's directories. */
export const ERRNO_NOTCAPABLE = 76;

const SECRET_PATH = /(?:^\/etc\/(?:passwd|shadow|gshadow|group|sudoers|master\.passwd)$|\/\.ssh(?:\/|$)|\/id_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?$|\/\.env(?:\.[^/]*)?$|\/\.aws\/|\/\.git-credentials$|\/\.netrc$|\/\.npmrc$|\/\.pypirc$|\/\.docker\/config\.json$|\/\.kube\/config$|\/\.gnupg(?:\/|$)|^\/proc\/(?:self|\d+)\/(?:environ|mem|maps|cmdline)$|\.(?:pem|key|p12|pfx)$)/u;
const SECRET_ENV = /SECRET|TOKEN|PASSW(?:OR)?D|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|CREDENTIAL|SESSION/iu;

/** Does a guest path look like a credential or account file? */
export function isSecretPath(path: string): boolean {
  return SECRET_PATH.test(path);
}

/** Does a variable name look like it holds a secret? */
export function isSecretEnv(name: string): boolean {
  return SECRET_ENV.test(name);
}

export class AnomalyDetector {
  private readonly clock: Clock;
  private readonly burstCount: number;
  private readonly burstWindowMs: number;
  private readonly maxDistinct: number;
  private readonly maxTracked: number;
  private readonly paths = new Set<string>();
  private untracked = 0;
  private probes = 0;
  private secrets = 0;
  private bursts = 0;
  private escapes = 0;
  /** Times of the last `burstCount` probes (ring buffer). */
  private readonly recent: Float64Array;
  private head = 0;
  private filled = 0;

  constructor(clock: Clock, opts: AnomalyOptions = {}) {
    this.clock = clock;
    this.burstCount = Math.max(2, opts.burstCount ?? 8);
    this.burstWindowMs = opts.burstWindowMs ?? 1000;
    this.maxDistinct = opts.maxDistinctPaths ?? 16;
    this.maxTracked = opts.maxTrackedPaths ?? 4096;
    this.recent = new Float64Array(this.burstCount);
  }

  /** Updates the detector; returns true when a counter changed (so the score may have). */
  observe(req: SyscallRequest, decision: Decision, outcome: SyscallOutcome): boolean {
    const refused = decision.effect === 'deny' && decision.limited === undefined;
    // ENOTCAPABLE on a call the policy allowed: the sandbox itself refused an escape (a denial's own errno is not one).
    const escape = decision.effect === 'allow' && outcome.errno === ERRNO_NOTCAPABLE && req.path !== undefined;
    if (!refused && !escape) return false;
    let changed = false;
    if (escape) { this.escapes++; changed = true; }
    if (req.env !== undefined && refused && isSecretEnv(req.env)) { this.secrets++; changed = true; }
    if (req.path === undefined) return changed;
    this.probes++;
    for (const p of req.path2 === undefined ? [req.path] : [req.path, req.path2]) {
      if (this.paths.has(p)) continue;
      if (this.paths.size < this.maxTracked) this.paths.add(p);
      else this.untracked++;
    }
    if (isSecretPath(req.path) || (req.path2 !== undefined && isSecretPath(req.path2))) this.secrets++;
    this.noteProbeTime(this.clock.now());
    return true;
  }

  private noteProbeTime(now: number): void {
    const n = this.burstCount;
    this.recent[this.head] = now;
    this.head = (this.head + 1) % n;
    this.filled = Math.min(n, this.filled + 1);
    // The oldest of the last n probes is at `head` once the ring is full.
    if (this.filled === n && now - this.recent[this.head]! <= this.burstWindowMs) {
      this.bursts++;
      this.filled = 0; // a burst is counted once; the next needs n new probes
    }
  }

  snapshot(): AnomalySnapshot {
    const distinct = this.paths.size + this.untracked;
    const flags: string[] = [];
    if (this.probes > 0) flags.push('path-probe');
    if (distinct > this.maxDistinct) flags.push('path-scan');
    if (this.bursts > 0) flags.push('probe-burst');
    if (this.secrets > 0) flags.push('secret-probe');
    if (this.escapes > 0) flags.push('path-escape-attempt');
    return { deniedPathProbes: this.probes, distinctDeniedPaths: distinct, secretProbes: this.secrets, bursts: this.bursts, escapeAttempts: this.escapes, flags };
  }
}
