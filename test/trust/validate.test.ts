/** Parsing (field-precise POLICY_INVALID) and the graph validator, one row per issue kind. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isKernelError } from '../../src/errors.ts';
import {
  builtinPolicy, compilePolicy, parsePolicy, parsePolicyText, policyJsonSchema, validatePolicyGraph, type PolicyDocument, type ValidationIssue,
} from '../../src/trust/index.ts';
import { allow, deny, layer } from './helpers.ts';

function rejects(json: unknown, path: string, message: RegExp): void {
  assert.throws(() => parsePolicy(json), (e) => {
    assert.ok(isKernelError(e, 'POLICY_INVALID'), String(e));
    assert.equal(e.details['path'], path);
    assert.match(e.message, new RegExp(`policy field ${path.replace(/[[\].]/g, '\\$&')}: `));
    assert.match(e.message, message);
    return true;
  });
}

const base = { version: 1, id: 'p', layer: 'platform' };

describe('parsePolicy names the bad field', () => {
  const rows: Array<[string, unknown, string, RegExp]> = [
    ['a wrong effect', { ...base, rules: [{ id: 'a', effect: 'permit', actions: ['fd_write'] }] }, 'rules[0].effect', /"allow"\|"deny", got "permit"/],
    ['an unknown field (a typo)', { ...base, rules: [{ id: 'a', effect: 'allow', action: ['fd_write'] }] }, 'rules[0]', /unknown field "action"/],
    ['a relative path glob', { ...base, rules: [{ id: 'a', effect: 'allow', actions: ['path_open'], resources: { paths: ['data/*'] } }] }, 'rules[0].resources.paths[0]', /absolute guest paths/],
    ['"**" inside a segment', { ...base, rules: [{ id: 'a', effect: 'allow', actions: ['path_open'], resources: { paths: ['/data/a**'] } }] }, 'rules[0].resources.paths[0]', /whole path segment/],
    ['an empty action list', { ...base, rules: [{ id: 'a', effect: 'allow', actions: [] }] }, 'rules[0].actions', /too small|>=1/i],
    ['a negative fd', { ...base, rules: [{ id: 'a', effect: 'allow', actions: ['fd_read'], resources: { fds: [-1] } }] }, 'rules[0].resources.fds[0]', /.+/],
    ['an unknown layer level', { ...base, layer: 'galaxy' }, 'layer', /platform/],
    ['a wrong version', { ...base, version: 2 }, 'version', /1/],
    ['a limit without rate or quota', { ...base, limits: [{ id: 'l', actions: ['fd_write'] }] }, 'limits[0]', /perSecond.*total/],
    ['burst without a rate', { ...base, limits: [{ id: 'l', total: 5, burst: 3 }] }, 'limits[0]', /burst/],
    ['an escalation with both apply and action', { ...base, escalation: [{ below: 50, apply: 'strict', action: 'quarantine' }] }, 'escalation[0]', /exactly one/],
    ['an unknown escalation tier', { ...base, escalation: [{ below: 50, apply: 'lenient' }] }, 'escalation[0].apply', /strict/],
    ['a threshold above 100', { ...base, escalation: [{ below: 150, action: 'quarantine' }] }, 'escalation[0].below', /100/],
    ['a bad rule id', { ...base, rules: [{ id: 'has space', effect: 'allow', actions: ['fd_write'] }] }, 'rules[0].id', /ids are/],
  ];
  for (const [name, json, path, message] of rows) it(name, () => rejects(json, path, message));

  it('text that is not JSON', () => {
    assert.throws(() => parsePolicyText('{nope', 'p.json'), (e) => isKernelError(e, 'POLICY_INVALID') && /p\.json is not JSON/.test(e.message));
  });

  it('defaults: enforce, inherit, empty lists', () => {
    const d = parsePolicy(base);
    assert.equal(d.mode, 'enforce');
    assert.equal(d.unlisted, 'inherit');
    assert.deepEqual([d.rules, d.limits, d.escalation], [[], [], []]);
  });

  it('the JSON Schema is derived from the same schema', () => {
    const s = policyJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    assert.ok(s.properties['rules'] && s.properties['escalation']);
    assert.deepEqual([...s.required].sort(), ['id', 'layer', 'version']);
  });
});

function only(issues: ValidationIssue[], code: ValidationIssue['code']): ValidationIssue {
  const hits = issues.filter((i) => i.code === code);
  assert.equal(hits.length, 1, `one ${code} issue expected, got ${JSON.stringify(issues, null, 1)}`);
  return hits[0]!;
}

describe('validatePolicyGraph', () => {
  const P = (rules: Parameters<typeof layer>[2], extra = {}) => layer('platform', 'plat', rules, extra);
  const rows: Array<{ name: string; graph: PolicyDocument[]; code: ValidationIssue['code']; severity: 'error' | 'warning'; path: string; message: RegExp }> = [
    { name: 'an unknown syscall, with a suggestion', graph: [P([allow('a', ['fd_wrte'])])], code: 'unknown-action', severity: 'error', path: 'layers[0].rules[0].actions[0]', message: /unknown action "fd_wrte" — did you mean "fd_write"\?/ },
    { name: 'an unknown group', graph: [P([allow('a', ['fs.exec'])])], code: 'unknown-action', severity: 'error', path: 'layers[0].rules[0].actions[0]', message: /unknown action "fs.exec"/ },
    { name: 'an unknown action in a limit', graph: [P([], { limits: [{ id: 'l', actions: ['fd_writes'], total: 3 }] })], code: 'unknown-action', severity: 'error', path: 'layers[0].limits[0].actions[0]', message: /did you mean "fd_write"/ },
    { name: 'a glob with ".."', graph: [P([allow('a', ['path_open'], { resources: { paths: ['/data/../etc'] } })])], code: 'never-matches', severity: 'error', path: 'layers[0].rules[0].resources.paths[0]', message: /can never match: it has a "\.\." segment/ },
    { name: 'a glob with a trailing slash', graph: [P([allow('a', ['path_open'], { resources: { paths: ['/data/'] } })])], code: 'never-matches', severity: 'error', path: 'layers[0].rules[0].resources.paths[0]', message: /empty segment/ },
    { name: 'an env glob with "="', graph: [P([allow('a', ['environ_get'], { resources: { env: ['A=B'] } })])], code: 'never-matches', severity: 'error', path: 'layers[0].rules[0].resources.env[0]', message: /"="/ },
    { name: 'paths on actions that never carry a path', graph: [P([allow('a', ['clock'], { resources: { paths: ['/x'] } })])], code: 'never-matches', severity: 'error', path: 'layers[0].rules[0].resources.paths', message: /none of its actions \(clock\) carries a path/ },
    { name: 'paths on some actions that carry none', graph: [P([allow('a', ['path_open', 'random'], { resources: { paths: ['/x'] } })])], code: 'never-matches', severity: 'warning', path: 'layers[0].rules[0].resources.paths', message: /can never match random/ },
    { name: 'an access condition off path_open', graph: [P([allow('a', ['fd_write'], { conditions: { access: ['read'] } })])], code: 'never-matches', severity: 'error', path: 'layers[0].rules[0].conditions.access', message: /access mode/ },
    { name: 'bytes min above max', graph: [P([allow('a', ['fd_write'], { conditions: { bytes: { min: 10, max: 5 } } })])], code: 'never-matches', severity: 'error', path: 'layers[0].rules[0].conditions.bytes', message: /min 10 is above max 5/ },
    { name: 'an allow shadowed by a deny', graph: [P([allow('a', ['path_open'], { resources: { paths: ['/data/x/**'] } }), deny('d', ['fs.read', 'path_open'], { resources: { paths: ['/data/**'] } })])], code: 'shadowed', severity: 'warning', path: 'layers[0].rules[0]', message: /"a" of layer "plat" is shadowed by deny rule "d"/ },
    { name: 'an allow shadowed by a deny in a lower layer', graph: [P([allow('a', ['random'])]), layer('tenant', 't', [deny('d', ['*'])])], code: 'shadowed', severity: 'warning', path: 'layers[0].rules[0]', message: /deny rule "d" of layer "t"/ },
    { name: 'an allow made redundant by a wider allow', graph: [P([allow('wide', ['path_open'], { resources: { paths: ['/data/**'] } }), allow('narrow', ['path_open'], { resources: { paths: ['/data/*.txt'] } })])], code: 'redundant', severity: 'warning', path: 'layers[0].rules[1]', message: /"narrow" .* shadowed by allow rule "wide"/ },
    { name: 'a lower layer widening its parent (path)', graph: [P([allow('data', ['path_open'], { resources: { paths: ['/data/**'] } })]), layer('tenant', 't', [allow('etc', ['path_open'], { resources: { paths: ['/etc/**'] } })])], code: 'widens-parent', severity: 'error', path: 'layers[1].rules[0]', message: /allows path_open on \/etc\/\*\*, which layer "plat" above it does not allow/ },
    { name: 'a lower layer widening its parent (action)', graph: [P([allow('c', ['clock'])]), layer('run', 'r', [allow('net', ['net'])])], code: 'widens-parent', severity: 'error', path: 'layers[1].rules[0]', message: /allows net/ },
    { name: 'a lower layer dropping a condition of its parent', graph: [P([allow('w', ['fd_write'], { conditions: { bytes: { max: 10 } } })]), layer('run', 'r', [allow('w2', ['fd_write'])])], code: 'widens-parent', severity: 'error', path: 'layers[1].rules[0]', message: /allows fd_write/ },
    { name: 'layers out of order', graph: [layer('tenant', 't', []), P([])], code: 'layer-order', severity: 'error', path: 'layers[1].layer', message: /platform → tenant/ },
    { name: 'a rule id used twice', graph: [P([allow('a', ['random'])]), layer('tenant', 't', [allow('a', ['random_get'])])], code: 'duplicate-id', severity: 'error', path: 'layers[1].rules[0].id', message: /already used/ },
    { name: 'an allow of every syscall', graph: [P([allow('all', ['*'])])], code: 'broad-grant', severity: 'warning', path: 'layers[0].rules[0].actions', message: /every syscall/ },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const issue = only(validatePolicyGraph(r.graph), r.code);
      assert.equal(issue.severity, r.severity);
      assert.equal(issue.path, r.path);
      assert.match(issue.message, r.message);
      if (r.severity === 'error') {
        assert.throws(() => compilePolicy(r.graph), (e) => isKernelError(e, 'POLICY_INVALID') && e.details['path'] === r.path);
      } else {
        assert.ok(compilePolicy(r.graph).warnings.includes(issue) || compilePolicy(r.graph).warnings.some((w) => w.code === r.code), 'warnings are kept');
      }
    });
  }

  it('narrowing layers are accepted without issues', () => {
    const g = [
      P([allow('data', ['path_open', 'path_filestat_get'], { resources: { paths: ['/data/**'] } }), allow('w', ['fd_write'], { conditions: { bytes: { max: 100 } } })]),
      layer('tenant', 't', [allow('pub', ['path_open'], { resources: { paths: ['/data/pub/**', '/data/*.txt'] }, subject: { tenant: 't' } }),
        allow('w-small', ['fd_write'], { conditions: { bytes: { max: 10 } } })]),
      layer('run', 'r', [allow('one', ['path_open'], { resources: { paths: ['/data/pub/a/?.json'] } })]),
    ];
    assert.deepEqual(validatePolicyGraph(g), []);
  });

  it('the built-in policies validate cleanly, alone and with grants', () => {
    for (const n of ['baseline', 'permissive', 'strict'] as const) {
      assert.deepEqual(validatePolicyGraph([builtinPolicy(n)]), [], n);
      assert.deepEqual(validatePolicyGraph([builtinPolicy(n, { dirs: [{ guest: '/data', readonly: true }, { guest: '/out', readonly: false }], env: ['HOME', 'LC_*'] })]), [], n);
    }
  });

  it('the examples in docs/policy.md parse and validate', () => {
    const md = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');
    const blocks = [...md.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
    const layerDoc = parsePolicy(blocks[0]);
    const platform = builtinPolicy('permissive', { dirs: [{ guest: '/data', readonly: true }] });
    assert.deepEqual(validatePolicyGraph([platform, layerDoc]).filter((i) => i.severity === 'error'), []);
    const rule = blocks.find((b) => b['id'] === 'r1')!;
    assert.deepEqual(validatePolicyGraph([parsePolicy({ version: 1, id: 'p', layer: 'platform', rules: [rule] })]), []);
    const limit = blocks.find((b) => b['id'] === 'writes')!;
    assert.equal(parsePolicy({ version: 1, id: 'p', layer: 'platform', limits: [limit] }).limits[0]?.burst, 2000);
  });

  it('builtinPolicy refuses a granted dir that is not a normalized guest path', () => {
    assert.throws(() => builtinPolicy('permissive', { dirs: [{ guest: 'data/', readonly: true }] }), (e) => isKernelError(e, 'POLICY_INVALID'));
  });
});
