/**
 * The WASI programs that need no host directory, run through launchContainer in every host (Node,
 * a Chromium Service Worker, workerd): the filesystem is a VFS made inside the case, stdin comes
 * from bytes. Fuel stops the infinite loop everywhere, even where timers cannot interrupt.
 */
import { launchContainer, type ContainerOptions, type ContainerResult } from '../../src/execution/container.ts';
import type { GateHooks } from '../../src/ports/gate-hooks.ts';
import { Vfs } from '../../src/execution/wasi/vfs.ts';
import { assert, assertEqual, type ConformanceCase, type ConformanceEnv } from './harness.ts';

/**
 * Every case runs with a 1 MiB memory cap, so each module is instrumented with
 * `{ memoryMaxPages: 16 }` — a variant the conformance bundle already carries for workerd, which
 * cannot compile at run time.
 */
const LIMITS = { memoryBytes: 1024 * 1024 } as const;

const allowAll: GateHooks = { decide: () => ({ effect: 'allow', rules: ['conformance'], reason: 'conformance run' }), record: () => {} };
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function run(env: ConformanceEnv, name: string, args: string[], extra: Partial<ContainerOptions> = {}): Promise<ContainerResult> {
  return launchContainer({
    platform: env.platform, module: env.fixture(name), args: [`${name}.wasm`, ...args], hooks: allowAll, ...extra,
    limits: { ...LIMITS, ...extra.limits },
  });
}

function withRoot(): Vfs {
  const vfs = new Vfs();
  vfs.mount('/');
  return vfs;
}

function checksPass(r: ContainerResult, what: string): void {
  assertEqual(r.status, 'exited', `${what}: status (${r.reason}) ${text(r.stdout)}`);
  assertEqual(r.exitCode, 0, `${what}: exit code, output: ${text(r.stdout)}`);
  assert(/^ok$/m.test(text(r.stdout)) && !/FAIL/.test(text(r.stdout)), `${what}: ${text(r.stdout)}`);
}

const selfChecking = ['wasi-files', 'wasi-dirs', 'wasi-symlinks', 'wasi-paths', 'wasi-clock-random'];

export const wasiCases: ConformanceCase[] = [
  ...selfChecking.map((name): ConformanceCase => ({
    name: `wasi: ${name} passes every check over an in-memory filesystem`,
    async run(env) {
      checksPass(await run(env, name, [], { fs: withRoot() }), name);
    },
  })),
  {
    name: 'wasi: every pointer past the end of memory is EFAULT, never a trap or a host exception',
    async run(env) {
      checksPass(await run(env, 'wasi-efault', [], { fs: withRoot(), env: [['X', '1']] }), 'wasi-efault');
    },
  },
  {
    name: 'wasi: args, environment, stdin from bytes, stdout and stderr',
    async run(env) {
      let r = await run(env, 'wasi-args-env', ['a b', ''], { env: [['K', 'v=1']] });
      assertEqual(text(r.stdout), 'argv[0]=wasi-args-env.wasm\nargv[1]=a b\nargv[2]=\nenv K=v=1\nok\n', 'args and env');
      r = await run(env, 'wasi-stdio', [], { stdin: new TextEncoder().encode('in') });
      assertEqual([text(r.stdout), text(r.stderr)], ['hello\nstdin: in|\nok\n', 'hello\n'], 'stdio');
    },
  },
  {
    name: 'wasi: proc_exit codes, traps and sockets (EBADF, ENOTSOCK)',
    async run(env) {
      assertEqual((await run(env, 'wasi-proc', ['exit', '33'])).exitCode, 33, 'proc_exit(33)');
      const t = await run(env, 'wasi-proc', ['trap']);
      assertEqual([t.status, t.exitCode], ['trapped', 134], 'trap');
      checksPass(await run(env, 'wasi-proc', ['sock']), 'sockets');
    },
  },
  {
    name: 'wasi: an infinite loop is stopped by fuel, with the same fuel used in every host',
    async run(env) {
      const r = await run(env, 'wasi-spin', [], { limits: { fuel: 1_000_000, timeoutMs: 60_000 } });
      assertEqual([r.status, r.exitCode, r.fuelUsed], ['fuel-exhausted', 124, 1_000_000n], 'spin');
      const e = await run(env, 'wasi-proc', ['exit', '0']);
      assert(e.fuelUsed > 0n, 'fuel used is reported');
    },
  },
  {
    name: 'wasi: memory.grow past the cap returns -1; 10^6 writes meet the stdout cap as output-limit',
    async run(env) {
      const g = await run(env, 'wasi-grow-bomb', [], { limits: { memoryBytes: 1024 * 1024 } });
      assertEqual([g.status, g.exitCode, g.peakMemoryBytes], ['exited', 16, 1024 * 1024], 'grow bomb');
      const f = await run(env, 'wasi-flood', [], { limits: { stdoutBytes: 4096 } });
      assertEqual([f.status, f.exitCode, f.stdout.length], ['output-limit', 125, 4096], 'flood');
    },
  },
];
