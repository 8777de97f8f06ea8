/**
 * One stored run's Execution DNA: the trace as JSON lines, its verification under the kernel's
 * own key (pinned), the factual account of the run, and the evidence file (docs/dna.md).
 */
import type { Context } from 'hono';
import { KernelError, type ErrorCode } from '../errors.ts';
import { explainTrace, exportEvidence, verifyTrace, type TraceReport } from '../dna/index.ts';
import { requireScope, seesIdentity } from './auth.ts';
import type { Api, ApiDeps, ApiEnv } from './context.ts';
import { identityOfTrace, runIdOfTrace } from './run-view.ts';

const RUN_ID = /^[A-Za-z0-9._-]{1,128}$/;
const FAILED: Record<Exclude<TraceReport['status'], 'ok'>, ErrorCode> = { tampered: 'TRACE_TAMPERED', truncated: 'TRACE_INCOMPLETE', invalid: 'TRACE_INVALID' };

/**
 * The lines of the run named in the path, if the caller may read it. A tenant-bound token gets
 * NOT_FOUND for another tenant's run, as for one that does not exist.
 * @throws KernelError FORBIDDEN (scope), BAD_REQUEST (run id), NOT_FOUND
 */
export async function traceOf(c: Context<ApiEnv>, deps: ApiDeps): Promise<{ runId: string; text: string; lines: string[] }> {
  const principal = c.get('principal');
  requireScope(principal, 'traces:read', 'read traces');
  const runId = c.req.param('id') ?? '';
  if (!RUN_ID.test(runId)) throw new KernelError('BAD_REQUEST', `"${runId.slice(0, 140)}" is not a run id`, { field: 'id' });
  const lines = await deps.kernel.platform.stores.traces.read(runId);
  if (principal.tenant !== undefined) {
    const identity = identityOfTrace(lines);
    if (identity === undefined || !seesIdentity(principal, identity)) throw new KernelError('NOT_FOUND', `no trace stored for run ${runId}`, { runId });
  }
  // The chain and signatures prove a trace is one the kernel wrote; this proves it is this run's —
  // a whole trace moved under another run id would verify otherwise.
  const named = runIdOfTrace(lines);
  if (named !== undefined && named !== runId) {
    throw new KernelError('TRACE_TAMPERED', `the trace stored as run ${runId} is run ${named}'s (its genesis names it): it was moved`, { runId, genesisRunId: named });
  }
  return { runId, lines, text: lines.length ? `${lines.join('\n')}\n` : '' };
}

const wantsJson = (c: Context) => c.req.query('format') === 'json' || (c.req.query('format') === undefined && /application\/json/.test(c.req.header('accept') ?? ''));

/** Mounts `GET /runs/:id/{trace,verify,explain,evidence}`; handlers throw KernelError FORBIDDEN, BAD_REQUEST, NOT_FOUND, TRACE_*. */
export function registerTraces(api: Api, deps: ApiDeps): void {
  const verify = (text: string) => verifyTrace(text, { publicKey: deps.publicKey, crypto: deps.kernel.crypto });

  api.get('/runs/:id/trace', async (c) => {
    const { text } = await traceOf(c, deps);
    return c.body(text, 200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  });

  api.get('/runs/:id/verify', async (c) => {
    const { runId, text } = await traceOf(c, deps);
    const report = await verify(text);
    if (report.ok) return c.json(report);
    const bad = report.firstBad;
    const where = bad ? (bad.entry !== undefined ? `entry ${bad.entry} (line ${bad.line})` : `line ${bad.line}`) : 'the trace';
    throw new KernelError(FAILED[report.status as Exclude<TraceReport['status'], 'ok'>], `run ${runId}, ${where}: ${report.message}`, { runId, report });
  });

  api.get('/runs/:id/explain', async (c) => {
    const { text } = await traceOf(c, deps);
    const explained = explainTrace(text, { report: await verify(text) });
    return wantsJson(c) ? c.json(explained.json) : c.text(explained.text);
  });

  api.get('/runs/:id/evidence', async (c) => {
    const { runId, text } = await traceOf(c, deps);
    const a = deps.artifacts.get(runId);
    const file = exportEvidence({
      trace: text,
      ...(a?.manifest !== undefined && { manifest: a.manifest }),
      ...(a && { policy: a.policy }),
      ...(a?.memory && { memorySnapshot: a.memory }),
    });
    return c.body(file as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'application/x-tar',
      'content-disposition': `attachment; filename="forge-evidence-${runId}.tar"`,
    });
  });
}
