/**
 * The seam between the sandbox and the trust/observer modules: what crosses the gate on every
 * syscall. The sandbox fills in requests and outcomes; the policy graph answers with decisions
 * and the Execution DNA records all three.
 */
import type { ActionGroup, SyscallName } from './syscalls.ts';

/** One syscall as the gate sees it, after its arguments were decoded from guest memory. */
export interface SyscallRequest {
  readonly syscall: SyscallName;
  readonly group: ActionGroup;
  /** Guest-visible absolute path (normalized, inside the sandbox), for path_* calls and opens. */
  readonly path?: string;
  /** Second path (rename, link, symlink target). */
  readonly path2?: string;
  /** File descriptor the call acts on. */
  readonly fd?: number;
  /** Environment variable name (environ_get reports each name it hands out). */
  readonly env?: string;
  /** Bytes the call asks to move (writes, reads, random). */
  readonly bytes?: number;
  /** For path_open: the access requested. */
  readonly access?: 'read' | 'write' | 'readwrite';
}

/** What the policy graph decided about one request. */
export interface Decision {
  readonly effect: 'allow' | 'deny';
  /** Ids of the rules that made the decision (empty when the default deny decided). */
  readonly rules: readonly string[];
  /** One sentence a person can read. */
  readonly reason: string;
  /** Set when a layer in monitor mode would have denied: recorded, but allowed. */
  readonly monitored?: boolean;
  /** Set when a rate limit or quota made the decision. */
  readonly limited?: string;
}

/** What a performed (or refused) syscall returned to the guest. */
export interface SyscallOutcome {
  /** WASI errno returned to the guest (0 = success). */
  readonly errno: number;
  /** Bytes moved, where the call moves bytes. */
  readonly size?: number;
  /**
   * Data handed to the guest from a nondeterministic source — a clock value, random bytes, bytes
   * read from stdin or a file — kept so a run can be replayed.
   */
  readonly data?: Uint8Array;
}

/** Facts about the guest at the moment of a syscall, supplied by the sandbox. */
export interface RecordContext {
  /** Fuel consumed so far by the guest. */
  readonly fuelUsed: bigint;
}

/**
 * The sandbox calls `decide` before performing a syscall and `record` after it. Both are
 * synchronous (host calls are synchronous). Either may throw a KernelError (QUARANTINED,
 * POLICY_DENIED…) to stop the guest at once.
 */
export interface GateHooks {
  decide(request: SyscallRequest): Decision;
  record(request: SyscallRequest, decision: Decision, outcome: SyscallOutcome, context: RecordContext): void;
  /**
   * Replay: when present, nondeterministic syscalls (clocks, random, stdin and file reads,
   * poll_oneoff) take their outcome from here instead of from the host.
   */
  replay?(request: SyscallRequest): SyscallOutcome;
}
