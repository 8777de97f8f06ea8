/**
 * `POST /v1/runs` — one run of one guest through the kernel's one run path (src/core/run.ts) —
 * and `GET /v1/runs`, the runs the trace store holds, newest first.
 */
import { z } from 'zod';
import { runGuest, type RunOutcome } from '../core/run.ts';
import { parsePackage } from '../crypto/format.ts';
import { toBase64 } from '../crypto/encoding.ts';
import { KernelError } from '../errors.ts';
import { requireScope, seesIdentity, tenantFor } from './auth.ts';
import { readJson } from './body.ts';
import type { Api, ApiDeps } from './context.ts';
import { badRequest } from './errors.ts';
import { runBodySchema, runPolicy, type RunBody } from './run-request.ts';
import { describeRun, type RunListItem } from './run-view.ts';

import { isWasmModule as isWasm } from '../crypto/wasm-check.ts';

/** The guest bytes a run body names. @throws KernelError BAD_REQUEST, PKG_UNSIGNED, NOT_FOUND */
async function guestBytes(body: RunBody, deps: ApiDeps): Promise<Uint8Array> {
  if (body.module) {
    if (!isWasm(body.module)) throw new KernelError('BAD_REQUEST', 'request body field "module" is not a WebAssembly module (no \\0asm header); send a .forgepkg as "package"', { field: 'module' });
    if (body.allowUnsigned !== true) {
      throw new KernelError('PKG_UNSIGNED', 'request body field "module" is a bare WebAssembly module with no signature: set "allowUnsigned": true to run it anyway (its provenance is recorded as unsigned), or send a signed .forgepkg as "package"', { field: 'allowUnsigned' });
    }
    return body.module;
  }
  if (body.package) {
    if (isWasm(body.package)) throw new KernelError('BAD_REQUEST', 'request body field "package" holds a bare WebAssembly module; send it as "module" with "allowUnsigned": true', { field: 'package' });
    return body.package;
  }
  const stored = await deps.kernel.platform.stores.packages.get(body.packageDigest!);
  if (!stored) throw new KernelError('NOT_FOUND', `no stored package has digest ${body.packageDigest}; upload it with POST /v1/packages`, { packageDigest: body.packageDigest });
  return stored;
}

/** The manifest of a package the run already verified (for the evidence file). */
function manifestOf(bytes: Uint8Array): unknown {
  if (isWasm(bytes)) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(parsePackage(bytes).manifestBytes)) as unknown;
  } catch {
    return undefined;
  }
}

/** The response body of a finished run (never throws). */
export function runResponse(run: RunOutcome): Record<string, unknown> {
  const r = run.result;
  return {
    runId: run.trace?.runId ?? null,
    status: r.status,
    exitCode: run.exitCode,
    ...(r.status === 'exited' && { guestExitCode: r.exitCode }),
    reason: r.reason,
    ...(r.error && { error: { code: r.error.code, message: r.error.message } }),
    fuelUsed: r.fuelUsed.toString(),
    peakMemoryBytes: r.peakMemoryBytes,
    durationMs: Math.round(r.durationMs * 1000) / 1000,
    stdout: toBase64(r.stdout),
    stderr: toBase64(r.stderr),
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
    const env = Object.entries(body.env ?? {});
    const { policy, replacesPlatform } = runPolicy(body.policy, deps.policies, tenant, env.map(([k]) => k));
    if (replacesPlatform) requireScope(principal, 'policies:write', 'replace the configured platform policy layer');
    const bytes = await guestBytes(body, deps);
    const run = await runGuest(deps.kernel, {
      bytes, trustRoots: deps.trustRoots, allowUnsigned: body.allowUnsigned === true, policy, tenant,
      name: body.name ?? (body.module ? 'main.wasm' : 'main'), args: body.args ?? [], env,
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
    return c.json({ runs, total: principal.tenant === undefined ? infos.length : null });
  });
}
