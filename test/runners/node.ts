/** Runs the conformance suite in Node, on the Node platform adapter. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodePlatform } from '../../platform/node/index.ts';
import type { Stores } from '../../src/ports/index.ts';
import { runCases } from '../conformance/harness.ts';
import { SUITE } from '../conformance/suite.ts';
import { buildFixtures, readFixtures } from '../fixtures/build.ts';
import type { RuntimeReport } from './report.ts';

export async function runNodeConformance(): Promise<RuntimeReport> {
  await buildFixtures();
  const fixtures = readFixtures();
  const scratch = mkdtempSync(join(tmpdir(), 'forge-conf-'));
  const opened: Array<{ close(): void }> = [];
  let makeStores: (() => Promise<Stores>) | undefined;
  const sqlitePath = new URL('../../platform/node/sqlite-store.ts', import.meta.url);
  if (existsSync(sqlitePath)) {
    const { createSqliteStores } = (await import(sqlitePath.href)) as {
      createSqliteStores(dir: string): Stores & { close(): void };
    };
    let n = 0;
    makeStores = async () => {
      const s = createSqliteStores(join(scratch, `stores-${n++}`));
      opened.push(s);
      return s;
    };
  }
  try {
    const results = await runCases(SUITE, {
      runtime: 'node',
      platform: createNodePlatform(),
      fixture(name) {
        const b = fixtures.get(name);
        if (!b) throw new Error(`no fixture named ${name}: add test/fixtures/wat/${name}.wat or test/fixtures/c/${name}.c`);
        return b;
      },
      ...(makeStores ? { makeStores } : {}),
    });
    return { runtime: 'node', results };
  } finally {
    for (const s of opened) s.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
