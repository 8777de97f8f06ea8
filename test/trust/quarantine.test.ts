/** Quarantine: launch refusal, signed admin release (and every way to forge one), the Node file store across restarts. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createSqliteStores } from '../../platform/node/sqlite-store.ts';

/** The Node kernel's quarantine store: SQLite in a data directory (a fresh instance is a restart). */
const fileQuarantineStore = (dir: string) => createSqliteStores(dir).quarantine;
import { generateKeyPair } from '../../src/crypto/keys.ts';
import { isKernelError, type ErrorCode } from '../../src/errors.ts';
import { manualClock } from '../../src/ports/clock.ts';
import type { QuarantineStore } from '../../src/ports/quarantine-store.ts';
import { memoryQuarantineStore, memoryStores } from '../../src/stores/memory.ts';
import {
  assertLaunchAllowed, builtinPolicy, createTrustGate, identityOf, quarantine, releaseQuarantine, signRelease, RELEASE_TYPE, type ReleaseStatement,
} from '../../src/trust/index.ts';
import { storeContractCases } from '../conformance/stores.ts';
import { createNodePlatform } from '../../platform/node/index.ts';

const ID = identityOf('acme', 'sha256:0123');
const admin = generateKeyPair();
const intruder = generateKeyPair();
const adminKeys = [{ keyId: admin.keyId, publicKey: admin.publicKey }];
const code = (c: ErrorCode) => (e: unknown) => isKernelError(e, c);

const scratch = mkdtempSync(join(tmpdir(), 'forge-quarantine-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(scratch, `d${dirs++}`);

describe('identities and launches', () => {
  it('identityOf is tenant/digest, and refuses a tenant with "/"', () => {
    assert.equal(identityOf('t', 'sha256:ab'), 't/sha256:ab');
    assert.throws(() => identityOf('a/b', 'd'), code('BAD_REQUEST'));
    assert.throws(() => identityOf('', 'd'), code('BAD_REQUEST'));
    assert.throws(() => identityOf('t', ''), code('BAD_REQUEST'));
  });

  it('a quarantined identity is refused at launch; others are not', async () => {
    const store = memoryQuarantineStore();
    await assertLaunchAllowed(store, ID);
    await quarantine(store, ID, 'probing', 'kernel', manualClock(5));
    await assert.rejects(assertLaunchAllowed(store, ID), (e) => isKernelError(e, 'QUARANTINED') && /probing/.test(e.message) && e.exitCode === 125);
    await assertLaunchAllowed(store, identityOf('acme', 'sha256:other'));
  });

  it('a store that cannot answer refuses the launch (fail closed)', async () => {
    const broken: QuarantineStore = { ...memoryQuarantineStore(), get: () => Promise.reject(new Error('KV unavailable')) };
    await assert.rejects(assertLaunchAllowed(broken, ID), (e) => isKernelError(e, 'STORE_UNAVAILABLE') && /KV unavailable/.test(e.message));
  });
});

async function quarantined(at = 1_000): Promise<QuarantineStore> {
  const store = memoryQuarantineStore();
  await quarantine(store, ID, 'secret probes', 'kernel', manualClock(at));
  return store;
}

const statement = (over: Partial<ReleaseStatement> = {}): ReleaseStatement =>
  ({ _type: RELEASE_TYPE, identity: ID, quarantinedAt: 1_000, reason: 'false positive, reviewed', at: 2_000, adminKeyId: admin.keyId, ...over });

async function release(store: QuarantineStore, s: ReleaseStatement, signer = admin.secretKey, opts: { reason?: string; keys?: typeof adminKeys } = {}) {
  return releaseQuarantine(store, s.identity, {
    adminKeyId: s.adminKeyId, signature: await signRelease(s, signer), reason: opts.reason ?? s.reason, at: s.at, quarantinedAt: s.quarantinedAt, adminKeys: opts.keys ?? adminKeys,
  });
}

describe('release requires a valid admin signature', () => {
  it('a statement signed by an admin key releases, and the history keeps both changes', async () => {
    const store = await quarantined();
    const rec = await release(store, statement());
    assert.deepEqual(rec, { identity: ID, quarantined: false, reason: 'released: false positive, reviewed', at: 2_000, by: admin.keyId });
    await assertLaunchAllowed(store, ID);
    assert.deepEqual((await store.history(ID)).map((r) => [r.quarantined, r.by]), [[true, 'kernel'], [false, admin.keyId]]);
  });

  const forgeries: Array<[string, (store: QuarantineStore) => Promise<unknown>, ErrorCode, RegExp]> = [
    ['signed by a key that is not an admin key', (s) => release(s, statement({ adminKeyId: intruder.keyId }), intruder.secretKey), 'UNAUTHORIZED', /not one of this kernel's admin keys/],
    ['claiming the admin key id, signed by another key', (s) => release(s, statement(), intruder.secretKey), 'UNAUTHORIZED', /does not verify/],
    ['a reason changed after signing', (s) => release(s, statement(), admin.secretKey, { reason: 'whatever' }), 'UNAUTHORIZED', /does not verify/],
    ['a signature over another identity', async (s) => {
      const other = statement({ identity: identityOf('acme', 'sha256:other') });
      return releaseQuarantine(s, ID, { adminKeyId: admin.keyId, signature: await signRelease(other, admin.secretKey), reason: other.reason, at: other.at, quarantinedAt: other.quarantinedAt, adminKeys });
    }, 'UNAUTHORIZED', /does not verify/],
    ['a statement for an older quarantine', (s) => release(s, statement({ quarantinedAt: 999 })), 'UNAUTHORIZED', /current one dates from/],
    ['no admin keys configured', (s) => release(s, statement(), admin.secretKey, { keys: [] }), 'UNAUTHORIZED', /admin keys/],
    ['an admin key list with a mismatched id', (s) => release(s, statement(), admin.secretKey, { keys: [{ keyId: admin.keyId, publicKey: intruder.publicKey }] }), 'UNAUTHORIZED', /admin keys/],
    ['a garbage signature', (s) => releaseQuarantine(s, ID, { adminKeyId: admin.keyId, signature: new Uint8Array(64).fill(7), reason: 'x', at: 2_000, quarantinedAt: 1_000, adminKeys }), 'UNAUTHORIZED', /does not verify/],
    ['a release dated before the quarantine', (s) => release(s, statement({ at: 500 })), 'BAD_REQUEST', /before the quarantine/],
  ];
  for (const [name, attempt, want, message] of forgeries) {
    it(`refused: ${name}`, async () => {
      const store = await quarantined();
      await assert.rejects(attempt(store), (e) => isKernelError(e, want) && message.test(e.message));
      assert.equal((await store.get(ID))?.quarantined, true, 'still quarantined');
      assert.equal((await store.history(ID)).length, 1, 'nothing recorded');
    });
  }

  it('a captured release cannot be replayed against a later quarantine', async () => {
    const store = await quarantined();
    const s = statement();
    const sig = await signRelease(s, admin.secretKey);
    const opts = { adminKeyId: s.adminKeyId, signature: sig, reason: s.reason, at: s.at, quarantinedAt: s.quarantinedAt, adminKeys };
    await releaseQuarantine(store, ID, opts);
    await quarantine(store, ID, 'again', 'kernel', manualClock(3_000));
    await assert.rejects(releaseQuarantine(store, ID, opts), code('UNAUTHORIZED'));
    assert.equal((await store.get(ID))?.quarantined, true);
  });

  it('releasing what is not quarantined is NOT_FOUND', async () => {
    await assert.rejects(release(memoryQuarantineStore(), statement()), code('NOT_FOUND'));
  });
});

describe('the Node store (SQLite in the data directory)', () => {
  it('quarantine survives a restart: a fresh store over the same file refuses the launch', async () => {
    const dir = freshDir();
    await quarantine(fileQuarantineStore(dir), ID, 'operator', 'cli', manualClock(10_000));
    const restarted = fileQuarantineStore(dir);
    await assert.rejects(assertLaunchAllowed(restarted, ID), code('QUARANTINED'));
    assert.deepEqual(await restarted.list(), [{ identity: ID, quarantined: true, reason: 'operator', at: 10_000, by: 'cli' }]);
  });

  it('an escalated gate writes the quarantine through to the file', async () => {
    const dir = freshDir();
    const gate = createTrustGate({ layers: [builtinPolicy('baseline')], subject: { signed: false }, identity: ID, clock: manualClock(), quarantine: fileQuarantineStore(dir) });
    for (let i = 0; !gate.quarantined; i++) {
      const r = { syscall: 'path_open', group: 'fs.read', path: `/etc/shadow${i}` } as const;
      try { gate.observe(r, gate.decide(r), { errno: 76 }); } catch { break; }
    }
    await gate.flush();
    const after = fileQuarantineStore(dir);
    await assert.rejects(assertLaunchAllowed(after, ID), code('QUARANTINED'));
    const signedRelease = statement({ quarantinedAt: (await after.get(ID))!.at, at: (await after.get(ID))!.at + 1 });
    await release(after, signedRelease);
    await assertLaunchAllowed(fileQuarantineStore(dir), ID);
    assert.equal((await fileQuarantineStore(dir).history(ID)).length, 2);
  });

  it('an unwritable data directory is STORE_UNAVAILABLE', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'x');
    await assert.rejects(async () => quarantine(fileQuarantineStore(join(file, 'sub')), ID, 'r', 'k'), code('STORE_UNAVAILABLE'));
  });
});

describe('the SQLite store passes the quarantine cases of the store contract', () => {
  const env = {
    runtime: 'node' as const,
    platform: createNodePlatform(),
    fixture: (n: string): Uint8Array => { throw new Error(`no fixtures here (${n})`); },
    makeStores: async () => ({ ...memoryStores(), quarantine: fileQuarantineStore(freshDir()) }),
  };
  for (const c of storeContractCases.filter((c) => /quarantine/i.test(c.name))) it(c.name, () => c.run(env));
});
