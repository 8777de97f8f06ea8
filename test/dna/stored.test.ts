/**
 * The next start verifies stored traces and reports any cut: a SQLite store (the Node default)
 * holding a complete run, a run cut at a checkpoint by a crash, a tampered run, a sealed run
 * whose tail went missing and a run signed by another kernel key — verifyStoredTraces names each,
 * and the boot reports them in its stored-traces step and still boots.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bootKernel } from '../../src/boot.ts';
import { toHex } from '../../src/lib/encoding.ts';
import { kernelHealth } from '../../src/diagnostics/health.ts';
import { verifyStoredTraces, type StoredTraceReport } from '../../src/dna/index.ts';
import { createNodePlatform } from '../../platform/node/index.ts';
import { createSqliteStores, type SqliteStores } from '../../platform/node/sqlite-store.ts';
import { crypto, GENESIS, KERNEL, OTHER, newRecorder, recordRun, splitLines, syntheticStream } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'forge-stored-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A store as a crash and an attacker left it: complete, cut, tampered, sealed-but-cut, foreign-key. */
async function damagedStore(): Promise<SqliteStores> {
  const stores = createSqliteStores(join(dir, `db-${n++}`));
  const put = async (runId: string, lines: string[], seal: boolean) => {
    await stores.traces.append(runId, 0, lines);
    if (seal) await stores.traces.seal(runId);
  };
  const calls = syntheticStream();
  const good = await recordRun(calls, { genesis: { ...GENESIS, runId: 'complete' } });
  await put('complete', splitLines(good.text), true);

  // Write-behind into the store, then a crash: the process dies after a flush two entries past the
  // second checkpoint (entries 8 and 9 are stored, chained but not yet signed).
  const cut = newRecorder({ genesis: { ...GENESIS, runId: 'crashed' }, sink: (id, from, lines) => stores.traces.append(id, from, lines) });
  calls.slice(0, 9).forEach(([q, d, o], i) => cut.record(q, d, o, { fuelUsed: BigInt(i), trust: 100 }));
  await cut.flush();
  // One more call reaches the recorder but never the store: the process dies here.
  cut.record(...calls[0]!, { fuelUsed: 99n, trust: 100 });

  const lines = splitLines((await recordRun(calls, { genesis: { ...GENESIS, runId: 'altered' } })).text);
  lines[6] = lines[6]!.replace('"errno":0', '"errno":5');
  await put('altered', lines, true);

  await put('sealed-cut', splitLines((await recordRun(calls, { genesis: { ...GENESIS, runId: 'sealed-cut' } })).text).slice(0, 9), true);
  await put('foreign', splitLines((await recordRun(calls, { signingKey: OTHER.secretKey, genesis: { ...GENESIS, runId: 'foreign' } })).text), true);
  return stores;
}

const byRun = (reports: readonly StoredTraceReport[]) => Object.fromEntries(reports.map((r) => [r.runId, r]));

test('verifyStoredTraces names a complete run, a cut one, a tampered one, a sealed one that lost its tail and a foreign-key one', async () => {
  const stores = await damagedStore();
  try {
    const runs = byRun(await verifyStoredTraces(stores.traces, { crypto, publicKey: KERNEL.publicKey }));
    assert.deepEqual(Object.keys(runs), ['complete', 'crashed', 'altered', 'sealed-cut', 'foreign'], 'every run, oldest first');

    assert.equal(runs['complete']!.status, 'ok', runs['complete']!.message);
    assert.equal(runs['complete']!.verified, 12);

    const crashed = runs['crashed']!;
    assert.equal(crashed.status, 'cut', crashed.message);
    assert.equal(crashed.sealed, false);
    assert.equal(crashed.verified, 8, 'the entries the signed checkpoint at 8 covers are proven');
    assert.equal(crashed.entries, 10);
    assert.equal(crashed.unproven, 2, 'entries 8 and 9 were stored after the last checkpoint');
    assert.match(crashed.message, /entries 0\.\.7 are proven by 2 signed checkpoints; entries 8\.\.9 follow the last checkpoint, chained but not signed/);

    const altered = runs['altered']!;
    assert.equal(altered.status, 'tampered', altered.message);
    assert.equal(altered.firstBad?.entry, 5);
    assert.equal(altered.firstBad?.line, 7);
    assert.match(altered.message, /TAMPERED at entry 5/);

    assert.equal(runs['sealed-cut']!.status, 'tampered', 'a sealed run ends in its summary; one that does not was cut after the fact');
    assert.match(runs['sealed-cut']!.message, /sealed but no longer ends in its signed summary/);

    assert.equal(runs['foreign']!.status, 'foreign-key', runs['foreign']!.message);
    assert.match(runs['foreign']!.message, new RegExp(toHex(OTHER.publicKey)));

    const unsealed = await verifyStoredTraces(stores.traces, { crypto, publicKey: KERNEL.publicKey, scope: 'unsealed' });
    assert.deepEqual(unsealed.map((r) => [r.runId, r.status]), [['crashed', 'cut']]);
    // Unpinned, the foreign run is intact in itself.
    assert.equal(byRun(await verifyStoredTraces(stores.traces, { crypto }))['foreign']!.status, 'ok');
  } finally {
    stores.close();
  }
});

test('the boot verifies the stored traces after the stores open, reports each problem, and boots anyway', async () => {
  const stores = await damagedStore();
  try {
    const kernel = await bootKernel({
      platform: createNodePlatform(),
      config: { env: { FORGE_KERNEL_KEY: toHex(KERNEL.secretKey) } },
      openStores: async () => ({ stores, kind: 'sqlite', schemaVersion: 1, persistent: true }),
      storedTraces: 'all',
    });
    const st = kernel.boot.storedTraces!;
    assert.deepEqual(kernel.boot.steps.map((s) => [s.step, s.status]).slice(-3), [['stores', 'ok'], ['stored-traces', 'ok'], ['ready', 'ok']]);
    assert.equal(st.checked, 5);
    assert.deepEqual(st.counts, { ok: 1, cut: 1, tampered: 2, 'foreign-key': 1, invalid: 0, unreadable: 0 });
    assert.deepEqual(st.problems.map((p) => [p.runId, p.status]), [['crashed', 'cut'], ['altered', 'tampered'], ['sealed-cut', 'tampered'], ['foreign', 'foreign-key']]);
    const detail = kernel.boot.steps.find((s) => s.step === 'stored-traces')!.detail;
    assert.match(detail, /^WARNING: 2 tampered, 1 signed by another kernel key/);
    assert.match(detail, /5 trace\(s\) verified under the kernel key: 1 complete, 1 cut at a crash/);
    // The health document carries the report (its schema is strict).
    const health = await kernelHealth(kernel, kernel.boot.selfTests!);
    assert.equal(health.boot?.storedTraces?.counts.cut, 1);

    // By default only unsealed runs are checked: where a crash leaves its cut.
    const quick = await bootKernel({
      platform: createNodePlatform(), config: { env: { FORGE_KERNEL_KEY: toHex(KERNEL.secretKey) } },
      openStores: async () => ({ stores, kind: 'sqlite', schemaVersion: 1, persistent: true }),
    });
    assert.deepEqual([quick.boot.storedTraces!.scope, quick.boot.storedTraces!.checked, quick.boot.storedTraces!.counts.cut], ['unsealed', 1, 1]);
    assert.match(quick.boot.steps.find((s) => s.step === 'stored-traces')!.detail, /^1 unsealed trace\(s\) verified under the kernel key: 0 complete, 1 cut at a crash$/);
  } finally {
    stores.close();
  }
});

test('a run the store cannot return is reported, and does not hide the others', async () => {
  const stores = await damagedStore();
  try {
    const broken = { ...stores.traces, read: async (runId: string) => (runId === 'altered' ? Promise.reject(new Error('disk I/O error')) : stores.traces.read(runId)) };
    const runs = byRun(await verifyStoredTraces(broken, { crypto, publicKey: KERNEL.publicKey }));
    assert.equal(runs['altered']!.status, 'unreadable');
    assert.match(runs['altered']!.message, /disk I\/O error/);
    assert.equal(runs['complete']!.status, 'ok');
  } finally {
    stores.close();
  }
});
