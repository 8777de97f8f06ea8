/**
 * Streams a run's Execution DNA to a local file as the recorder flushes it (`forge run --trace`):
 * a synchronous sink, so a guest that never yields still has its trace written at every
 * checkpoint and the recorder holds at most one checkpoint interval. Each flush appends its lines
 * at the end of what was stored and fsyncs before returning; a failed write is cut back off, so
 * the file always ends on a whole line and a retry appends where the last good flush ended.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { KernelError } from '../../src/errors.ts';
import type { SyncTraceSink } from '../../src/dna/record/recorder.ts';

/**
 * A sink writing one run's trace to `path`, created anew (truncated) by the first flush.
 * The sink throws KernelError TRACE_INVALID for lines out of order or from another run, and
 * STORE_UNAVAILABLE when the file cannot be written (the recorder keeps the lines and retries).
 */
export function traceFileSink(path: string): SyncTraceSink {
  let run: string | undefined;
  let lines = 0;
  let size = 0;
  const write = (runId: string, fromSeq: number, batch: string[]): void => {
    if (run !== undefined && runId !== run) throw new KernelError('TRACE_INVALID', `trace file ${path} holds run ${run}, not ${runId}`);
    if (fromSeq !== lines) throw new KernelError('TRACE_INVALID', `trace file ${path}: lines must follow on from line ${lines}, got ${fromSeq}`);
    const data = Buffer.from(batch.length === 0 ? '' : `${batch.join('\n')}\n`, 'utf8');
    let fd: number | undefined;
    try {
      fd = openSync(path, lines === 0 ? 'w' : 'r+', 0o644);
      for (let done = 0; done < data.length;) done += writeSync(fd, data, done, data.length - done, size + done);
      fsyncSync(fd);
      if (lines === 0) syncDirectory(dirname(path));
    } catch (e) {
      if (fd !== undefined) {
        try {
          ftruncateSync(fd, size);
        } catch {
          // the write already failed; what is left past `size` is a torn tail the verifier names
        }
      }
      throw new KernelError('STORE_UNAVAILABLE', `trace file ${path}: ${e instanceof Error ? e.message : String(e)}`, { path }, { cause: e });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    run = runId;
    lines += batch.length;
    size += data.length;
  };
  return Object.assign(write, { sync: true as const });
}

/** Makes a new file's directory entry durable; not every platform can open a directory, and then there is nothing to do. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory; its metadata is journaled
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
