/**
 * The conformance harness: cases written once, run unchanged in Node, inside a Chromium Service
 * Worker and inside workerd. Web standards only — it is bundled into the SW and the Worker.
 */
import type { Platform, Stores } from '../../src/ports/index.ts';
import { KernelError, type ErrorCode } from '../../src/errors.ts';

export type RuntimeName = 'node' | 'browser' | 'cloudflare';

export interface ConformanceEnv {
  /** For reports and skips only; cases never branch on it for behaviour. */
  readonly runtime: RuntimeName;
  /** The host's real platform (its loader, clock, capabilities; in-memory stores). */
  readonly platform: Platform;
  /** Bytes of a fixture built by test/fixtures/build.ts (`.cache/fixtures/NAME.wasm`). */
  fixture(name: string): Uint8Array;
  /** Fresh, empty, real stores of this host (SQLite, IndexedDB, KV + Durable Objects), when it has them. */
  makeStores?(): Promise<Stores>;
}

export interface ConformanceCase {
  readonly name: string;
  /** Returns a reason to skip in this env, or undefined to run. A skip is reported with its reason. */
  skip?(env: ConformanceEnv): string | undefined;
  run(env: ConformanceEnv): Promise<void>;
}

export interface CaseResult {
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly ms: number;
  readonly message?: string;
}

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AssertionError(message);
}

export function assertEqual<T>(actual: T, expected: T, what: string): void {
  const a = stable(actual);
  const e = stable(expected);
  if (a !== e) throw new AssertionError(`${what}: expected ${e}, got ${a}`);
}

/** Awaits `fn` and checks it failed with a KernelError of `code`; returns that error. */
export async function assertRejects(fn: () => unknown, code: ErrorCode, what: string): Promise<KernelError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof KernelError && e.code === code) return e;
    const got = e instanceof KernelError ? `KernelError ${e.code}: ${e.message}` : String(e);
    throw new AssertionError(`${what}: expected KernelError ${code}, got ${got}`);
  }
  throw new AssertionError(`${what}: expected KernelError ${code}, but it succeeded`);
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `bytes:${[...x].join(',')}` : x));
}

/** Runs every case in order; a failure is caught, reported and never stops the rest. */
export async function runCases(cases: readonly ConformanceCase[], env: ConformanceEnv): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    const t0 = performance.now();
    const why = c.skip?.(env);
    if (why !== undefined) {
      results.push({ name: c.name, status: 'skip', ms: 0, message: why });
      continue;
    }
    try {
      await c.run(env);
      results.push({ name: c.name, status: 'pass', ms: performance.now() - t0 });
    } catch (e) {
      const message = e instanceof KernelError ? `KernelError ${e.code}: ${e.message}` : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      results.push({ name: c.name, status: 'fail', ms: performance.now() - t0, message });
    }
  }
  return results;
}
