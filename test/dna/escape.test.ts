/**
 * Hostile strings in the text a person reads: a guest-chosen file name (or an author's package
 * name, a policy's rule id, an offered variable's name) must not forge lines of `forge trace
 * explain`, of the text explain endpoint or of the CLI's warnings, nor run escape sequences in the
 * reader's terminal. Traces are made both by the recorder and by a real guest in the kernel.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import wabtInit from 'wabt';
import { createNodePlatform } from '../../platform/node/index.ts';
import { noteLine } from '../../platform/node/cli/run-io.ts';
import { bootKernel } from '../../src/boot.ts';
import type { Decision } from '../../src/ports/gate-hooks.ts';
import { createApp } from '../../src/http/app.ts';
import { escapeText, terminalSafe } from '../../src/lib/escape.ts';
import { explainTrace, verifyTrace } from '../../src/dna/index.ts';
import { memoryStores } from '../../src/stores/memory.ts';
import { ROOT } from '../fixtures/build.ts';
import { b64, signer } from '../http/helpers.ts';
import { crypto, GENESIS, KERNEL, recordRun, type Call } from './helpers.ts';

/** What must never reach a reader raw: C0 (but \t, \n), DEL, C1, line/paragraph separators, bidi overrides and isolates. */
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** What the escaped text must not hold at all (\t and \n included: a value never breaks a line). */
const RAW_STRICT = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const assertClean = (text: string) => {
  assert.doesNotMatch(text, RAW, `a raw control character in ${JSON.stringify(text)}`);
  assert.doesNotMatch(text, LONE_SURROGATE, 'a lone surrogate in the text');
};

/** A line that would pass for the report's own, then clears itself and moves the cursor up. */
const FORGED = '\n  - entry 1: fd_write stdout — allowed\x1b[2K\x1b[1A';
const HOSTILE = `/data/x${FORGED}\u202etxt.exe\u2028\x9b31m`;

describe('escapeText', () => {
  it('leaves ordinary text alone, non-ASCII and astral characters included', () => {
    for (const s of ['', '/data/in.txt', 'acme/hello@1.0.0', 'café → 日本語 — ✓', 'emoji 😀 pair', 'quote " and \' stay']) assert.equal(escapeText(s), s);
  });

  it('shows the common C0 controls by their short names and the rest of C0 and DEL as \\xNN', () => {
    assert.equal(escapeText('a\nb\rc\td'), 'a\\nb\\rc\\td');
    assert.equal(escapeText('\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f'), '\\x00\\x01\\x07\\x08\\x0b\\x0c\\x1b\\x1f\\x7f');
    for (let c = 0; c < 0x20; c++) assert.doesNotMatch(escapeText(String.fromCharCode(c)), RAW_STRICT, `U+${c.toString(16)}`);
  });

  it('shows C1 controls (NEL, CSI …) as \\xNN', () => {
    assert.equal(escapeText('\x80\x85\x9b\x9f'), '\\x80\\x85\\x9b\\x9f');
    assert.equal(escapeText('\xa0'), '\xa0', 'no-break space is printable');
  });

  it('shows the line and paragraph separators, bidi overrides, isolates and marks as \\uNNNN', () => {
    assert.equal(escapeText('\u2028\u2029'), '\\u2028\\u2029');
    assert.equal(escapeText('\u202a\u202b\u202c\u202d\u202e'), '\\u202a\\u202b\\u202c\\u202d\\u202e');
    assert.equal(escapeText('\u2066\u2067\u2068\u2069'), '\\u2066\\u2067\\u2068\\u2069');
    assert.equal(escapeText('\u200e\u200f\u061c'), '\\u200e\\u200f\\u061c');
    assert.equal(escapeText('invoice\u202efdp.exe'), 'invoice\\u202efdp.exe');
  });

  it('shows lone surrogates as \\uNNNN and keeps pairs', () => {
    assert.equal(escapeText('a\ud800b'), 'a\\ud800b');
    assert.equal(escapeText('\udc00x'), '\\udc00x');
    assert.equal(escapeText('x\ud83d'), 'x\\ud83d');
    assert.equal(escapeText('\ude00\ud83d'), '\\ude00\\ud83d', 'a low before a high is two lone ones');
    assert.equal(escapeText('\ud83d\ude00'), '😀');
    assert.equal(escapeText('\ud800\ud800\udc00'), '\\ud800\ud800\udc00');
  });

  it('escapes the backslash, so a literal "\\n" is told apart from a newline', () => {
    assert.equal(escapeText('a\\b'), 'a\\\\b');
    assert.notEqual(escapeText('x\\n'), escapeText('x\n'));
    assert.equal(escapeText('x\\n'), 'x\\\\n');
    assert.equal(escapeText('x\n'), 'x\\n');
  });

  it('is injective: distinct strings never look the same', () => {
    const pieces = ['\\', 'n', 'x', '0', '1', 'b', 'u', '2', '\n', '\x1b', '\u202e', '\ud800', '\x01'];
    const seen = new Map<string, string>();
    const walk = (s: string, depth: number) => {
      const e = escapeText(s);
      assert.ok(!seen.has(e) || seen.get(e) === s, `${JSON.stringify(s)} and ${JSON.stringify(seen.get(e))} both show as ${e}`);
      seen.set(e, s);
      assertClean(e);
      if (depth > 0) for (const p of pieces) walk(s + p, depth - 1);
    };
    walk('', 3);
  });
});

const allow = (rule: string): Decision => ({ effect: 'allow', rules: [rule], reason: `allowed by ${rule}` });
/** Every string a trace carries, made hostile: path, path2, variable name, rule ids, reasons, package name and version. */
function hostileCalls(): Call[] {
  return [
    [{ syscall: 'environ_get', group: 'env', env: 'EVIL\nActivity: nothing.' }, allow('app.env'), { errno: 0, size: 10 }],
    [{ syscall: 'path_open', group: 'fs.read', fd: 3, path: HOSTILE, access: 'read' }, allow('app.data'), { errno: 0 }],
    [{ syscall: 'path_open', group: 'fs.read', fd: 3, path: '/data/lit\\n', access: 'read' }, allow('app.data'), { errno: 0 }],
    [{ syscall: 'path_open', group: 'fs.read', fd: 3, path: '/data/lit\n', access: 'read' }, allow('app.data'), { errno: 0 }],
    [{ syscall: 'path_rename', group: 'fs.write', fd: 3, path: '/data/a', path2: `/data/b${FORGED}` },
      { effect: 'deny', rules: ['app.no\rrename'], reason: `no renames of /data/b${FORGED}` }, { errno: 76 }],
    [{ syscall: 'path_open', group: 'fs.read', fd: 3, path: `/data/\u2066secret\u2069`, access: 'read' },
      { effect: 'deny', rules: [], reason: 'no rule grants this\u2029Risk flags: none.' }, { errno: 76 }],
    [{ syscall: 'fd_write', group: 'stdio', fd: 1, bytes: 3 }, allow('base.stdio'), { errno: 0, size: 3 }],
  ];
}
const HOSTILE_GENESIS = {
  genesis: { ...GENESIS, identity: 'acme/\u202e3333', package: { ...GENESIS.package, name: 'acme/x\x1b]0;owned\x07', version: '1.0.0\nVerification: ok' } },
};

test('a trace full of hostile strings explains as text with exactly its own lines, each hostile string shown escaped', async () => {
  const { text } = await recordRun(hostileCalls(), HOSTILE_GENESIS);
  const { text: prose, json } = explainTrace(text, { report: await verifyTrace(text, { crypto }) });
  assertClean(prose);
  const lines = prose.split('\n');
  // Run, Verification, Outcome, Activity, "Denied (2):", two denials, Risk flags, Integrity score
  assert.equal(lines.length, 9, prose);
  assert.deepEqual(lines.map((l) => l.split(/[ :(]/)[0]), ['Run', 'Verification', 'Outcome', 'Activity', 'Denied', '', '', 'Risk', 'Integrity']);
  assert.ok(lines[0]!.includes('package acme/x\\x1b]0;owned\\x07@1.0.0\\nVerification: ok (sha256'), lines[0]);
  assert.ok(lines[0]!.includes('identity acme/\\u202e3333.'), lines[0]);
  assert.ok(lines[3]!.includes(escapeText(HOSTILE)), lines[3]);
  assert.ok(lines[3]!.includes('\\n  - entry 1: fd_write stdout — allowed\\x1b[2K\\x1b[1A\\u202etxt.exe\\u2028\\x9b31m'), lines[3]);
  assert.ok(lines[3]!.includes('/data/lit\\\\n, /data/lit\\n'), 'a literal backslash-n and a newline look different');
  assert.ok(lines[3]!.includes('environment variables EVIL\\nActivity: nothing.'), lines[3]);
  assert.equal(lines[5], `  - entry 5: path_rename /data/a → /data/b\\n  - entry 1: fd_write stdout — allowed\\x1b[2K\\x1b[1A — denied by rule app.no\\rrename: "no renames of /data/b\\n  - entry 1: fd_write stdout — allowed\\x1b[2K\\x1b[1A" (errno NOTCAPABLE)`);
  assert.equal(lines[6], '  - entry 6: path_open /data/\\u2066secret\\u2069 — denied by the default deny (no rule allowed it): "no rule grants this\\u2029Risk flags: none." (errno NOTCAPABLE)');
  // The JSON account keeps the strings as they are: JSON's own escaping is unambiguous.
  assert.ok(json.activity.read.includes(HOSTILE));
  assert.equal(json.package?.version, '1.0.0\nVerification: ok');
  assert.equal(json.denials.shown[0]!.target, `/data/a → /data/b${FORGED}`);
  assert.deepEqual(json.denials.shown[0]!.rules, ['app.no\rrename']);
  assert.equal(JSON.parse(JSON.stringify(json)).activity.envNames[0], 'EVIL\nActivity: nothing.');
});

test('an unchecked, cut trace (no summary, the score recomputed) explains escaped too', async () => {
  const { text } = await recordRun(hostileCalls(), HOSTILE_GENESIS);
  const cut = text.split('\n').slice(0, 5).join('\n') + '\n';
  const { text: prose } = explainTrace(cut);
  assertClean(prose);
  assert.equal(prose.split('\n').length, 7, prose);
});

// A guest that asks for its environment, opens a hostile name under its preopen /data (fd 3), renames it to another, and exits.
const GUEST_WAT = (name: string, name2: string) => {
  const bytes = (s: string) => [...new TextEncoder().encode(s)].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
  const n1 = new TextEncoder().encode(name).length, n2 = new TextEncoder().encode(name2).length;
  return `(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "${bytes(name)}")
  (data (i32.const 1024) "${bytes(name2)}")
  (func (export "_start")
    (drop (call $env (i32.const 0) (i32.const 4)))
    (drop (call $open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const ${n1}) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 8)))
    (drop (call $rename (i32.const 3) (i32.const 64) (i32.const ${n1}) (i32.const 3) (i32.const 1024) (i32.const ${n2})))))`;
};

test('a real guest\'s hostile file names reach the HTTP text explain escaped, and the JSON one raw', async () => {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('hostile.wat', GUEST_WAT(`x${FORGED}\u202e`, `y\u2028\x9b2J`));
  const wasm = mod.toBinary({}).buffer;
  mod.destroy();
  const s = await signer();
  const pkg = await s.sign(wasm, 'test/hostile', { '/data/readme.txt': new TextEncoder().encode('hi\n') });
  const kernel = await bootKernel({
    platform: { ...createNodePlatform(), stores: memoryStores() }, config: { file: { kernelId: 'escape-test' }, env: {} }, trustRoots: [s.root],
  });
  const app = createApp(kernel, { localOnly: true });
  const run = await app.request('/v1/runs', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ package: b64(pkg), env: { 'EVIL\nDenied: nothing.\x1b[1A': 'v' } }),
  });
  const r = await run.json() as { runId: string; status: string };
  assert.equal(run.status, 200, JSON.stringify(r));
  const res = await app.request(`/v1/runs/${r.runId}/explain`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const prose = await res.text();
  assertClean(prose);
  const json = await (await app.request(`/v1/runs/${r.runId}/explain?format=json`)).json() as { denials: { total: number; shown: { target?: string }[] } };
  // the variable, the open and the rename are denied by the baseline policy
  assert.equal(json.denials.total, 3, JSON.stringify(json.denials));
  const lines = prose.split('\n');
  assert.equal(lines.length, 7 + json.denials.total, prose);
  assert.deepEqual(json.denials.shown.map((d) => d.target), ['EVIL\nDenied: nothing.\x1b[1A', `/data/x${FORGED}\u202e`, `/data/x${FORGED}\u202e → /data/y\u2028\x9b2J`]);
  assert.ok(lines.some((l) => l.startsWith('  - entry ') && l.includes(': environ_get EVIL\\nDenied: nothing.\\x1b[1A — denied')), prose);
  assert.ok(lines.some((l) => l.includes(': path_open /data/x\\n  - entry 1: fd_write stdout — allowed\\x1b[2K\\x1b[1A\\u202e — denied')), prose);
  assert.ok(lines.some((l) => l.includes('→ /data/y\\u2028\\x9b2J — denied')), prose);
  await kernel.close();
});

describe('the CLI', () => {
  const NODE = join(ROOT, 'node_modules/.bin/node');
  const MAIN = join(ROOT, 'platform/node/main.ts');
  const forge = (dir: string, ...args: string[]) => spawnSync(NODE, [MAIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, FORGE_KERNEL_KEY: '' } });

  it('note() escapes what it is given: a guest-made file name cannot forge a warning or the guest\'s output', () => {
    assert.equal(noteLine(`warning: not written back: evil${FORGED}`), 'forge: warning: not written back: evil\\n  - entry 1: fd_write stdout — allowed\\x1b[2K\\x1b[1A\n');
    assert.equal(noteLine('warning: not written back: a\u202e\\n'), 'forge: warning: not written back: a\\u202e\\\\n\n');
    const r = spawnSync(NODE, ['--input-type=module', '-e', `import { note } from ${JSON.stringify(join(ROOT, 'platform/node/cli/run-io.ts'))}; note(process.argv[1]);`, `not written back: x\nforge: all written back\x1b[1A`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, 'forge: not written back: x\\nforge: all written back\\x1b[1A\n');
  });

  it('forge trace explain prints the escaped account; --json keeps the strings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'forge-escape-'));
    try {
      const { text } = await recordRun(hostileCalls(), HOSTILE_GENESIS);
      writeFileSync(join(dir, 't.jsonl'), text);
      const r = forge(dir, 'trace', 'explain', 't.jsonl', '--key', Buffer.from(KERNEL.publicKey).toString('hex'));
      assert.equal(r.status, 0, r.stderr);
      assertClean(r.stdout);
      assert.equal(r.stdout.split('\n').length, 10, r.stdout);
      assert.ok(r.stdout.includes(escapeText(HOSTILE)));
      const j = forge(dir, 'trace', 'explain', 't.jsonl', '--json');
      assert.ok((JSON.parse(j.stdout) as { activity: { read: string[] } }).activity.read.includes(HOSTILE));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forge replay names a divergence, which quotes the recorded variable name, escaped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'forge-escape-'));
    try {
      const wabt = await wabtInit();
      const mod = wabt.parseWat('env.wat', `(module
        (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "_start") (drop (call $env (i32.const 0) (i32.const 4)))))`);
      writeFileSync(join(dir, 'env.wasm'), mod.toBinary({}).buffer);
      mod.destroy();
      const run = forge(dir, 'run', 'env.wasm', '--allow-unsigned', '--policy', 'permissive', '--env', 'EVIL\nforge: identical\x1b[1A=v', '--trace', 't.jsonl');
      assert.equal(run.status, 0, run.stderr);
      // replayed without the variable: the guest's first call differs from the recorded environ_get
      const r = forge(dir, 'replay', 'env.wasm', 't.jsonl');
      assert.equal(r.status, 65, r.stderr);
      assertClean(r.stderr);
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
      assert.match(r.stderr, /^error REPLAY_DIVERGED: replay diverged at entry 1: recorded environ_get\(EVIL\\nforge: identical\\x1b\[1A\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forge quarantine list and history show stored identities and reasons escaped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'forge-escape-'));
    try {
      const id = 'local/evil\nquarantined  local/other';
      const add = forge(dir, 'quarantine', 'add', id, '--reason', 'probing /data/x\x1b[2K\u202e', '--by', 'ops\r');
      assert.equal(add.status, 0, add.stderr);
      for (const out of [add.stdout, forge(dir, 'quarantine', 'list').stdout, forge(dir, 'quarantine', 'history', id).stdout]) {
        assertClean(out);
        assert.equal(out.split('\n').length, 2, out);
        assert.match(out, /^quarantined {2}local\/evil\\nquarantined {2}local\/other {2}\S+ {2}by ops\\r: probing \/data\/x\\x1b\[2K\\u202e\n$/);
      }
      const j = JSON.parse(forge(dir, 'quarantine', 'list', '--json').stdout) as { identity: string }[];
      assert.equal(j[0]!.identity, id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('terminalSafe on JSON: what JSON leaves raw is written as \\u escapes, and the JSON parses back to the same value', () => {
  const value = { path: '/a\u0085b\u2028c\u202ed\u2066e\u007ff\u200eg', plain: 'x\\n"y"', ctl: '\n\u001b' };
  const json = JSON.stringify(value, null, 2);
  const safe = terminalSafe(json);
  assert.doesNotMatch(safe, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/);
  assert.deepEqual(JSON.parse(safe), value);
  assert.ok(safe.includes('\\u0085') && safe.includes('\\u2028') && safe.includes('\\u202e'));
});

test('forge pack and forge verify show an author\'s file names and a root\'s key names escaped: no forged "verified" line', async () => {
  const { fixture: fx, forge: run, scratch: tmp } = await import('../wasi/forge.ts');
  const dir = tmp();
  const hostile = '\u001b[31mRED\u001b]0;pwned\u0007\u202eevil\r\nverified acme/trusted@9.9.9 (command)';
  assert.equal(run(['keygen', '--out', join(dir, 'author.json')]).code, 0);
  assert.equal(run(['trust', 'init', '--key', join(dir, 'author.json'), '--out', join(dir, 'root.json'), '--name', 'lab\u001b[31mRED\u202ex']).code, 0);
  writeFileSync(join(dir, 'm.json'), '{"name":"acme/hello","version":"1.0.0"}');
  writeFileSync(join(dir, 'f.txt'), 'hi');
  const pack = run(['pack', fx('wasi-proc'), '--manifest', join(dir, 'm.json'), '--key', join(dir, 'author.json'), '--file', `/etc/${hostile}=${join(dir, 'f.txt')}`, '--out', join(dir, 'p.forgepkg')]);
  assert.equal(pack.code, 0, pack.stderr);
  const verify = run(['verify', join(dir, 'p.forgepkg'), '--trust', join(dir, 'root.json')]);
  assert.equal(verify.code, 0, verify.stderr);
  for (const [what, text] of [['pack', pack.stdout], ['verify', verify.stdout]] as const) {
    assert.doesNotMatch(text, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/, `${what} printed a raw control character: ${JSON.stringify(text)}`);
    assert.equal(text.split('\n').filter((l) => l.startsWith('verified acme/trusted')).length, 0, `${what}: a forged line`);
  }
  assert.match(verify.stdout, /\\x1b\[31mRED/);
});
