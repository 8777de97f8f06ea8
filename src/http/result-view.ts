/** How a finished container looks in an answer — a run's (POST /v1/runs) and a replay's alike. */
import { toBase64 } from '../lib/encoding.ts';
import type { ContainerResult } from '../execution/container.ts';
import type { ErrorCode } from '../errors.ts';

/** The JSON of a container's end, as `resultView` writes it (and the console reads it). */
export interface ResultView {
  readonly status: ContainerResult['status'];
  /** By the CLI convention: the guest's own, or 124, 125, 134, 137. */
  readonly exitCode: number;
  /** Present when the guest exited by itself. */
  readonly guestExitCode?: number;
  readonly reason: string;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
  /** A decimal string: fuel can exceed 2^53. */
  readonly fuelUsed: string;
  readonly peakMemoryBytes: number;
  readonly durationMs: number;
  /** Base64 of the bytes. */
  readonly stdout: string;
  readonly stderr: string;
}

/** The fields of a container's end, `exitCode` by the CLI convention (never throws). */
export function resultView(r: ContainerResult, exitCode: number): ResultView {
  return {
    status: r.status,
    exitCode,
    ...(r.status === 'exited' && { guestExitCode: r.exitCode }),
    reason: r.reason,
    ...(r.error && { error: { code: r.error.code, message: r.error.message } }),
    fuelUsed: r.fuelUsed.toString(),
    peakMemoryBytes: r.peakMemoryBytes,
    durationMs: Math.round(r.durationMs * 1000) / 1000,
    stdout: toBase64(r.stdout),
    stderr: toBase64(r.stderr),
  };
}
