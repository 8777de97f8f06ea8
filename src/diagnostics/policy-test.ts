import type { SyscallRequest } from '../ports/gate-hooks.ts';
import { builtinPolicy } from '../trust/builtin.ts';
import { compilePolicy } from '../trust/compile.ts';
import { decide } from '../trust/decide.ts';
import { parsePolicy } from '../trust/parse.ts';
import type { PolicyDocumentInput, Subject } from '../trust/schema.ts';
import { defineSelfTest, expectEqual } from './self-test.ts';

/**
 * A decision table for a fixed two-layer graph and for the built-in baseline: each row is a
 * request and the effect and rule ids the policy graph must answer. It covers allow by rule,
 * deny beating allow, default deny in either layer, a tenant narrowing its platform, and a layer
 * passing through what it does not mention.
 */
const PLATFORM: PolicyDocumentInput = {
  version: 1, id: 'selftest-platform', layer: 'platform', unlisted: 'deny',
  rules: [
    { id: 'p.stdio', effect: 'allow', actions: ['stdio'] },
    { id: 'p.read-data', effect: 'allow', actions: ['fs.read'], resources: { paths: ['/data/**'] } },
    { id: 'p.no-secrets', effect: 'deny', actions: ['fs.read'], resources: { paths: ['/data/secrets/**'] } },
    { id: 'p.clock', effect: 'allow', actions: ['clock'] },
  ],
};

const TENANT: PolicyDocumentInput = {
  version: 1, id: 'selftest-tenant', layer: 'tenant', unlisted: 'inherit',
  rules: [{ id: 't.read-public', effect: 'allow', actions: ['fs.read'], resources: { paths: ['/data/public/**'] } }],
};

interface Row {
  readonly graph: 'layered' | 'baseline';
  readonly request: SyscallRequest;
  readonly effect: 'allow' | 'deny';
  readonly rules: readonly string[];
}

const ROWS: readonly Row[] = [
  { graph: 'layered', request: { syscall: 'fd_write', group: 'stdio', fd: 1, bytes: 3 }, effect: 'allow', rules: ['p.stdio'] },
  { graph: 'layered', request: { syscall: 'path_open', group: 'fs.read', path: '/data/public/a.txt', access: 'read' }, effect: 'allow', rules: ['p.read-data', 't.read-public'] },
  { graph: 'layered', request: { syscall: 'path_open', group: 'fs.read', path: '/data/secrets/key', access: 'read' }, effect: 'deny', rules: ['p.no-secrets'] },
  { graph: 'layered', request: { syscall: 'path_open', group: 'fs.read', path: '/data/other.txt', access: 'read' }, effect: 'deny', rules: [] },
  { graph: 'layered', request: { syscall: 'clock_time_get', group: 'clock' }, effect: 'allow', rules: ['p.clock'] },
  { graph: 'layered', request: { syscall: 'random_get', group: 'random', bytes: 16 }, effect: 'deny', rules: [] },
  { graph: 'baseline', request: { syscall: 'random_get', group: 'random', bytes: 16 }, effect: 'allow', rules: ['baseline.random'] },
  { graph: 'baseline', request: { syscall: 'path_open', group: 'fs.read', path: '/etc/passwd', access: 'read' }, effect: 'deny', rules: [] },
];

const SUBJECT: Subject = { signed: true, packageName: 'selftest', tenant: 'selftest' };

export const policySelfTest = defineSelfTest({
  name: 'policy-decision-table',
  vectors: ROWS,
  corrupt: ([first, ...rest]): readonly Row[] => [{ ...first!, effect: first!.effect === 'allow' ? 'deny' : 'allow' }, ...rest],
  async run(_ctx, rows) {
    const graphs = {
      layered: compilePolicy([parsePolicy(PLATFORM), parsePolicy(TENANT)]),
      baseline: compilePolicy([builtinPolicy('baseline')]),
    };
    rows.forEach((row, i) => {
      const d = decide(graphs[row.graph], row.request, SUBJECT);
      const what = `row ${i} (${row.request.syscall}${row.request.path ? ` ${row.request.path}` : ''}, ${row.graph})`;
      expectEqual(d.effect, row.effect, `${what} effect`);
      expectEqual(d.rules.join(','), row.rules.join(','), `${what} deciding rules`);
    });
    return undefined;
  },
});
