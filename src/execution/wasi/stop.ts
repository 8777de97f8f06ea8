/**
 * How a host call ends a run: it throws a GuestStop, which unwinds the guest's stack to the
 * container. It is not an Error (no stack capture on a hot path). A guest using exception
 * handling could catch it with `catch_all`, so the sandbox also keeps the first stop as sticky
 * state: every later host call throws it again and the container reports it whatever `_start` did.
 */
export type StopStatus = 'exited' | 'killed' | 'quarantined' | 'denied' | 'output-limit' | 'timeout';

export class GuestStop {
  readonly status: StopStatus;
  readonly exitCode: number;
  readonly reason: string;
  /** The KernelError behind a policy or quarantine stop, when there was one. */
  readonly cause: unknown;

  constructor(status: StopStatus, exitCode: number, reason: string, cause?: unknown) {
    this.status = status;
    this.exitCode = exitCode;
    this.reason = reason;
    this.cause = cause;
  }
}
