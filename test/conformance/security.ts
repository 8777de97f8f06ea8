/**
 * Attacks on the boundary, run in every host (Node, a Chromium Service Worker, workerd): imports
 * that would skip the gate (anything an ordinary JS object inherits, a module named `constructor`,
 * a WASI name with another signature or kind) are refused before the module compiles, and a
 * read-only grant refuses every open that could change the file. Web standards only.
 */
import { KernelError } from '../../src/errors.ts';
import { launchContainer, type ContainerResult } from '../../src/execution/container.ts';
import type { GateHooks } from '../../src/ports/gate-hooks.ts';
import type { FileNode } from '../../src/execution/wasi/inode.ts';
import { Vfs } from '../../src/execution/wasi/vfs.ts';
import { createKernel } from '../../src/kernel.ts';
import { keyPairFromSecret } from '../../src/crypto/keys.ts';
import { resolveCrypto } from '../../src/crypto/noble.ts';
import { createDnaRecorder, explainTrace } from '../../src/dna/index.ts';
import { compilePolicy, createTrustGate, decide, parsePolicy } from '../../src/trust/index.ts';
import { assert, assertEqual, assertRejects, type ConformanceCase, type ConformanceEnv } from './harness.ts';
import { moduleWithBody, moduleWithImports, nestedBlocks, type ImportSpec } from './wasm-bytes.ts';

const LIMITS = { memoryBytes: 1024 * 1024 } as const;
const allowAll: GateHooks = { decide: () => ({ effect: 'allow', rules: ['conformance'], reason: 'conformance run' }), record: () => {} };
const W = 'wasi_snapshot_preview1';

/** Imports a kernel must never link: each would run host code with no decision and no trace entry. */
const HOSTILE_IMPORTS: Array<[string, ImportSpec[]]> = [
  ['wasi_snapshot_preview1.constructor (Object)', [{ module: W, name: 'constructor', params: ['i32'], results: ['i32'] }]],
  ['wasi_snapshot_preview1.toString', [{ module: W, name: 'toString', results: ['i32'] }]],
  ['wasi_snapshot_preview1.__proto__', [{ module: W, name: '__proto__' }]],
  ['wasi_snapshot_preview1.hasOwnProperty', [{ module: W, name: 'hasOwnProperty', params: ['externref'], results: ['i32'] }]],
  ['a module named constructor (assign)', [{ module: 'constructor', name: 'assign', params: ['externref', 'externref'], results: ['externref'] }]],
  ['a module named constructor (Function)', [{ module: 'constructor', name: 'constructor', params: ['externref'], results: ['externref'] }]],
  ['a module named __proto__', [{ module: '__proto__', name: 'valueOf', results: ['i32'] }]],
  ['an unknown module', [{ module: 'env', name: 'emscripten_memcpy_js', params: ['i32', 'i32', 'i32'] }]],
  ['fd_write with another signature', [{ module: W, name: 'fd_write', params: ['i64', 'f64', 'externref', 'i32'], results: ['i32'] }]],
  ['proc_exit returning a value', [{ module: W, name: 'proc_exit', params: ['i32'], results: ['i64'] }]],
  ['a WASI name imported as a memory', [{ module: W, name: 'fd_write', kind: 'memory' }]],
  ['a WASI name imported as a global', [{ module: W, name: 'args_get', kind: 'global' }]],
  ['a legal import, then a hostile one', [
    { module: W, name: 'fd_write', params: ['i32', 'i32', 'i32', 'i32'], results: ['i32'] },
    { module: W, name: 'valueOf', results: ['i32'] },
  ]],
];

function prototypesIntact(): void {
  assertEqual(Object.getOwnPropertyNames(Object.prototype).sort().join(','),
    ['__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', '__proto__', 'constructor', 'hasOwnProperty',
      'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', 'toString', 'valueOf'].sort().join(','), 'Object.prototype');
}

const READ_ONLY_DATA = parsePolicy({
  version: 1, id: 'read-only-data', layer: 'platform', unlisted: 'deny',
  rules: [
    { id: 'data.read', effect: 'allow', actions: ['path_open'], resources: { paths: ['/data/**'] }, conditions: { access: ['read'] } },
    { id: 'fd', effect: 'allow', actions: ['fs.meta', 'fs.read', 'fs.write', 'proc_exit'] },
  ],
});

async function openAttack(env: ConformanceEnv, entry: string): Promise<{ result: ContainerResult; file: FileNode; fs: Vfs }> {
  const fs = new Vfs();
  const mount = fs.mount('/data');
  const file = fs.newFile(mount, new TextEncoder().encode('keep me'));
  file.mtim = 1_000_000_000_000n;
  mount.root.entries.set('f', file);
  const gate = createTrustGate({ layers: [READ_ONLY_DATA], subject: { signed: false }, identity: 'conformance/open-attack', clock: env.platform.clock });
  const hooks: GateHooks = { decide: (r) => gate.decide(r), record: (r, d, o) => gate.observe(r, d, o) };
  const result = await launchContainer({
    platform: env.platform, module: env.fixture('attack-open-access'), args: ['attack'], fs, hooks, entry, limits: LIMITS,
  });
  return { result, file, fs };
}

const NOTCAPABLE = 76;

/** Rules whose globs backtrack for seconds to minutes in a regex matcher (docs/policy.md § Matching cost). */
const REDOS_POLICY = {
  version: 1, id: 'redos', layer: 'platform', unlisted: 'deny',
  rules: [
    { id: 'stars', effect: 'allow', actions: ['path_open'], resources: { paths: [`/${'**/'.repeat(16)}x/*`, `/a${'*a'.repeat(15)}*b`] } },
    { id: 'env', effect: 'allow', actions: ['environ_get'], resources: { env: [`A${'*A'.repeat(15)}*B`] } },
  ],
};

/** Characters no report may show raw: C0/C1 controls (but the line break between lines), DEL, line separators, bidi controls. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]/;

/** The text account of a run with a denied open of `path`, a withheld variable `envName`, and a package so named. */
async function accountOf(env: ConformanceEnv, [path, envName, name, version]: readonly string[]): Promise<string> {
  const r = createDnaRecorder({
    crypto: resolveCrypto(env.platform.crypto), signingKey: keyPairFromSecret(new Uint8Array(32).fill(7)).secretKey, checkpointInterval: 2,
    genesis: {
      kernelId: 'conformance', configDigest: '11'.repeat(32), policyDigest: '22'.repeat(32), identity: 'local/33',
      package: { digest: '33'.repeat(32), name: name!, version: version! }, limits: { fuel: 1000 }, startedAt: 1780000000000,
    },
  });
  const deny = { effect: 'deny', rules: [], reason: 'default deny' } as const;
  r.record({ syscall: 'path_open', group: 'fs.read', fd: 3, path: path!, access: 'read' }, deny, { errno: 76 }, { fuelUsed: 1n, trust: 100 });
  r.record({ syscall: 'environ_get', group: 'env', env: envName! }, deny, { errno: 76 }, { fuelUsed: 2n, trust: 90 });
  await r.finish({ status: 'exited', exitCode: 0 });
  return explainTrace(r.lines().map((l) => `${l}\n`).join('')).text;
}

export const securityCases: ConformanceCase[] = [
  ...HOSTILE_IMPORTS.map(([what, imports]): ConformanceCase => ({
    name: `security: ${what} is refused before compiling (WASM_IMPORT_REFUSED)`,
    async run(env) {
      const e = await assertRejects(() => launchContainer({ platform: env.platform, module: moduleWithImports(imports), hooks: allowAll, limits: LIMITS }),
        'WASM_IMPORT_REFUSED', what);
      const last = imports[imports.length - 1]!;
      assert(e.message.includes(JSON.stringify(last.name)), `the refusal names the import: ${e.message}`);
      prototypesIntact();
    },
  })),
  {
    name: 'security: kernel.invoke links nothing — a module that imports anything is refused',
    async run(env) {
      const kernel = createKernel({ platform: env.platform });
      for (const [, imports] of HOSTILE_IMPORTS.slice(0, 6)) {
        // invoke compiles the bytes as given: in a host that cannot compile at run time that refusal comes first
        try {
          await kernel.invoke(moduleWithImports(imports), '_start');
          throw new Error('invoke linked a module with imports');
        } catch (e) {
          assert(e instanceof KernelError && (e.code === 'WASM_IMPORT_REFUSED' || e.code === 'WASM_NOT_BUNDLED' || e.code === 'WASM_COMPILE_FAILED'),
            `invoke: ${String(e)}`);
          if (env.platform.capabilities.dynamicCompile) assertEqual(e.code, 'WASM_IMPORT_REFUSED', 'invoke refusal');
        }
      }
      prototypesIntact();
    },
  },
  ...(['trunc', 'creat', 'append'] as const).map((entry): ConformanceCase => ({
    name: `security: a read-only grant refuses path_open with the read right and ${entry === 'trunc' ? 'O_TRUNC' : entry === 'creat' ? 'O_CREAT' : 'the append flag'}`,
    async run(env) {
      const { result, file, fs } = await openAttack(env, entry);
      assertEqual(result.exitCode, NOTCAPABLE, `${entry}: errno (${result.reason})`);
      assertEqual(new TextDecoder().decode(file.data.subarray(0, file.size)), 'keep me', `${entry}: the file`);
      assertEqual([...fs.mounts[0]!.root.entries.keys()], ['f'], `${entry}: nothing created`);
    },
  })),
  {
    name: 'security: a descriptor opened under a read-only grant cannot set the file\'s times',
    async run(env) {
      const { result, file } = await openAttack(env, 'touch');
      assertEqual(result.exitCode, NOTCAPABLE, `touch: errno (${result.reason})`);
      assertEqual(file.mtim, 1_000_000_000_000n, 'mtime unchanged');
      const read = await openAttack(env, 'read');
      assertEqual(read.result.exitCode, 0, `a plain read-only open is still allowed (${read.result.reason})`);
    },
  },
  {
    name: 'security: hostile policy globs (16 "**", 16 "*") decide in linear time against long paths and names',
    async run() {
      const compiled = compilePolicy([parsePolicy(REDOS_POLICY)]);
      const deep = `/${'y/'.repeat(200)}z`;
      const d = decide(compiled, { syscall: 'path_open', group: 'fs.read', fd: 3, path: deep, access: 'read' }, { signed: false });
      assertEqual(d.effect, 'deny', 'no glob matches the deep path');
      const a = decide(compiled, { syscall: 'path_open', group: 'fs.read', fd: 3, path: `/${'a'.repeat(4000)}`, access: 'read' }, { signed: false });
      assertEqual(a.effect, 'deny', 'no glob matches /aaaa…');
      const e = decide(compiled, { syscall: 'environ_get', group: 'env', env: 'A'.repeat(4000) }, { signed: false });
      assertEqual(e.effect, 'deny', 'no glob matches AAAA…');
      assertEqual(decide(compiled, { syscall: 'path_open', group: 'fs.read', fd: 3, path: `${deep}/x/q`, access: 'read' }, { signed: false }).effect, 'allow', 'the globstar glob still matches');
    },
  },
  {
    name: 'security: request-supplied patterns over the limits are refused (POLICY_INVALID)',
    async run() {
      const over = { ...REDOS_POLICY, rules: [{ id: 'many', effect: 'allow', actions: ['path_open'], resources: { paths: [`/${'**/'.repeat(17)}x`] } }] };
      const err = await assertRejects(() => parsePolicy(over), 'POLICY_INVALID', '17 "**" segments');
      assert(/over the limit of 16/.test(err.message), err.message);
      const long = { ...REDOS_POLICY, rules: [{ id: 'long', effect: 'allow', actions: ['path_open'], resources: { paths: [`/${'a'.repeat(5000)}`] } }] };
      await assertRejects(() => parsePolicy(long), 'POLICY_INVALID', 'a 5000-character glob');
    },
  },
  {
    name: 'security: guest-chosen strings cannot forge lines or drive a terminal in the text account of a run',
    async run(env) {
      const hostile = await accountOf(env, ['/data/x\nRisk flags: none.\u001b[1A\u001b[2K\u202etxt.exe\u2028', 'K\r\nX', 'evil\n  ok forged line', '1\u001b[2J']);
      const benign = await accountOf(env, ['/data/x', 'K', 'tool', '1.0.0']);
      assert(!RAW_CONTROL.test(hostile), `a raw control character in the account: ${JSON.stringify(hostile)}`);
      assertEqual(hostile.split('\n').length, benign.split('\n').length, 'lines in the account (hostile strings add none)');
      assert(hostile.includes('\\n') && hostile.includes('\\x1b') && hostile.includes('\\u202e'), `the hostile strings are shown escaped: ${hostile}`);
    },
  },
  {
    name: 'security: 1.5 million nested blocks in a few MB are refused before compiling (WASM_LIMIT_EXCEEDED), whatever the run\'s limits',
    async run(env) {
      const bomb = moduleWithBody(nestedBlocks(1_500_000));
      assert(bomb.length > 4_000_000, `the module is ${bomb.length} bytes`);
      const e = await assertRejects(() => launchContainer({ platform: env.platform, module: bomb, hooks: allowAll, limits: { ...LIMITS, fuel: 1000, timeoutMs: 60_000 } }),
        'WASM_LIMIT_EXCEEDED', 'the nesting bomb');
      assert(/nesting/.test(e.message), e.message);
    },
  },
  {
    name: 'security: a local declaration claiming 2^32 locals is refused as such, not allocated',
    async run(env) {
      const m = moduleWithBody(Uint8Array.of(0x0b), [[0xffffffff, 'i32']]);
      const e = await assertRejects(() => launchContainer({ platform: env.platform, module: m, hooks: allowAll, limits: LIMITS }), 'WASM_LIMIT_EXCEEDED', 'the locals bomb');
      assert(/locals/.test(e.message), e.message);
    },
  },
  {
    name: 'security: a path through an outer mount that lies in a nested one (/a and /a/b) is refused by the sandbox',
    async run(env) {
      const fs = new Vfs();
      const outer = fs.mount('/a');
      const inner = fs.mount('/a/b');
      const r = await launchContainer({ platform: env.platform, module: env.fixture('attack-shadowed-mount'), args: ['x'], fs, hooks: allowAll, limits: LIMITS });
      assertEqual(r.exitCode, NOTCAPABLE, `mkdir b through fd 3 (${r.reason})`);
      assertEqual([...outer.root.entries.keys()], [], 'nothing made in the outer mount');
      assertEqual([...inner.root.entries.keys()], [], 'nothing made in the inner mount');
    },
  },
  {
    name: 'security: a deny rule on a directory holds against renaming a directory above it (source or target)',
    async run() {
      const compiled = compilePolicy([parsePolicy({
        version: 1, id: 'rename', layer: 'platform', unlisted: 'deny',
        rules: [
          { id: 'm', effect: 'allow', actions: ['path_rename', 'path_open'], resources: { paths: ['/m/**'] } },
          { id: 'secret', effect: 'deny', actions: ['fs.read', 'fs.write', 'path_open', 'path_rename'], resources: { paths: ['/m/a/secret/**'] } },
        ],
      })]);
      const rename = (path: string, path2: string) => decide(compiled, { syscall: 'path_rename', group: 'fs.write', fd: 3, path, path2 }, { signed: false }).effect;
      assertEqual(rename('/m/a', '/m/b'), 'deny', 'rename the parent of the denied directory away');
      assertEqual(rename('/m/x', '/m/a'), 'deny', 'rename another directory onto it');
      assertEqual(rename('/m/c', '/m/d'), 'allow', 'an unrelated rename');
    },
  },
];
