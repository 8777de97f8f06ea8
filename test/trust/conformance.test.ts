/**
 * The policy conformance cases (test/conformance/policy.ts) in Node, here with in-memory stores
 * and again with the Node file quarantine store, so `node --test test/trust/` covers them; the
 * Node, Chromium and workerd runners run the same cases through the suite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createNodePlatform } from '../../platform/node/index.ts';
import { createSqliteStores } from '../../platform/node/sqlite-store.ts';

/** The Node kernel's quarantine store: SQLite in a data directory (a fresh instance is a restart). */
const fileQuarantineStore = (dir: string) => createSqliteStores(dir).quarantine;
import type { Stores } from '../../src/ports/platform.ts';
import { memoryStores } from '../../src/stores/memory.ts';
import type { ConformanceEnv } from '../conformance/harness.ts';
import { policyCases } from '../conformance/policy.ts';

const scratch = mkdtempSync(join(tmpdir(), 'forge-policy-conf-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

function suite(label: string, makeStores?: () => Promise<Stores>): void {
  const env: ConformanceEnv = {
    runtime: 'node',
    platform: createNodePlatform(),
    fixture: (name) => { throw new Error(`policy cases use no fixtures (asked for ${name})`); },
    ...(makeStores ? { makeStores } : {}),
  };
  describe(`policy conformance: ${label}`, () => {
    for (const c of policyCases) {
      it(c.name, async (t) => {
        const why = c.skip?.(env);
        if (why !== undefined) return t.skip(why);
        await c.run(env);
      });
    }
  });
}

suite('no host stores (memory fallback)');
suite('SQLite quarantine store', async () => ({ ...memoryStores(), quarantine: fileQuarantineStore(join(scratch, `s${n++}`)) }));
