/**
 * The package and trust commands, run as a child process exactly as a user runs them
 * (`node platform/node/main.ts …` on the project's Node 24): outputs, files and exit codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildFixtures } from '../fixtures/build.ts';
import { ERROR_CODES } from '../../src/errors.ts';

const NODE = join(ROOT, 'node_modules/.bin/node');
const MAIN = join(ROOT, 'platform/node/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'forge-cli-pkg-'));
const at = (name: string) => join(dir, name);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function forge(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(NODE, [MAIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(...args: string[]): string {
  const r = forge(...args);
  assert.equal(r.code, 0, `forge ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

function fails(code: keyof typeof ERROR_CODES, ...args: string[]): string {
  const r = forge(...args);
  assert.equal(r.code, ERROR_CODES[code].exit, `forge ${args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^error ${code}: `, 'm'));
  return r.stderr;
}

const keyId = (file: string) => (JSON.parse(readFileSync(at(file), 'utf8')) as { keyId: string }).keyId;

test('forge keygen: a 0600 key file, no silent overwrite, --public prints the public half', () => {
  assert.match(ok('keygen', '--out', 'a.json'), /^key [0-9a-f]{64} written to a\.json \(mode 0600\)$/m);
  assert.equal(statSync(at('a.json')).mode & 0o777, 0o600);
  fails('BAD_REQUEST', 'keygen', '--out', 'a.json');
  const pub = JSON.parse(ok('keygen', '--public', 'a.json')) as Record<string, string>;
  assert.deepEqual(Object.keys(pub).sort(), ['keyId', 'publicKey', 'type']);
  assert.equal(pub['keyId'], keyId('a.json'));
  writeFileSync(at('b.pub.json'), ok('keygen', '--out', 'b.json', '--public'));
  assert.equal((JSON.parse(readFileSync(at('b.pub.json'), 'utf8')) as { keyId: string }).keyId, keyId('b.json'));
  assert.equal(statSync(at('b.json')).mode & 0o777, 0o600);
  ok('keygen', '--out', 'outsider.json');
  fails('BAD_REQUEST', 'keygen');
  fails('NOT_FOUND', 'keygen', '--public', 'missing.json');
});

test('forge trust init, pack, verify, inspect: exit 0 with a summary', async () => {
  await buildFixtures();
  writeFileSync(at('m.json'), JSON.stringify({ name: 'acme/hello', version: '1.0.0', capabilities: { clocks: true } }));
  writeFileSync(at('conf.txt'), 'mode=strict\n');
  assert.match(ok('trust', 'init', '--key', 'a.json', '--out', 'root.json', '--expires', '30d'), /^trust root v1: 1 active key\(s\)/);
  const packed = ok('pack', join(ROOT, '.cache/fixtures/add.wasm'), '--manifest', 'm.json', '--key', 'a.json', '--file', '/etc/app.conf=conf.txt', '--out', 'app.forgepkg');
  assert.match(packed, /^packed acme\/hello@1\.0\.0 → app\.forgepkg/);
  const v = ok('verify', 'app.forgepkg', '--trust', 'root.json');
  assert.match(v, /^verified acme\/hello@1\.0\.0 \(command\)$/m);
  assert.match(v, new RegExp(`signer +${keyId('a.json')}`));
  assert.match(v, /file +\/etc\/app\.conf \(12 bytes\)/);
  assert.match(v, /root +v1/);
  const json = JSON.parse(ok('verify', 'app.forgepkg', '--trust', 'root.json', '--json')) as { packageDigest: string; rootVersion: number; manifest: { capabilities: { clocks: boolean } } };
  assert.equal(json.rootVersion, 1);
  assert.equal(json.manifest.capabilities.clocks, true);
  const i = ok('inspect', 'app.forgepkg');
  assert.match(i, /not verified/);
  assert.match(i, /content matches the signed statement/);
  assert.ok(i.includes(json.packageDigest));
  assert.equal((JSON.parse(ok('inspect', 'app.forgepkg', '--json')) as { digestsMatch: boolean }).digestsMatch, true);
});

test('forge verify and inspect: non-zero with `error CODE: message` for each kind of refusal', () => {
  ok('trust', 'init', '--key', 'outsider.json', '--out', 'other.json');
  fails('PKG_UNKNOWN_KEY', 'verify', 'app.forgepkg', '--trust', 'other.json');
  const bytes = readFileSync(at('app.forgepkg'));
  bytes[bytes.indexOf(Buffer.from([0, 0x61, 0x73, 0x6d])) + 20]! ^= 0x01;
  writeFileSync(at('tampered.forgepkg'), bytes);
  assert.match(fails('PKG_DIGEST_MISMATCH', 'verify', 'tampered.forgepkg', '--trust', 'root.json'), /module\.wasm/);
  assert.match(forge('inspect', 'tampered.forgepkg').stdout, /MISMATCH/);
  fails('PKG_DIGEST_MISMATCH', 'inspect', 'tampered.forgepkg');
  writeFileSync(at('junk.forgepkg'), 'hello');
  fails('PKG_BAD_MAGIC', 'verify', 'junk.forgepkg', '--trust', 'root.json');
  fails('PKG_BAD_MAGIC', 'inspect', 'junk.forgepkg');
  fails('PKG_TOO_LARGE', 'verify', 'app.forgepkg', '--trust', 'root.json', '--max-bytes', '100');
  fails('NOT_FOUND', 'verify', 'nothing.forgepkg', '--trust', 'root.json');
  writeFileSync(at('bad-m.json'), JSON.stringify({ name: 'acme/hello', version: '1.0.0', capabilities: { files: [{ path: '/d', access: 'all' }] } }));
  assert.match(fails('PKG_MANIFEST_INVALID', 'pack', join(ROOT, '.cache/fixtures/add.wasm'), '--manifest', 'bad-m.json', '--key', 'a.json', '--out', 'x.forgepkg'), /capabilities\.files\[0\]\.access/);
  fails('PKG_INVALID_WASM', 'pack', at('m.json'), '--manifest', 'm.json', '--key', 'a.json', '--out', 'x.forgepkg');
  writeFileSync(at('root-broken.json'), '{"signed":');
  fails('TRUST_ROOT_INVALID', 'verify', 'app.forgepkg', '--trust', 'root-broken.json');
  fails('KEY_INVALID', 'sign', 'app.forgepkg', '--key', 'b.pub.json');
});

test('forge sign co-signs; forge trust add-key, rotate, revoke evolve the root and change verification', () => {
  assert.match(ok('sign', 'app.forgepkg', '--key', 'b.json'), /\(2 signature\(s\)\)/);
  assert.match(ok('sign', 'app.forgepkg', '--key', 'b.json'), /already signed/);
  fails('PKG_UNKNOWN_KEY', 'verify', 'app.forgepkg', '--trust', 'root.json');

  assert.match(ok('trust', 'add-key', '--root', 'root.json', '--public-key', 'b.pub.json', '--key', 'a.json', '--name', 'bob', '--packages', 'acme/*', '--out', 'root2.json'), /^trust root v2: 2 active/);
  assert.match(ok('verify', 'app.forgepkg', '--trust', 'root2.json'), /signer +[0-9a-f]{64} \(bob\)/);
  assert.match(ok('trust', 'verify', 'root2.json', '--previous', 'root.json'), /^ok trust root v2/);
  fails('TRUST_ROOT_ROTATION_INVALID', 'trust', 'verify', 'root2.json', '--previous', 'other.json');

  fails('TRUST_ROOT_ROTATION_INVALID', 'trust', 'rotate', '--root', 'root2.json', '--key', 'outsider.json', '--out', 'nope.json');
  // raising the root threshold to 2 needs both keys: v3 must meet its own threshold too
  fails('TRUST_ROOT_ROTATION_INVALID', 'trust', 'rotate', '--root', 'root2.json', '--key', 'a.json', '--threshold', '2', '--out', 'nope.json');
  ok('trust', 'rotate', '--root', 'root2.json', '--key', 'a.json', '--key', 'b.json', '--threshold', '2', '--package-threshold', '2', '--out', 'root3.json');
  assert.match(ok('verify', 'app.forgepkg', '--trust', 'root3.json'), /root +v3/);
  fails('TRUST_ROOT_ROTATION_INVALID', 'trust', 'rotate', '--root', 'root3.json', '--key', 'a.json', '--package-threshold', '1', '--out', 'nope.json');
  fails('TRUST_ROOT_ROTATION_INVALID', 'trust', 'rotate', '--root', 'root3.json', '--key', 'a.json', '--key', 'a.json', '--package-threshold', '1', '--out', 'nope.json');
  ok('trust', 'rotate', '--root', 'root3.json', '--key', 'a.json', '--key', 'b.json', '--threshold', '1', '--package-threshold', '1', '--out', 'root4.json');

  assert.match(ok('trust', 'revoke', '--root', 'root4.json', '--key-id', keyId('b.json'), '--reason', 'laptop lost', '--key', 'a.json', '--out', 'root5.json'), /1 revoked/);
  assert.match(fails('PKG_KEY_REVOKED', 'verify', 'app.forgepkg', '--trust', 'root5.json'), /laptop lost/);
  ok('trust', 'rotate', '--root', 'root4.json', '--key', 'a.json', '--remove-key', keyId('b.json'), '--out', 'root5b.json');
  fails('PKG_UNKNOWN_KEY', 'verify', 'app.forgepkg', '--trust', 'root5b.json');
  fails('BAD_REQUEST', 'trust', 'rotate', '--root', 'root4.json', '--key', 'a.json', '--expires', 'someday');
});
