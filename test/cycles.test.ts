import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCycles } from './cycles.ts';

/** Runs `fn` on a fresh directory holding `files` (name → text), then removes it. */
async function withTree(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cycles-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a cycle of type-only imports with explicit .ts extensions is a cycle', () => withTree({
  'a.ts': "import type { B } from './b.ts';\nexport interface A { b?: B }\n",
  'b.ts': "import type { A } from './a.ts';\nexport interface B { a?: A }\n",
}, async (dir) => {
  const r = await findCycles(dir, ['*.ts']);
  assert.deepEqual(r.cycles.map((c) => [...c].sort()), [['a.ts', 'b.ts']]);
  assert.deepEqual(r.unresolved, []);
}));

test('re-exports and dynamic imports close cycles too', () => withTree({
  'c.ts': "export * from './d.ts';\n",
  'd.ts': "export const load = () => import('./e.ts');\n",
  'e.ts': "export { load } from './c.ts';\n",
}, async (dir) => {
  const r = await findCycles(dir, ['*.ts']);
  assert.deepEqual(r.cycles.map((c) => [...c].sort()), [['c.ts', 'd.ts', 'e.ts']]);
}));

test('an acyclic graph passes; a relative import that does not resolve is reported', () => withTree({
  'f.ts': "import { g } from './g.ts';\nimport type { H } from './h.ts';\nexport const f = (h: H) => g(h);\n",
  'g.ts': "export const g = (x: unknown) => x;\n",
}, async (dir) => {
  const r = await findCycles(dir, ['*.ts']);
  assert.deepEqual(r.cycles, []);
  assert.equal(r.files, 2);
  assert.deepEqual(r.unresolved, ['f.ts → ./h.ts']);
}));
