/** `GET /v1/quarantine` — the quarantine store's records: every identity ever recorded, its current state. */
import { requireScope, seesIdentity } from './auth.ts';
import type { Api, ApiDeps } from './context.ts';
import type { QuarantineRecord } from '../ports/quarantine-store.ts';

/** The answer of `GET /v1/quarantine`: newest change first; only identities quarantined now unless `?all=1`. */
export interface QuarantineList {
  readonly records: readonly QuarantineRecord[];
}

/** Mounts `GET /quarantine`; throws KernelError FORBIDDEN without `quarantine:read`, STORE_UNAVAILABLE. */
export function registerQuarantine(api: Api, deps: ApiDeps): void {
  api.get('/quarantine', async (c) => {
    const principal = c.get('principal');
    requireScope(principal, 'quarantine:read', 'read quarantine records');
    const all = c.req.query('all') === '1' || c.req.query('all') === 'true';
    const records = (await deps.kernel.platform.stores.quarantine.list())
      .filter((r) => (all || r.quarantined) && seesIdentity(principal, r.identity))
      .sort((a, b) => b.at - a.at);
    return c.json({ records } satisfies QuarantineList);
  });
}
