/**
 * ForgeState: the SQLite-backed Durable Object behind the Cloudflare stores
 * (platform/cloudflare/stores.ts). Each instance plays the role its name gives it — `run:<id>`
 * (one trace), `catalog` (the index of runs) or `quarantine` (the global authority on quarantine
 * state). A Durable Object runs one request at a time against its own SQLite database, so an
 * append's gap/overlap check and its insert are one atomic step with no race.
 *
 * Bound in wrangler.toml as FORGE_STATE with `new_sqlite_classes = ["ForgeState"]`.
 */
import { DurableObject } from 'cloudflare:workers';
import type { DurableObjectState } from '@cloudflare/workers-types';
import { doSqlExecutor, DO_MIGRATIONS, runCatalog } from '../platform/cloudflare/do-sql.ts';
import { stateResult, type CatalogRow, type ForgeStateRpc, type StateResult } from '../platform/cloudflare/state-protocol.ts';
import type { QuarantineRecord } from '../src/ports/quarantine-store.ts';
import type { TraceAppendResult, TraceRunInfo } from '../src/ports/trace-store.ts';
import { migrate } from '../src/stores/sql-executor.ts';
import { sqlQuarantine, type SqlQuarantine } from '../src/stores/sql-quarantine.ts';
import { sqlTraces, type SqlTraces } from '../src/stores/sql-traces.ts';
import { checkAppend, checkQuarantineRecord, normalizeRecord } from '../src/stores/validate.ts';

export class ForgeState extends DurableObject<unknown> implements ForgeStateRpc {
  readonly #traces: SqlTraces;
  readonly #quarantine: SqlQuarantine;
  readonly #catalog: ReturnType<typeof runCatalog>;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    const db = doSqlExecutor(ctx.storage);
    // Synchronous SQL in the constructor completes before the object serves any request.
    migrate(db, DO_MIGRATIONS, 'ForgeState');
    this.#traces = sqlTraces(db);
    this.#quarantine = sqlQuarantine(db);
    this.#catalog = runCatalog(db);
  }

  runAppend(runId: string, fromSeq: number, lines: string[], createdAt: number): StateResult<TraceAppendResult> {
    return stateResult(() => {
      checkAppend(runId, fromSeq, lines);
      return this.#traces.append(runId, fromSeq, lines, createdAt);
    });
  }
  runRead(runId: string): StateResult<string[] | null> { return stateResult(() => this.#traces.read(runId) ?? null); }
  runSeal(runId: string): StateResult<number | null> { return stateResult(() => this.#traces.seal(runId) ?? null); }
  runInfo(runId: string): StateResult<TraceRunInfo | null> { return stateResult(() => this.#traces.info(runId) ?? null); }
  runRemove(runId: string): StateResult<null> { return stateResult(() => (this.#traces.remove(runId), null)); }

  catalogRegister(runId: string, createdAt: number): StateResult<{ removing: boolean }> {
    return stateResult(() => this.#catalog.register(runId, createdAt));
  }
  catalogSealed(runId: string, count: number): StateResult<null> { return stateResult(() => (this.#catalog.sealed(runId, count), null)); }
  catalogMarkRemoving(runId: string): StateResult<null> { return stateResult(() => (this.#catalog.markRemoving(runId), null)); }
  catalogDelete(runId: string): StateResult<null> { return stateResult(() => (this.#catalog.delete(runId), null)); }
  catalogList(): StateResult<CatalogRow[]> { return stateResult(() => this.#catalog.list()); }

  quarantineGet(identity: string): StateResult<QuarantineRecord | null> { return stateResult(() => this.#quarantine.get(identity) ?? null); }
  quarantinePut(record: QuarantineRecord): StateResult<null> {
    return stateResult(() => {
      checkQuarantineRecord(record);
      this.#quarantine.put(normalizeRecord(record));
      return null;
    });
  }
  quarantineList(): StateResult<QuarantineRecord[]> { return stateResult(() => this.#quarantine.list()); }
  quarantineHistory(identity: string): StateResult<QuarantineRecord[]> { return stateResult(() => this.#quarantine.history(identity)); }
}
