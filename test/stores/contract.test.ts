/**
 * The store contract (test/conformance/stores.ts) against every adapter, in Node: the in-memory
 * reference, SQLite in a temporary directory, IndexedDB over fake-indexeddb, and KV + Durable
 * Objects inside workerd through Miniflare. Same case list, same count, for each.
 */
import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createIdbStores } from '../../platform/browser/idb-store.ts';
import { createNodePlatform } from '../../platform/node/index.ts';
import { createSqliteStores } from '../../platform/node/sqlite-store.ts';
import type { Stores } from '../../src/ports/platform.ts';
import { memoryStores } from '../../src/stores/memory.ts';
import { storeContractCases } from '../conformance/stores.ts';
import type { ConformanceEnv } from '../conformance/harness.ts';
import { runInWorkerd } from './workerd.ts';

function envWith(makeStores: () => Promise<Stores>): ConformanceEnv {
  return {
    runtime: 'node',
    platform: createNodePlatform(),
    fixture: (name) => { throw new Error(`store cases use no fixtures (asked for ${name})`); },
    makeStores,
  };
}

function contract(label: string, makeStores: () => Promise<Stores>): void {
  describe(`store contract: ${label}`, () => {
    const env = envWith(makeStores);
    for (const c of storeContractCases) {
      it(c.name, async (t) => {
        const why = c.skip?.(env);
        if (why !== undefined) return t.skip(why);
        await c.run(env);
      });
    }
  });
}

const closers: (() => void)[] = [];
after(() => { for (const close of closers.splice(0)) close(); });

contract('memory', async () => memoryStores());

contract('sqlite (node:sqlite, WAL, temp directory)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'forge-sqlite-'));
  const s = createSqliteStores(dir);
  closers.push(() => { s.close(); rmSync(dir, { recursive: true, force: true }); });
  return s;
});

let idbSeq = 0;
contract('indexeddb (idb over fake-indexeddb)', async () => {
  const s = await createIdbStores(`forge-contract-${process.pid}-${idbSeq++}`);
  closers.push(() => s.close());
  return s;
});

describe('store contract: cloudflare (KV + SQLite Durable Objects in workerd via Miniflare)', () => {
  it('runs every contract case inside workerd with the same count, and all pass', async (t) => {
    const results = await runInWorkerd('/contract');
    assert.deepEqual(results.map((r) => r.name), storeContractCases.map((c) => c.name), 'same cases, same order');
    for (const r of results) {
      await t.test(r.name, () => { assert.equal(r.status, 'pass', `${r.name}: ${r.message ?? ''}`); });
    }
  });
});

describe('store contract: a skip names itself and its reason', () => {
  it('an env without makeStores skips every store case with a reason', () => {
    const env: ConformanceEnv = { ...envWith(async () => memoryStores()), makeStores: undefined };
    for (const c of storeContractCases) assert.match(c.skip?.(env) ?? '', /no persistent stores/);
  });
});
