/**
 * The process test/stores/durability.test.ts kills with SIGKILL while it records real Execution
 * DNA: RUNS concurrent runs, each a DNA recorder (src/dna) whose write-behind sink is the
 * SQLite trace store in DIR. A run records syscalls, persists at explicit checkpoints (its flush
 * points), and after a few is finished (signed summary) and sealed; then the next run starts.
 * After each batch the store acknowledged it prints `ok <runId> <lines stored>`.
 * Usage: node dna-crash-child.ts DIR TAG RUNS
 */
import { writeSync } from 'node:fs';
import { createSqliteStores } from '../../platform/node/sqlite-store.ts';
import { nobleCrypto } from '../../src/crypto/noble.ts';
import type { Decision, SyscallOutcome, SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { createDnaRecorder } from '../../src/dna/record/recorder.ts';
import { CRASH_KERNEL_SEED } from './crash-batches.ts';

const [dir, tag, runs] = process.argv.slice(2);
if (!dir || !tag || !runs) throw new Error('usage: dna-crash-child.ts DIR TAG RUNS');

const stores = createSqliteStores(dir);
const ALLOW: Decision = { effect: 'allow', rules: ['app.stdio'], reason: 'stdout is granted' };
const DENY: Decision = { effect: 'deny', rules: [], reason: 'no rule grants it (default deny)' };
const CALLS: [SyscallRequest, Decision, SyscallOutcome][] = [
  [{ syscall: 'fd_write', group: 'stdio', fd: 1, bytes: 13 }, ALLOW, { errno: 0, size: 13 }],
  [{ syscall: 'random_get', group: 'random', bytes: 8 }, { ...ALLOW, rules: ['app.random'] }, { errno: 0, size: 8, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }],
  [{ syscall: 'path_open', group: 'fs.read', path: '/etc/passwd', access: 'read' }, DENY, { errno: 76 }],
];

writeSync(1, 'ready\n');
await Promise.all(Array.from({ length: Number(runs) }, async (_, k) => {
  for (let r = 0; ; r++) {
    const runId = `${tag}-${k}-${r}`;
    const recorder = createDnaRecorder({
      crypto: nobleCrypto,
      signingKey: CRASH_KERNEL_SEED,
      // Persistence only at explicit checkpoints: every stored batch ends with a signed checkpoint.
      checkpointInterval: 1 << 30,
      genesis: { kernelId: 'crash-test', configDigest: '00'.repeat(32), package: { digest: 'ab'.repeat(32) }, policyDigest: '11'.repeat(32), identity: `crash/${'ab'.repeat(32)}`, limits: { fuel: 1_000_000 }, runId },
      sink: async (id, fromSeq, lines) => {
        await stores.traces.append(id, fromSeq, lines);
        writeSync(1, `ok ${id} ${fromSeq + lines.length}\n`);
      },
    });
    let fuel = 0n;
    for (let cp = 0; cp < 4 + ((k + r) % 4); cp++) {
      for (let i = 0; i < 5 + ((cp * 13 + k) % 60); i++) {
        const [req, decision, outcome] = CALLS[(i + cp) % CALLS.length]!;
        recorder.record(req, decision, outcome, { fuelUsed: (fuel += 1000n), trust: 100 });
      }
      await recorder.checkpoint();
    }
    await recorder.finish({ status: 'exited', exitCode: 0 });
    await stores.traces.seal(runId);
    writeSync(1, `sealed ${runId}\n`);
  }
}));
