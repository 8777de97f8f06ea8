import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { fromHex, toHex } from '../../../src/lib/encoding.ts';
import { parseKeyFile, parsePublicKey, type PublicKey } from '../../../src/crypto/keys.ts';
import { KernelError } from '../../../src/errors.ts';
import { escapeText, terminalSafe } from '../../../src/lib/escape.ts';
import type { QuarantineRecord, QuarantineStore } from '../../../src/ports/quarantine-store.ts';
import {
  quarantine, quarantineState, releaseQuarantine, releaseStatementBytes, signRelease, RELEASE_TYPE, type ReleaseStatement,
} from '../../../src/trust/index.ts';
import { createSqliteStores } from '../sqlite-store.ts';

/**
 * `forge quarantine list|history|add|statement|release`. State lives in the data directory's
 * quarantine store (today the JSON-lines file store). Releasing needs an admin key listed in
 * `admin-keys.json` there (or `--admin-keys`): a JSON array of public keys (key documents from
 * `forge keygen`, or 64 hex digits).
 */
export function registerQuarantine(program: Command): void {
  const q = program.command('quarantine').description('list, add and release quarantined container identities (tenant/packageDigest)');
  const dataDir = (c: Command) => c.option('--data-dir <dir>', 'the kernel state directory (SQLite stores in DIR/data)', '.forge');

  dataDir(q.command('list').description('list quarantined identities'))
    .option('--all', 'include released identities')
    .option('--json', 'print JSON')
    .action(async (o: { dataDir: string; all?: boolean; json?: boolean }) => {
      const records = (await storeOf(o.dataDir).list()).filter((r) => o.all || r.quarantined);
      process.stdout.write(o.json ? `${terminalSafe(JSON.stringify(records, null, 2))}\n` : records.length === 0 ? 'no quarantined identities\n' : records.map(line).join(''));
    });

  dataDir(q.command('history').description('every change of one identity, oldest first').argument('<identity>'))
    .option('--json', 'print JSON')
    .action(async (identity: string, o: { dataDir: string; json?: boolean }) => {
      const h = await storeOf(o.dataDir).history(identity);
      if (h.length === 0) throw new KernelError('NOT_FOUND', `no quarantine history for ${identity}`, { identity });
      process.stdout.write(o.json ? `${terminalSafe(JSON.stringify(h, null, 2))}\n` : h.map(line).join(''));
    });

  dataDir(q.command('add').description('quarantine an identity now').argument('<identity>'))
    .requiredOption('--reason <text>', 'why (kept in the history)')
    .option('--by <name>', 'who, for the history', 'cli')
    .action(async (identity: string, o: { dataDir: string; reason: string; by: string }) => {
      process.stdout.write(line(await quarantine(storeOf(o.dataDir), identity, o.reason, o.by)));
    });

  dataDir(q.command('statement').description('print the release statement an admin signs offline (then: release --signature)').argument('<identity>'))
    .requiredOption('--reason <text>', 'why it is released')
    .requiredOption('--key-id <id>', 'the admin key id that will sign')
    .option('--at <ms>', 'release time, ms since the epoch (default: now)', Number)
    .action(async (identity: string, o: { dataDir: string; reason: string; keyId: string; at?: number }) => {
      const s = await statementFor(storeOf(o.dataDir), identity, o.reason, o.keyId, o.at ?? Date.now());
      process.stdout.write(`${JSON.stringify({ statement: s, signBytesHex: toHex(releaseStatementBytes(s)) }, null, 2)}\n`);
    });

  dataDir(q.command('release').description('release an identity: needs an admin signature').argument('<identity>'))
    .requiredOption('--reason <text>', 'why it is released')
    .option('--key <file>', 'admin private key file (forge keygen) to sign with')
    .option('--signature <hex>', 'a signature made offline over `forge quarantine statement` (needs --key-id and --at)')
    .option('--key-id <id>', 'admin key id of --signature')
    .option('--at <ms>', 'release time of the signed statement', Number)
    .option('--admin-keys <file>', 'trusted admin public keys (default: DATA_DIR/admin-keys.json)')
    .action(async (identity: string, o: ReleaseCliOptions) => {
      const store = storeOf(o.dataDir);
      const adminKeys = loadAdminKeys(o.adminKeys ?? join(o.dataDir, 'admin-keys.json'));
      let signature: Uint8Array;
      let statement: ReleaseStatement;
      if (o.key !== undefined) {
        const pair = parseKeyFile(readJson(o.key, 'admin key file'));
        statement = await statementFor(store, identity, o.reason, pair.keyId, o.at ?? Date.now());
        signature = await signRelease(statement, pair.secretKey);
      } else if (o.signature !== undefined && o.keyId !== undefined && o.at !== undefined) {
        const sig = fromHex(o.signature);
        if (!sig || sig.length !== 64) throw new KernelError('BAD_REQUEST', '--signature is 128 hex digits (an Ed25519 signature)');
        signature = sig;
        statement = await statementFor(store, identity, o.reason, o.keyId, o.at);
      } else {
        throw new KernelError('BAD_REQUEST', 'release needs --key ADMIN_KEY.json, or --signature HEX with --key-id and --at');
      }
      const record = await releaseQuarantine(store, identity, {
        adminKeyId: statement.adminKeyId, signature, reason: o.reason, at: statement.at, quarantinedAt: statement.quarantinedAt, adminKeys,
      });
      process.stdout.write(line(record));
    });
}

interface ReleaseCliOptions { dataDir: string; reason: string; key?: string; signature?: string; keyId?: string; at?: number; adminKeys?: string }

/** The kernel's own store (SQLite in DIR/data): the same state `forge run` and `forge serve` consult. */
function storeOf(dataDir: string): QuarantineStore {
  return createSqliteStores(join(dataDir, 'data')).quarantine;
}

/** One record as a line; the stored strings escaped (src/lib/escape.ts): a reason can quote a guest's path. */
function line(r: QuarantineRecord): string {
  return `${escapeText(`${r.quarantined ? 'quarantined' : 'released   '}  ${r.identity}  ${new Date(r.at).toISOString()}  by ${r.by}: ${r.reason}`)}\n`;
}

async function statementFor(store: QuarantineStore, identity: string, reason: string, adminKeyId: string, at: number): Promise<ReleaseStatement> {
  const current = await quarantineState(store, identity);
  if (!current?.quarantined) throw new KernelError('NOT_FOUND', `container ${identity} is not quarantined; there is nothing to release`, { identity });
  if (!Number.isSafeInteger(at)) throw new KernelError('BAD_REQUEST', '--at is an integer number of milliseconds since the epoch');
  return { _type: RELEASE_TYPE, identity, quarantinedAt: current.at, reason, at, adminKeyId };
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new KernelError('NOT_FOUND', `cannot read ${what} ${file}: ${(e as Error).message}`, { file });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new KernelError('KEY_INVALID', `${what} ${file} is not JSON`, { file });
  }
}

/** @throws KernelError UNAUTHORIZED when no admin keys are configured; KEY_INVALID for a bad entry */
function loadAdminKeys(file: string): PublicKey[] {
  let json: unknown;
  try {
    json = readJson(file, 'admin keys file');
  } catch (e) {
    if (e instanceof KernelError && e.code === 'NOT_FOUND') {
      throw new KernelError('UNAUTHORIZED', `no admin keys are configured (${file} is missing): nobody can release a quarantine`, { file });
    }
    throw e;
  }
  if (!Array.isArray(json)) throw new KernelError('KEY_INVALID', `admin keys file ${file} must hold a JSON array of public keys`, { file });
  return json.map((k) => parsePublicKey(k));
}
