/** docs/config.md stays in step with the schema, the environment mapping, the boot steps and the self-tests. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BOOT_STEPS } from '../../src/boot-report.ts';
import { BOOT_ENV, CONFIG_ENV, resolveConfig } from '../../src/config/index.ts';
import { SELF_TEST_NAMES } from '../../src/diagnostics/self-tests.ts';

const DOC = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
const rows = DOC.split('\n').filter((l) => l.startsWith('| `'));
const row = (path: string) => rows.find((l) => l.startsWith(`| \`${path}\` |`));

/** Every field that has a default, with that default: leaves of the defaulted config. */
function leaves(v: unknown, prefix = ''): Array<[string, unknown]> {
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0 && !('builtin' in v)) {
    return Object.entries(v).flatMap(([k, x]) => leaves(x, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, v]];
}

/** Fields without a default (optional) still need a row. */
const OPTIONAL = ['stores.retention.maxRuns', 'stores.retention.maxAgeMs', 'api.tokens[].id', 'api.tokens[].sha256', 'api.tokens[].scopes', 'api.tokens[].tenant'];

describe('docs/config.md', () => {
  for (const [path, value] of leaves(resolveConfig({}))) {
    it(`documents ${path} with its default ${JSON.stringify(value)}`, () => {
      const line = row(path);
      assert.ok(line, `no table row for \`${path}\``);
      assert.ok(line.includes(`\`${JSON.stringify(value)}\``), `the row of ${path} does not show the default \`${JSON.stringify(value)}\`: ${line}`);
    });
  }

  it('documents every optional field', () => {
    for (const path of OPTIONAL) assert.ok(row(path), `no table row for \`${path}\``);
  });

  it('maps every FORGE_* variable on its field\'s row', () => {
    for (const b of CONFIG_ENV) {
      const line = row(b.path);
      assert.ok(line?.includes(`\`${b.name}\``), `the row of ${b.path} does not name ${b.name}`);
    }
  });

  it('names every boot variable, the secret variables, every boot step and every self-test', () => {
    for (const name of [...Object.values(BOOT_ENV), 'FORGE_API_TOKEN_<ID>', 'FORGE_KERNEL_KEY', ...BOOT_STEPS.map((s) => `\`${s}\``), ...SELF_TEST_NAMES]) {
      assert.ok(DOC.includes(name), `docs/config.md does not mention ${name}`);
    }
  });
});
