/**
 * `POST /v1/runs` — one run of one guest through the kernel's one run path (src/core/run.ts) —
 * and `GET /v1/runs`, the runs the trace store holds, newest first.
 */
import { z } from 'zod';
import { runGuest, type RunOutcome } from '../core/run.ts';
import { parsePackage } from '../packages/format.ts';
import { KernelError } from '../errors.ts';
import { requireScope, seesIdentity, tenantFor } from './auth.ts';
import { readJson } from './body.ts';
import type { Api, ApiDeps } from './context.ts';
import { badRequest } from './errors.ts';
import { defaultName, guestBytes } from './guest-bytes.ts';
import { runBodySchema, runPolicy } from './run-request.ts';
import { resultView, type ResultView } from './result-view.ts';
import { describeRun, type RunList, type RunListItem } from './run-view.ts';
import type { DnaSummary } from '../dna/verify/attestation.ts';

import { isWasmModule as isWasm } from '../lib/wasm-check.ts';

/** The manifest of a package the run already verified (for the evidence file). */
function manifestOf(bytes: Uint8Array): unknown {
  if (isWasm(bytes)) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(parsePackage(bytes).manifestBytes)) as unknown;
  } catch {
    return undefined;
  }
}

/** The answer of `POST /v1/runs`: a finished run (docs/http-api.md § Runs). */
export interface RunResponse extends ResultView {
  /** Null when the run was not traced. */
  readonly runId: string | null;
  readonly trust: RunOutcome['trust'];
  readonly provenance: 'signed' | 'unsigned';
  readonly package: RunOutcome['pkg'];
  readonly identity: string;
  readonly limits: RunOutcome['limits'];
  readonly policyDigest: string;
  /** The signed closing summary of the run's trace; null when the run was not traced. */
  readonly summary: DnaSummary | null;
}

/** The response body of a finished run (never throws). */
export function runResponse(run: RunOutcome): RunResponse {
  return {
    runId: run.trace?.runId ?? null,
    ...resultView(run.result, run.exitCode),
    trust: run.trust,
    provenance: run.subject.signed ? 'signed' : 'unsigned',
    package: run.pkg,
    identity: run.identity,
    limits: run.limits,
    policyDigest: run.policyDigest,
    summary: run.trace?.summary.summary ?? null,
  };
}

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Mounts `POST /runs` and `GET /runs`; handlers throw KernelError (see each route in docs/http-api.md), answered by the app's error mapping. */
export function registerRuns(api: Api, deps: ApiDeps): void {
  api.post('/runs', async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'runs:execute', 'run guests');
    const body = await readJson(c.req.raw, runBodySchema, deps.maxBodyBytes);
    const tenant = tenantFor(principal, body.tenant);
    const env = [...(body.env ?? new Map<string, string>())];
    const { policy, replacesPlatform, quarantines } = runPolicy(body.policy, deps.policies, tenant, env.map(([k]) => k));
    if (replacesPlatform) requireScope(principal, 'policies:write', 'replace the configured platform policy layer');
    if (quarantines) requireScope(principal, 'quarantine:admin', 'send a policy layer whose escalation quarantines an identity (it outlives the run)');
    const bytes = await guestBytes(body, deps);
    const run = await runGuest(deps.kernel, {
      bytes, trustRoots: deps.trustRoots, allowUnsigned: body.allowUnsigned === true, policy, tenant,
      name: body.name ?? defaultName(body), args: body.args ?? [], env,
      ...(body.stdin && { stdin: body.stdin }), ...(body.limits && { limits: body.limits }), keepOutput: true,
    });
    if (run.trace) {
      deps.artifacts.put(run.trace.runId, {
        manifest: manifestOf(bytes), policy: { policyDigest: run.policyDigest, layers: policy },
        ...(run.result.memory && { memory: run.result.memory }),
      });
    }
    return c.json(runResponse(run));
  });

  api.get('/runs', async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'traces:read', 'read runs');
    const q = listQuery.safeParse(c.req.query());
    if (!q.success) throw badRequest(q.error, 'query');
    const traces = deps.kernel.platform.stores.traces;
    const infos = (await traces.list()).reverse();
    const runs: RunListItem[] = [];
    let skipped = 0;
    for (const info of infos) {
      if (runs.length >= q.data.limit) break;
      let lines: string[];
      try {
        lines = await traces.read(info.runId);
      } catch (e) {
        // removed by retention between list and read
        if (e instanceof KernelError && e.code === 'NOT_FOUND') continue;
        throw e;
      }
      const item = describeRun(info, lines);
      if (principal.tenant !== undefined && (item.identity === undefined || !seesIdentity(principal, item.identity))) continue;
      if (skipped++ < q.data.offset) continue;
      runs.push(item);
    }
    return c.json({ runs, total: principal.tenant === undefined ? infos.length : null } satisfies RunList);
  });
}
