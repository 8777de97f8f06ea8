import { fromBase64, toHex, utf8 } from '../lib/encoding.ts';
import { KernelError } from '../errors.ts';
import { launchContainer } from '../execution/container.ts';
import type { GateHooks } from '../ports/gate-hooks.ts';
import { Vfs } from '../execution/wasi/vfs.ts';
import { createDnaRecorder } from '../dna/record/recorder.ts';
import { verifyTrace } from '../dna/verify/verify.ts';
import type { RunStatus } from '../dna/format.ts';
import { builtinPolicy } from '../trust/builtin.ts';
import { compilePolicy } from '../trust/compile.ts';
import { decide } from '../trust/decide.ts';
import { defineSelfTest, expectEqual, flipHex } from './self-test.ts';

/**
 * A tiny WASI guest run through the whole path — instrumentation, the platform's loader, the
 * syscall gate, the baseline policy, the DNA recorder — whose trace must end in a known head.
 * Everything that feeds the trace is fixed (kernel key, nonce, run id, config digest, no clock or
 * random calls), so the head is the same bytes in every host; any change in fuel metering,
 * decisions or the trace encoding changes it.
 */

/** test/fixtures/wat/self-test-guest.wat, compiled (a unit test checks the two agree). */
export const SELF_TEST_GUEST: Uint8Array = fromBase64(
  'AGFzbQEAAAABIwVgBH9/f38Bf2ACf38Bf2AJf39/f39+fn9/AX9gAX8AYAAAApEBBBZ3YXNpX3NuYXBzaG90X3ByZXZpZXcxCGZkX3dyaXRlAAAWd2FzaV9zbmFwc2hvdF9wcmV2aWV3MQ5hcmdzX3NpemVzX2dldAABFndhc2lfc25hcHNob3RfcHJldmlldzEJcGF0aF9vcGVuAAIWd2FzaV9zbmFwc2hvdF9wcmV2aWV3MQlwcm9jX2V4aXQAAwMCAQQFAwEAAQcTAgZtZW1vcnkCAAZfc3RhcnQABAo8AToAQQBBwAA2AgBBBEEQNgIAQQFBAEEBQQgQABpBEEEUEAEaQQNBAEHgAEEGQQBCAkIAQQBBGBACEAMLCyMCAEHAAAsQZm9yZ2Ugc2VsZi10ZXN0CgBB4AALBnNlY3JldA==',
)!;

/**
 * The limits the guest runs under. 16 pages of memory: hosts that cannot compile at run time
 * (Workers) must bundle the guest instrumented with `{ memoryMaxPages: 16 }`.
 */
export const SELF_TEST_GUEST_LIMITS = { fuel: 100_000, memoryBytes: 16 * 65536, timeoutMs: 5_000, stdoutBytes: 1024, stderrBytes: 1024 } as const;

const KERNEL_SEED = new Uint8Array(32).fill(0x5e);

const EXPECTED = {
  status: 'exited',
  exitCode: 76,
  stdout: 'forge self-test\n',
  fuelUsed: '27',
  /** genesis + fd_write + args_sizes_get + path_open (denied) + proc_exit */
  entries: 5,
  head: '121e797e3c9003c225b63e05d800251e31c4dcc5b2bf17ab108989b4f2b1cfe1',
};

export const guestSelfTest = defineSelfTest({
  name: 'wasm-guest-trace',
  vectors: EXPECTED,
  corrupt: (v) => ({ ...v, head: flipHex(v.head) }),
  async run({ platform, crypto }, expected) {
    const fixed = { ...crypto, randomBytes: (n: number) => new Uint8Array(n) };
    const policy = compilePolicy([builtinPolicy('baseline')]);
    const moduleDigest = toHex(crypto.sha256(SELF_TEST_GUEST));
    const recorder = createDnaRecorder({
      crypto: fixed,
      signingKey: KERNEL_SEED,
      checkpointInterval: 1024,
      genesis: {
        kernelId: 'self-test', configDigest: '00'.repeat(32), package: { digest: moduleDigest, name: 'self-test-guest' },
        policyDigest: policy.digest, identity: `self-test/${moduleDigest}`, limits: { ...SELF_TEST_GUEST_LIMITS }, runId: 'self-test',
      },
    });
    const subject = { signed: false, packageName: 'self-test-guest', packageDigest: moduleDigest };
    const hooks: GateHooks = {
      decide: (req) => decide(policy, req, subject),
      record: (req, decision, outcome, ctx) => recorder.record(req, decision, outcome, { fuelUsed: ctx.fuelUsed, trust: 100 }),
    };
    const fs = new Vfs({ now: () => 0n });
    fs.mount('/data', { readonly: true });
    let result;
    try {
      result = await launchContainer({ platform, module: SELF_TEST_GUEST, moduleDigest, args: ['self-test'], fs, limits: SELF_TEST_GUEST_LIMITS, hooks, crypto: fixed });
    } catch (e) {
      if (e instanceof KernelError && e.code === 'WASM_NOT_BUNDLED') return `this host cannot compile at run time and the self-test guest is not bundled (${e.message})`;
      throw e;
    }
    const signed = await recorder.finish({ status: result.status as RunStatus, exitCode: result.exitCode });
    expectEqual(result.status, expected.status, 'guest status');
    expectEqual(result.exitCode, expected.exitCode, 'guest exit code (the errno of the denied call)');
    expectEqual(utf8.decode(result.stdout), expected.stdout, 'guest stdout');
    expectEqual(result.fuelUsed.toString(), expected.fuelUsed, 'fuel used');
    expectEqual(signed.summary.count, expected.entries, 'trace entries');
    expectEqual(signed.summary.head, expected.head, 'trace head');
    const report = await verifyTrace(`${recorder.lines().join('\n')}\n`, { crypto });
    expectEqual(report.ok, true, `trace verification (${report.message})`);
    return undefined;
  },
});
