import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPurity } from './purity.ts';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const impure = fileURLToPath(new URL('./fixtures/impure/', import.meta.url));

test('src/ uses web standards only', () => {
  const v = checkPurity(src);
  assert.deepEqual(v, [], v.map((x) => `${x.file}:${x.line} ${x.rule}: ${x.text}`).join('\n'));
});

test('the purity check fails on a fixture that breaks every rule', () => {
  const rules = new Set(checkPurity(impure).map((v) => v.rule));
  assert.deepEqual([...rules].sort(), [
    'imports a Node builtin by bare name', 'imports node:*', 'imports platform/', 'touches Deno',
    'touches caches', 'touches indexedDB', 'touches process',
  ]);
});

test('a comment naming a forbidden thing is not a violation; the same words in code are', () => {
  const dir = mkdtempSync(join(tmpdir(), 'purity-'));
  try {
    writeFileSync(join(dir, 'commented.ts'), "// never read process.env here\n/* nor indexedDB */\nexport const x = 1;\n");
    assert.deepEqual(checkPurity(dir), []);
    writeFileSync(join(dir, 'code.ts'), 'export const y = process.env;\n');
    assert.deepEqual(checkPurity(dir).map((v) => `${v.file}:${v.line}`), ['code.ts:1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
