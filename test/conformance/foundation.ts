import { createKernel } from '../../src/kernel.ts';
import { toHex } from '../../src/lib/encoding.ts';
import { assert, assertEqual, assertRejects, type ConformanceCase } from './harness.ts';

export const foundationCases: ConformanceCase[] = [
  {
    name: 'foundation: a module loads through the platform loader and runs an export',
    async run(env) {
      const kernel = createKernel({ platform: env.platform });
      const result = await kernel.invoke(env.fixture('add'), 'add', [40, 2]);
      assertEqual(result, 42, 'add(40, 2)');
    },
  },
  {
    name: 'foundation: a loop of 10^5 iterations computes the same sum in every host',
    async run(env) {
      const kernel = createKernel({ platform: env.platform });
      const result = await kernel.invoke(env.fixture('add'), 'sum_to', [100000]);
      assertEqual(result, 100000n * 100001n / 2n, 'sum_to(100000)');
    },
  },
  {
    name: 'foundation: a missing export is a KernelError WASM_EXPORT_MISSING',
    async run(env) {
      const kernel = createKernel({ platform: env.platform });
      await assertRejects(() => kernel.invoke(env.fixture('add'), 'nope'), 'WASM_EXPORT_MISSING', 'invoke nope');
    },
  },
  {
    name: 'foundation: a trap is a KernelError WASM_TRAP',
    async run(env) {
      const kernel = createKernel({ platform: env.platform });
      await assertRejects(() => kernel.invoke(env.fixture('add'), 'boom'), 'WASM_TRAP', 'invoke boom');
    },
  },
  {
    name: 'foundation: bytes that are not WebAssembly are refused with a typed error',
    async run(env) {
      const kernel = createKernel({ platform: env.platform });
      const junk = new TextEncoder().encode('definitely not wasm');
      const code = env.platform.capabilities.dynamicCompile ? 'WASM_COMPILE_FAILED' : 'WASM_NOT_BUNDLED';
      await assertRejects(() => kernel.compile(junk), code, 'compile junk');
    },
  },
  {
    name: 'foundation: SHA-256 is the same in every host (NIST "abc" vector)',
    async run(env) {
      const kernel = createKernel({ platform: env.platform });
      assertEqual(toHex(kernel.crypto.sha256(new TextEncoder().encode('abc'))),
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'sha256("abc")');
    },
  },
  {
    name: 'foundation: health reports the platform and its capabilities',
    async run(env) {
      const h = createKernel({ platform: env.platform }).health();
      assertEqual(h.status, 'ok', 'status');
      assertEqual(h.platform, env.platform.name, 'platform');
      assert(typeof h.capabilities.dynamicCompile === 'boolean', 'capabilities.dynamicCompile is a flag');
    },
  },
  {
    name: 'foundation: capabilities.blockingSleep is what the host allows (Atomics.wait may block)',
    async run(env) {
      // The core trusts the flag and never probes; this probe checks the adapter told the truth.
      let allowed = false;
      try {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0);
        allowed = true;
      } catch { /* not allowed here, or no SharedArrayBuffer */ }
      assertEqual(env.platform.capabilities.blockingSleep, allowed, 'capabilities.blockingSleep');
    },
  },
];
