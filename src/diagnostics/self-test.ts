import type { CryptoProvider } from '../ports/crypto-provider.ts';
import type { Platform } from '../ports/platform.ts';

/**
 * The shape of one known-answer self-test. Each test owns its vectors and knows how to corrupt
 * them, so a boot option can prove — in every host — that a wrong answer really stops the boot.
 */

export interface SelfTestContext {
  readonly platform: Platform;
  /** The crypto the kernel will use (the platform's pieces over noble): the thing under test. */
  readonly crypto: CryptoProvider;
}

export interface SelfTestResult {
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  /** Wall time of the test in milliseconds. */
  readonly ms: number;
  /** Why it failed or was skipped. */
  readonly message?: string;
}

export interface SelfTestReport {
  /** `fail` when any test failed; skips do not fail the report but are listed with their reason. */
  readonly status: 'pass' | 'fail';
  readonly ms: number;
  readonly tests: readonly SelfTestResult[];
}

/** A self-test ready to run: its vectors are bound in; `corrupted` runs it against altered answers. */
export interface SelfTest {
  readonly name: string;
  /**
   * Checks the kernel against the known answers.
   * @returns a reason when this host cannot run the test (reported as a skip)
   * @throws anything when an answer is wrong (reported as a failure with the error's message)
   */
  run(ctx: SelfTestContext, corrupted: boolean): Promise<string | undefined>;
}

/** Binds a test's vectors and its corruption (which must change at least one expected answer). */
export function defineSelfTest<V>(t: {
  name: string;
  vectors: V;
  corrupt(vectors: V): V;
  run(ctx: SelfTestContext, vectors: V): Promise<string | undefined>;
}): SelfTest {
  return { name: t.name, run: (ctx, corrupted) => t.run(ctx, corrupted ? t.corrupt(t.vectors) : t.vectors) };
}

/** The same hex string with its last digit changed: a corrupted expected answer. */
export function flipHex(hex: string): string {
  const last = hex.at(-1) ?? '0';
  return hex.slice(0, -1) + (last === '0' ? '1' : '0');
}

/** Thrown by a self-test when an answer disagrees with the vector. */
export class SelfTestMismatch extends Error {
  override readonly name = 'SelfTestMismatch';
}

export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new SelfTestMismatch(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}
