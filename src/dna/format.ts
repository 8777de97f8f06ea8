/**
 * The Execution DNA data model (docs/dna.md). Entries are typed values here; `canonical.ts`
 * gives each one its fixed binary form (what is hashed) and `lines.ts` its JSON line (what is
 * stored). Binary data stays `Uint8Array` until a line is rendered.
 */
import type { ActionGroup, SyscallName } from '../ports/syscalls.ts';
import type { ErrorCode } from '../errors.ts';
import type { RunStatus } from '../ports/run-status.ts';

/** The trace format named in every genesis entry; a verifier refuses any other. */
export const TRACE_FORMAT = 'forgeone-dna/2';
/** First byte of every canonical entry (2: chained and leaf-hashed as one, see canonical.ts). */
export const CANONICAL_VERSION = 2;

/** What the package under test is, as the kernel verified it. */
export interface PackageInfo {
  /** Lowercase hex SHA-256 of the `.forgepkg` (or module) bytes. */
  readonly digest: string;
  readonly name?: string;
  readonly version?: string;
  /** Key id of the signer the trust root accepted; absent for an unsigned package. */
  readonly signer?: string;
}

/** What the caller binds into the genesis entry of a run. */
export interface GenesisInfo {
  readonly kernelId: string;
  /** Lowercase hex SHA-256 of the resolved kernel configuration. */
  readonly configDigest: string;
  readonly package: PackageInfo;
  /** Lowercase hex SHA-256 of the compiled policy graph. */
  readonly policyDigest: string;
  /** Container identity (`tenant/packageDigest`). */
  readonly identity: string;
  /** The run's limits (fuel, memoryBytes, timeoutMs …): non-negative safe integers. */
  readonly limits: Readonly<Record<string, number>>;
  /** Defaults to 32 random hex digits. */
  readonly runId?: string;
  /** Wall-clock ms when the run started. */
  readonly startedAt?: number;
}

/** How arguments and returned data are kept out of the trace (docs/dna.md § Redaction). */
export interface RedactionRules {
  /** Path globs (policy syntax: `/secrets/**`): such paths are stored only as salted digests, and data read under them is never kept. */
  readonly paths?: readonly string[];
  /** Env-name globs (`AWS_*`) stored only as salted digests. */
  readonly env?: readonly string[];
  /** `keep` (default): nondeterministic data is kept (bounded) so the run can be replayed; `digest`: digests only. */
  readonly data?: 'keep' | 'digest';
  /** Largest data kept inline in one entry (default 1 MiB). */
  readonly maxEntryData?: number;
  /** Data kept inline over the whole run (default 16 MiB). */
  readonly maxRunData?: number;
}

export interface GenesisEntry {
  readonly kind: 'genesis';
  readonly seq: 0;
  readonly format: string;
  readonly runId: string;
  readonly kernelId: string;
  /** The Ed25519 public key that signs this run's checkpoints and summary. */
  readonly kernelKey: Uint8Array;
  readonly configDigest: Uint8Array;
  readonly package: { readonly digest: Uint8Array; readonly name?: string; readonly version?: string; readonly signer?: string };
  readonly policyDigest: Uint8Array;
  readonly identity: string;
  /** Sorted by name. */
  readonly limits: readonly (readonly [string, number])[];
  readonly nonce: Uint8Array;
  readonly checkpointInterval: number;
  readonly startedAt?: number;
  readonly dataCap: { readonly entry: number; readonly run: number };
  readonly redact: { readonly paths: readonly string[]; readonly env: readonly string[]; readonly data: 'keep' | 'digest' };
}

export interface CallArgs {
  readonly fd?: number;
  readonly path?: string;
  readonly pathDigest?: Uint8Array;
  readonly path2?: string;
  readonly path2Digest?: Uint8Array;
  readonly env?: string;
  readonly envDigest?: Uint8Array;
  readonly bytes?: number;
  readonly access?: 'read' | 'write' | 'readwrite';
}

export interface CallDecision {
  readonly effect: 'allow' | 'deny';
  readonly rules: readonly string[];
  readonly reason: string;
  readonly monitored?: true;
  readonly limited?: string;
}

/** Why returned data is not kept inline: over the size caps, under a redacted path, or never kept (env). */
export const DATA_NOTES = ['cap', 'redacted', 'withheld'] as const;
export type DataNote = (typeof DATA_NOTES)[number];

export interface CallResult {
  readonly errno: number;
  readonly size?: number;
  /** The data handed to the guest, kept so the run can be replayed. */
  readonly data?: Uint8Array;
  /** When `data` is not kept: its length, its digest (except `withheld`) and why. */
  readonly dataLen?: number;
  readonly dataDigest?: Uint8Array;
  readonly dataNote?: DataNote;
}

export interface CallEntry {
  readonly kind: 'call';
  readonly seq: number;
  readonly syscall: SyscallName;
  readonly group: ActionGroup;
  readonly args: CallArgs;
  readonly decision: CallDecision;
  readonly result: CallResult;
  readonly fuel: bigint;
  readonly trust: number;
}

/** Written in place of calls the pipeline could not keep: never a silent gap. */
export interface DropEntry {
  readonly kind: 'drop';
  readonly seq: number;
  readonly count: number;
  /** How many of the dropped calls were denied, and the risk flags they raised. */
  readonly denied: number;
  readonly flags: readonly string[];
  readonly reason: 'buffer-full' | 'sink-failed';
}

export type TraceEntry = GenesisEntry | CallEntry | DropEntry;

export { RUN_STATUSES, type RunStatus } from '../ports/run-status.ts';

export interface RunOutcome {
  readonly status: RunStatus;
  /** The guest's exit code (proc_exit), when it exited. */
  readonly exitCode?: number;
  /** The KernelError code that ended the run, if one did. */
  readonly code?: ErrorCode;
  readonly message?: string;
  /** Linear memory at the end of a trapped or quarantined run: only its size and digest enter the summary. */
  readonly memory?: Uint8Array;
}

/** The outcome as the signed summary states it. */
export interface SummaryOutcome {
  readonly status: RunStatus;
  readonly exitCode?: number;
  readonly code?: string;
  readonly message?: string;
  readonly memory?: { readonly bytes: number; readonly sha256: string };
}
