/**
 * Quarantine: a container identity (tenant + package digest) the store marks as not allowed to
 * run. The store is the authority (a Durable Object in Workers, so every isolate agrees); a store
 * that cannot answer refuses the launch — fail closed. Releasing needs a signed admin statement
 * (release.ts); quarantining needs none, since it only ever takes rights away.
 */
import { KernelError, isKernelError } from '../errors.ts';
import { systemClock, type Clock } from '../ports/clock.ts';
import type { QuarantineRecord, QuarantineStore } from '../ports/quarantine-store.ts';

/**
 * The identity of a container: `${tenant}/${packageDigest}`.
 * @throws KernelError BAD_REQUEST for an empty tenant or digest, or a tenant containing "/"
 */
export function identityOf(tenant: string, packageDigest: string): string {
  if (tenant === '' || tenant.includes('/')) throw new KernelError('BAD_REQUEST', `a tenant id is non-empty and has no "/": got ${JSON.stringify(tenant)}`, { tenant });
  if (packageDigest === '' || /\s/u.test(packageDigest)) throw new KernelError('BAD_REQUEST', `a package digest is non-empty and has no whitespace: got ${JSON.stringify(packageDigest)}`);
  return `${tenant}/${packageDigest}`;
}

/** Any store failure as STORE_UNAVAILABLE, naming the operation and the identity. */
export function storeFailure(e: unknown, what: string, identity?: string): KernelError {
  if (isKernelError(e, 'STORE_UNAVAILABLE')) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new KernelError('STORE_UNAVAILABLE', `the quarantine store failed to ${what}: ${why}`, identity === undefined ? {} : { identity }, { cause: e });
}

/**
 * Reads an identity's current record.
 * @throws KernelError STORE_UNAVAILABLE when the store cannot answer
 */
export async function quarantineState(store: QuarantineStore, identity: string): Promise<QuarantineRecord | undefined> {
  try {
    return await store.get(identity);
  } catch (e) {
    throw storeFailure(e, `read the state of ${identity}`, identity);
  }
}

/**
 * Refuses to launch a quarantined identity; a store that cannot answer refuses too (fail closed).
 * @throws KernelError QUARANTINED, STORE_UNAVAILABLE
 */
export async function assertLaunchAllowed(store: QuarantineStore, identity: string): Promise<void> {
  const r = await quarantineState(store, identity);
  if (r?.quarantined) {
    throw new KernelError('QUARANTINED',
      `container ${identity} is quarantined since ${new Date(r.at).toISOString()} by ${r.by}: ${r.reason}; only a signed admin release (forge quarantine release) lets it run again`,
      { identity, since: r.at, by: r.by, reason: r.reason });
  }
}

/**
 * Marks an identity quarantined (a new entry in its history, even when it already is).
 * @throws KernelError STORE_UNAVAILABLE when the store cannot write
 */
export async function quarantine(store: QuarantineStore, identity: string, reason: string, by: string, clock: Clock = systemClock): Promise<QuarantineRecord> {
  const record: QuarantineRecord = { identity, quarantined: true, reason, at: clock.now(), by };
  try {
    await store.put(record);
  } catch (e) {
    throw storeFailure(e, `quarantine ${identity}`, identity);
  }
  return record;
}
