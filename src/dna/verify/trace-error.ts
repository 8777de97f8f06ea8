/** A failed verification report as the KernelError its status stands for, naming the first bad entry. */
import { KernelError, type ErrorCode } from '../../errors.ts';
import type { TraceReport } from './verify.ts';

const STATUS_CODE: Record<Exclude<TraceReport['status'], 'ok'>, ErrorCode> = { tampered: 'TRACE_TAMPERED', truncated: 'TRACE_INCOMPLETE', invalid: 'TRACE_INVALID' };

/** TRACE_TAMPERED / TRACE_INCOMPLETE / TRACE_INVALID for a report that is not ok, undefined for one that is. Throws nothing. */
export function traceReportError(r: TraceReport): KernelError | undefined {
  if (r.ok) return undefined;
  const bad = r.firstBad;
  const where = bad ? (bad.entry !== undefined ? `entry ${bad.entry} (line ${bad.line})` : `line ${bad.line}`) : 'the trace';
  return new KernelError(STATUS_CODE[r.status as Exclude<TraceReport['status'], 'ok'>], `${where}: ${r.message}`, { entry: bad?.entry, line: bad?.line, verified: r.verified, report: r });
}
