/**
 * `POST /v1/runs/:id/replay` — forensic replay of a stored run through the core's one replay path
 * (src/core/replay.ts). The trace comes from the trace store and must verify under this kernel's
 * own key (pinned). The guest is named in the body exactly as `POST /v1/runs` names one: a trace
 * keeps only the package's digest and the app keeps no module, so the caller sends the module or
 * package again (or the digest of a stored one) — and it must be the one the trace recorded.
 */
import { z } from 'zod';
import { replayGuest, type ReplayOutcome } from '../core/replay.ts';
import { requireScope } from './auth.ts';
import { readJson } from './body.ts';
import type { Api, ApiDeps } from './context.ts';
import { defaultName, guestBytes, type GuestBody } from './guest-bytes.ts';
import { resultView } from './result-view.ts';
import { exactlyOneGuest, guestFields, invocationFields } from './run-request.ts';
import { traceOf } from './traces.ts';

/** The guest and what the trace does not hold (argv, variable values); decisions, limits, stdin and every nondeterministic result come from the trace. */
export const replayBodySchema = z.strictObject({ ...guestFields, ...invocationFields }).superRefine(exactlyOneGuest);

const sourceOf = (b: GuestBody) => (b.module ? 'request body field "module"' : b.package ? 'request body field "package"' : `the stored package ${b.packageDigest}`);

/** The response body of a finished replay (never throws). */
export function replayResponse(o: ReplayOutcome): Record<string, unknown> {
  return {
    runId: o.runId,
    verdict: o.verdict,
    calls: o.calls,
    message: o.message,
    divergence: o.divergence ?? null,
    trace: { status: o.trace.status, keyPinned: o.trace.keyPinned, message: o.trace.message },
    recorded: o.recorded ?? null,
    replayed: resultView(o.result, o.exitCode),
    package: o.pkg,
    limits: o.limits,
  };
}

/** Mounts `POST /runs/:id/replay`; the handler throws KernelError FORBIDDEN, BAD_REQUEST, NOT_FOUND, TRACE_*, PKG_*, WASM_* (docs/http-api.md § Replay). */
export function registerReplay(api: Api, deps: ApiDeps): void {
  api.post('/runs/:id/replay', async (c) => {
    // It runs the guest again and reads the run's trace: it takes both scopes.
    requireScope(c.get('principal'), 'runs:execute', 'replay runs');
    const { text } = await traceOf(c, deps);
    const body = await readJson(c.req.raw, replayBodySchema, deps.maxBodyBytes);
    const bytes = await guestBytes(body, deps);
    const outcome = await replayGuest(deps.kernel, {
      trace: text, publicKey: deps.publicKey, bytes, trustRoots: deps.trustRoots, allowUnsigned: body.allowUnsigned === true,
      source: sourceOf(body), name: body.name ?? defaultName(body), args: body.args ?? [], env: [...(body.env ?? new Map<string, string>())], keepOutput: true,
    });
    return c.json(replayResponse(outcome));
  });
}
