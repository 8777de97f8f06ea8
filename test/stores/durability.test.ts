/**
 * Durability of the Node SQLite store under SIGKILL. Children append to the store and are killed
 * at random points, many times over one data directory; after every kill the directory is reopened
 * and every stored trace is checked:
 *  - real Execution DNA (dna-crash-child.ts, the recorder of src/observer persisting at its
 *    checkpoints), 50 kills: every trace verifies with verifyTrace under the pinned kernel key —
 *    complete and signed, or cut cleanly at a signed checkpoint (reported as such); a sealed trace
 *    is always complete; nothing the store acknowledged is missing;
 *  - hash-chained test batches (crash-child.ts), 20 kills: only whole batches are stored and at most
 *    the one batch in flight was stored without its acknowledgement;
 *  - three writer processes on one database at once never interleave or corrupt a trace.
 * Traces of earlier iterations never change. FORGE_CRASH_SEED replays a sequence of kill points.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSqliteStores } from '../../platform/node/sqlite-store.ts';
import { keyPairFromSecret } from '../../src/crypto/keys.ts';
import { verifyTrace } from '../../src/dna/verify/verify.ts';
import { batchSize, CRASH_KERNEL_SEED, verifyBatches } from './crash-batches.ts';

const DNA_CHILD = fileURLToPath(new URL('./dna-crash-child.ts', import.meta.url));
const BATCH_CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const RUNS = 3;

/** A small seeded PRNG (mulberry32), so a failing sequence of kill points can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Killed { acked: Map<string, number>; sawReady: boolean }

/**
 * Runs `script` and kills it with SIGKILL `delayMs` after its output first matches `armOn`
 * (`ready` by default), or after spawn when `early`.
 */
function runAndKill(script: string, dir: string, tag: string, delayMs: number, early: boolean, armOn = /^ready$/m): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, dir, tag, String(RUNS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let armed = false;
    const arm = () => { if (!armed) { armed = true; setTimeout(() => child.kill('SIGKILL'), delayMs); } };
    if (early) arm();
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; if (armOn.test(out)) arm(); });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child ${tag} exited by itself (code ${code}): ${stderr}`));
      const acked = new Map<string, number>();
      for (const line of out.split('\n')) {
        const m = /^ok (\S+) (\d+)$/.exec(line);
        if (m) acked.set(m[1]!, Math.max(acked.get(m[1]!) ?? 0, Number(m[2])));
      }
      resolve({ acked, sawReady: out.startsWith('ready\n') });
    });
  });
}

const dirs: string[] = [];
after(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const tempDir = (name: string) => { const d = mkdtempSync(join(tmpdir(), `forge-${name}-`)); dirs.push(d); return d; };
const seed = Number(process.env['FORGE_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

/**
 * Kills `script` `iterations` times over one directory; after each kill calls `check` on every
 * stored trace that is new since the last kill, and checks that older traces did not change and
 * nothing acknowledged is missing.
 */
async function killLoop(script: string, iterations: number, check: (run: { runId: string; count: number; sealed: boolean }, lines: string[], acked: number, where: string) => Promise<void>, armOn?: (n: number) => RegExp | undefined) {
  const dir = tempDir('crash');
  const random = prng(seed);
  const settled = new Map<string, number>();
  let beforeReady = 0;
  for (let n = 0; n < iterations; n++) {
    const early = n % 5 === 4;
    const delay = early ? 100 + random() * 300 : 5 + random() * 120;
    const k = await runAndKill(script, dir, `i${n}`, delay, early, armOn?.(n));
    if (!k.sawReady) beforeReady++;
    const where = `iteration ${n} (FORGE_CRASH_SEED=${seed}, kill ${delay.toFixed(0)} ms after ${early ? 'spawn' : armOn?.(n)?.source ?? 'ready'})`;
    const stores = createSqliteStores(dir);
    try {
      for (const run of await stores.traces.list()) {
        const lines = await stores.traces.read(run.runId);
        assert.equal(lines.length, run.count, `${where}: ${run.runId}: list count matches the stored entries`);
        const before = settled.get(run.runId);
        if (before !== undefined) {
          assert.equal(run.count, before, `${where}: ${run.runId} from an earlier iteration changed`);
          continue;
        }
        assert.ok(run.runId.startsWith(`i${n}-`), `${where}: unexpected run ${run.runId}`);
        const acked = k.acked.get(run.runId) ?? 0;
        assert.ok(run.count >= acked, `${where}: ${run.runId}: ${acked} lines were acknowledged but only ${run.count} are stored`);
        await check(run, lines, acked, where);
        settled.set(run.runId, run.count);
      }
      for (const runId of k.acked.keys()) assert.ok(settled.has(runId), `${where}: acknowledged run ${runId} is missing`);
    } finally {
      stores.close();
    }
  }
  return { traces: settled.size, lines: [...settled.values()].reduce((a, b) => a + b, 0), beforeReady };
}

it('50 SIGKILLs while recording real DNA: every stored trace verifies, complete or cut cleanly at a signed checkpoint', async () => {
  const publicKey = keyPairFromSecret(CRASH_KERNEL_SEED).publicKey;
  let complete = 0;
  let cut = 0;
  const r = await killLoop(DNA_CHILD, 50, async (run, lines, _acked, where) => {
    const report = await verifyTrace(lines.map((l) => `${l}\n`).join(''), { publicKey });
    if (report.ok) { complete++; return; }
    assert.ok(!run.sealed, `${where}: ${run.runId} is sealed but does not verify: ${report.message}`);
    assert.equal(report.status, 'truncated', `${where}: ${run.runId}: ${report.message}`);
    assert.equal(report.verified, report.entries, `${where}: ${run.runId}: entries after the last signed checkpoint: ${report.message}`);
    assert.match(report.message, /clean cut at a checkpoint/, `${where}: ${run.runId}: the cut is reported`);
    cut++;
  }, (n) => (n % 2 === 1 ? /^sealed /m : undefined)); // every other kill waits for a finished run, so both outcomes occur even on a loaded machine
  process.stdout.write(`# DNA durability: 50 kills (FORGE_CRASH_SEED=${seed}), ${r.traces} traces, ${r.lines} lines: ` +
    `${complete} complete and signed, ${cut} cut cleanly at a signed checkpoint, 0 damaged; ${r.beforeReady} kills before the store opened\n`);
  assert.ok(cut > 0 && complete > 0, 'the kills landed both between runs and mid-run');
});

it('20 SIGKILLs mid-append: only whole batches are stored, at most the batch in flight unacknowledged', async () => {
  let unacknowledged = 0;
  const r = await killLoop(BATCH_CHILD, 20, async (run, lines, acked, where) => {
    const v = verifyBatches(run.runId, lines);
    assert.ok(!('error' in v), `${where}: ${run.runId}: ${'error' in v ? v.error : ''}`);
    if (run.count > acked) {
      // Committed, then killed before the acknowledgement was printed: exactly the next batch.
      assert.equal(run.count - acked, batchSize(v.batches - 1, Number(run.runId.split('-')[1])), `${where}: ${run.runId}: more than the batch in flight is unacknowledged`);
      unacknowledged++;
    }
  });
  process.stdout.write(`# batch durability: 20 kills, ${r.traces} traces, ${r.lines} entries verified; ${unacknowledged} batches committed but unacknowledged at the kill\n`);
  assert.ok(r.traces > 0, 'the children did write traces');
});

it('three processes writing one database at once never interleave or corrupt traces', async () => {
  const dir = tempDir('shared');
  const killed = await Promise.all(['p0', 'p1', 'p2'].map((tag) => runAndKill(BATCH_CHILD, dir, tag, 300, false, /^ok \S+-2 /m)));
  const stores = createSqliteStores(dir);
  try {
    const runs = await stores.traces.list();
    assert.equal(runs.length, 9, 'three traces from each process');
    for (const run of runs) {
      const v = verifyBatches(run.runId, await stores.traces.read(run.runId));
      assert.ok(!('error' in v), `${run.runId}: ${'error' in v ? v.error : ''}`);
      for (const k of killed) assert.ok(run.count >= (k.acked.get(run.runId) ?? 0), `${run.runId}: acknowledged entries missing`);
    }
    process.stdout.write(`# three writers: ${runs.reduce((a, r) => a + r.count, 0)} entries in 9 traces verified\n`);
  } finally {
    stores.close();
  }
});
