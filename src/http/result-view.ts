/** How a finished container looks in an answer — a run's (POST /v1/runs) and a replay's alike. */
import { toBase64 } from '../lib/encoding.ts';
import type { ContainerResult } from '../execution/container.ts';

/** The fields of a container's end, `exitCode` by the CLI convention (never throws). */
export function resultView(r: ContainerResult, exitCode: number): Record<string, unknown> {
  return {
    status: r.status,
    exitCode,
    ...(r.status === 'exited' && { guestExitCode: r.exitCode }),
    reason: r.reason,
    ...(r.error && { error: { code: r.error.code, message: r.error.message } }),
    // a decimal string: fuel can exceed 2^53
    fuelUsed: r.fuelUsed.toString(),
    peakMemoryBytes: r.peakMemoryBytes,
    durationMs: Math.round(r.durationMs * 1000) / 1000,
    stdout: toBase64(r.stdout),
    stderr: toBase64(r.stderr),
  };
}
