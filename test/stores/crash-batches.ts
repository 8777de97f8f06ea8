/**
 * The batches test/stores/crash-child.ts writes and test/stores/durability.test.ts verifies: each
 * entry names its run, batch and position, and chains to the previous entry's SHA-256, so a lost,
 * reordered, altered or half-stored batch is detected.
 */
import { createHash } from 'node:crypto';

/** The kernel key dna-crash-child.ts signs with, so the verifier can pin it. */
export const CRASH_KERNEL_SEED = new Uint8Array(32).fill(7);

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** One batch of `size` entries chained from `prev`. */
export function batchLines(runId: string, batch: number, size: number, prev: string): { lines: string[]; head: string } {
  const lines: string[] = [];
  let h = prev;
  for (let i = 0; i < size; i++) {
    const body = JSON.stringify({ run: runId, batch, i, of: size, prev: h, pad: 'x'.repeat(40 + ((batch * 31 + i) % 200)) });
    h = sha256(body);
    lines.push(JSON.stringify({ body, h }));
  }
  return { lines, head: h };
}

/** The size of batch `batch` of run number `k` (varied, 1–40 entries). */
export const batchSize = (batch: number, k: number) => 1 + ((batch * 7 + k * 3) % 40);

/**
 * Checks a stored trace: every entry chains to the one before, batches are numbered in order,
 * and the last batch is whole. Returns the number of whole batches, or why the trace is broken.
 */
export function verifyBatches(runId: string, lines: readonly string[]): { batches: number } | { error: string } {
  let prev = 'genesis';
  let batch = 0;
  let i = 0;
  for (const [seq, line] of lines.entries()) {
    let entry: { body: string; h: string };
    let body: { run: string; batch: number; i: number; of: number; prev: string };
    try {
      entry = JSON.parse(line) as typeof entry;
      body = JSON.parse(entry.body) as typeof body;
    } catch {
      return { error: `entry ${seq} is not the JSON that was written` };
    }
    if (sha256(entry.body) !== entry.h) return { error: `entry ${seq}: hash does not match its body` };
    if (body.prev !== prev) return { error: `entry ${seq}: chain broken (prev ${body.prev.slice(0, 8)}, expected ${prev.slice(0, 8)})` };
    if (body.run !== runId || body.batch !== batch || body.i !== i) {
      return { error: `entry ${seq}: expected ${runId} batch ${batch} entry ${i}, found ${body.run} batch ${body.batch} entry ${body.i}` };
    }
    prev = entry.h;
    if (++i === body.of) { batch++; i = 0; }
  }
  if (i !== 0) return { error: `the last batch (${batch}) is cut after ${i} entries: a batch was stored in part` };
  return { batches: batch };
}
