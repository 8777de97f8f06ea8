/**
 * Decision latency with a 1,000-rule policy graph (two layers: 700 platform rules, 300 tenant
 * rules — paths, env names, fds, conditions, subjects) beside a no-op gate timed the same way in
 * the same run. Each call is timed on its own, so median and p99 are per decision; the no-op
 * baseline carries the same timer overhead. Target: ≤ 500 ns median.
 */
import { DEFAULT_GROUP, type SyscallName } from '../../src/ports/syscalls.ts';
import type { SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { manualClock } from '../../src/ports/clock.ts';
import { compilePolicy, createTrustGate, decide, parsePolicy, type PolicyDocument, type Subject } from '../../src/trust/index.ts';
import { timeNs, type BenchRow } from './harness.ts';

type Rule = Record<string, unknown>;

/** 700 + 300 rules, shaped like a real multi-tenant graph. */
export function thousandRuleGraph(): PolicyDocument[] {
  const plat: Rule[] = [{ id: 'stdio', effect: 'allow', actions: ['stdio'] }, { id: 'clock', effect: 'allow', actions: ['clock', 'random'] }];
  for (let i = 0; plat.length < 700; i++) {
    const k = i % 7;
    if (k < 4) plat.push({ id: `p.dir${i}`, effect: 'allow', actions: ['path_open', 'path_filestat_get', 'fs.read'], resources: { paths: [`/data/t${i % 40}/d${i}/**`] } });
    else if (k === 4) plat.push({ id: `p.deny${i}`, effect: 'deny', actions: ['fs.read', 'path_open'], resources: { paths: [`/data/t${i % 40}/d${i - 1}/*.key`] } });
    else if (k === 5) plat.push({ id: `p.env${i}`, effect: 'allow', actions: ['environ_get'], resources: { env: [`VAR_${i}`, `PFX${i}_*`] } });
    else plat.push({ id: `p.fd${i}`, effect: 'allow', actions: ['fd_write', 'fd_read'], resources: { fds: [3 + i] }, conditions: { bytes: { max: 65536 } } });
  }
  const tenant: Rule[] = [];
  // Tenant rules narrow platform directories (i % 7 < 4 are the platform's `p.dir` rules).
  for (let i = 0; tenant.length < 300; i++) {
    if (i % 7 >= 4) continue;
    tenant.push(i % 3 === 0
      ? { id: `t.deny${i}`, effect: 'deny', actions: ['path_open'], subject: { tenant: `t${i % 40}` }, resources: { paths: [`/data/t${i % 40}/d${i}/secret/**`] } }
      : { id: `t.allow${i}`, effect: 'allow', actions: ['path_open', 'fs.read'], subject: { tenant: `t${i % 40}` }, resources: { paths: [`/data/t${i % 40}/d${i}/pub/**`, `/data/t${i % 40}/d${i}/*.txt`] } });
  }
  return [
    parsePolicy({ version: 1, id: 'platform', layer: 'platform', rules: plat }),
    parsePolicy({ version: 1, id: 'tenants', layer: 'tenant', rules: tenant, limits: [{ id: 'writes', actions: ['fd_write'], perSecond: 1e12 }] }),
  ];
}

const r = (syscall: SyscallName, more: Partial<SyscallRequest> = {}): SyscallRequest => ({ syscall, group: DEFAULT_GROUP[syscall], ...more });

/** A mix of hits, misses, denials and the calls a guest makes most (stdio, clocks). */
export function requestMix(): SyscallRequest[] {
  const out: SyscallRequest[] = [];
  for (let i = 0; i < 64; i++) {
    out.push(r('path_open', { path: `/data/t${i % 40}/d${i % 40 + 80}/file${i}.txt`, access: 'read' }));
    out.push(r('path_open', { path: `/data/t3/d${[3, 43, 122, 163][i % 4]}/pub/a/b${i}`, access: 'read' }));
    out.push(r('path_open', { path: `/data/t${i % 40}/d${(i % 40) + 40}/x.key`, access: 'read' }));
    out.push(r('path_open', { path: `/etc/app/${i}.conf`, access: 'read' }));
    out.push(r('fd_write', { group: 'stdio', fd: 1, bytes: 64 }));
    out.push(r('clock_time_get'));
    out.push(r('environ_get', { env: i % 2 ? `VAR_${i * 7 + 5}` : `PFX${i * 7 + 5}_HOME` }));
    out.push(r('fd_write', { fd: 3 + 7 * i + 6, bytes: 512 }));
  }
  return out;
}

/** Per-call latencies (ns) of `fn` over the requests, `rounds` times, after a warm-up. */
function perCall(fn: (q: SyscallRequest) => unknown, reqs: readonly SyscallRequest[], rounds: number): { median: number; p99: number } {
  for (let i = 0; i < 20_000; i++) fn(reqs[i % reqs.length]!);
  const samples = new Float64Array(rounds * reqs.length);
  let k = 0;
  for (let round = 0; round < rounds; round++) {
    for (const q of reqs) {
      const t0 = performance.now();
      fn(q);
      samples[k++] = (performance.now() - t0) * 1e6;
    }
  }
  samples.sort();
  return { median: samples[Math.floor(samples.length / 2)]!, p99: samples[Math.floor(samples.length * 0.99)]! };
}

export default async function bench(): Promise<BenchRow[]> {
  const graph = thousandRuleGraph();
  const compiled = compilePolicy(graph);
  const subject: Subject = { signed: true, signer: 'k', tenant: 't3', packageName: 'app' };
  const reqs = requestMix();
  const gate = createTrustGate({ layers: graph, subject, identity: 't3/sha256:bench', clock: manualClock(), syncIntervalMs: 0 });
  const ALLOW = Object.freeze({ effect: 'allow' as const, rules: [] as string[], reason: 'no-op.' });
  const noop = { decide: (_q: SyscallRequest) => ALLOW };
  let sink = 0;
  const policyFn = (q: SyscallRequest) => { sink += decide(compiled, q, subject).rules.length; };
  const gateFn = (q: SyscallRequest) => { sink += gate.decide(q).rules.length; };
  const noopFn = (q: SyscallRequest) => { sink += noop.decide(q).rules.length; };

  const rounds = 400;
  const base = perCall(noopFn, reqs, rounds);
  const pol = perCall(policyFn, reqs, rounds);
  const gat = perCall(gateFn, reqs, rounds);
  const batched = timeNs(() => { for (const q of reqs) policyFn(q); }, 200) / reqs.length;
  const batchedNoop = timeNs(() => { for (const q of reqs) noopFn(q); }, 200) / reqs.length;
  const json = JSON.parse(JSON.stringify(graph)) as unknown[];
  const compileMs = timeNs(() => { compilePolicy(graph); }, 3, 3) / 1e6;
  const parseMs = timeNs(() => { for (const d of json) parsePolicy(d); }, 3, 3) / 1e6;
  if (sink < 0) throw new Error('unreachable');
  return [
    { name: 'policy decide, 1,000 rules, median per call', value: pol.median, unit: 'ns/call', baseline: { name: 'no-op gate, median per call (same timer)', value: base.median } },
    { name: 'policy decide, 1,000 rules, p99 per call', value: pol.p99, unit: 'ns/call', baseline: { name: 'no-op gate, p99 per call (same timer)', value: base.p99 } },
    { name: 'trust gate decide (policy + rate limit), median', value: gat.median, unit: 'ns/call', baseline: { name: 'no-op gate, median per call (same timer)', value: base.median } },
    { name: 'trust gate decide (policy + rate limit), p99', value: gat.p99, unit: 'ns/call', baseline: { name: 'no-op gate, p99 per call (same timer)', value: base.p99 } },
    { name: 'policy decide, 1,000 rules, mean over a batch', value: batched, unit: 'ns/call', baseline: { name: 'no-op gate, mean over a batch', value: batchedNoop } },
    { name: 'compilePolicy (validate + compile), 1,000 rules', value: compileMs, unit: 'ms', baseline: { name: 'parsePolicy (zod) of the same documents', value: parseMs } },
  ];
}

if (import.meta.main) {
  for (const row of await bench()) {
    process.stdout.write(`${row.name.padEnd(50)} ${row.value.toFixed(0).padStart(7)} ${row.unit} | ${row.baseline.name} ${row.baseline.value.toFixed(0)}\n`);
  }
}
