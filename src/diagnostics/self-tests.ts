import { KernelError } from '../errors.ts';
import { ed25519SelfTest, sha256SelfTest } from './crypto-tests.ts';
import { guestSelfTest } from './guest-test.ts';
import { policySelfTest } from './policy-test.ts';
import type { SelfTest, SelfTestContext, SelfTestReport, SelfTestResult } from './self-test.ts';

export type { SelfTest, SelfTestContext, SelfTestReport, SelfTestResult } from './self-test.ts';

/**
 * Every known-answer self-test, in the order they run: the primitives first (everything else is
 * built on them), then the policy graph, then a guest through the whole gate.
 */
export const SELF_TESTS: readonly SelfTest[] = [sha256SelfTest, ed25519SelfTest, policySelfTest, guestSelfTest];

export const SELF_TEST_NAMES: readonly string[] = SELF_TESTS.map((t) => t.name);

export interface RunSelfTestsOptions {
  /**
   * Names of tests to run against deliberately corrupted vectors. For tests of the boot's failure
   * path only: corruption can make a test fail, never pass.
   */
  readonly corrupt?: readonly string[];
}

/**
 * Runs every self-test; a failing test never stops the others.
 * @throws KernelError BAD_REQUEST when `corrupt` names a test that does not exist
 */
export async function runSelfTests(ctx: SelfTestContext, options: RunSelfTestsOptions = {}): Promise<SelfTestReport> {
  const corrupt = new Set(options.corrupt ?? []);
  for (const name of corrupt) {
    if (!SELF_TEST_NAMES.includes(name)) {
      throw new KernelError('BAD_REQUEST', `there is no self-test named "${name}"; the self-tests are ${SELF_TEST_NAMES.join(', ')}`, { name });
    }
  }
  const t0 = performance.now();
  const tests: SelfTestResult[] = [];
  for (const test of SELF_TESTS) {
    const start = performance.now();
    try {
      const skip = await test.run(ctx, corrupt.has(test.name));
      const ms = round(performance.now() - start);
      tests.push(skip === undefined ? { name: test.name, status: 'pass', ms } : { name: test.name, status: 'skip', ms, message: skip });
    } catch (e) {
      const message = e instanceof KernelError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
      tests.push({ name: test.name, status: 'fail', ms: round(performance.now() - start), message });
    }
  }
  return { status: tests.some((t) => t.status === 'fail') ? 'fail' : 'pass', ms: round(performance.now() - t0), tests };
}

/** Milliseconds to 0.001: enough to compare, short to read. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
