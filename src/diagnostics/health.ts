import { z } from 'zod';
import type { BootReport } from '../boot-report.ts';
import { KernelError } from '../errors.ts';
import type { Kernel } from '../kernel.ts';
import type { Platform } from '../ports/platform.ts';
import { runSelfTests, type SelfTestReport } from './self-tests.ts';

/**
 * The health document: what `GET /health` answers in every host and what `forge doctor --json`
 * prints. One zod schema defines it, so a test can hold each host's answer against the same shape.
 */
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const selfTestReportSchema = z.strictObject({
  status: z.enum(['pass', 'fail']),
  ms: z.number().nonnegative(),
  tests: z.array(z.strictObject({
    name: z.string().min(1),
    status: z.enum(['pass', 'fail', 'skip']),
    ms: z.number().nonnegative(),
    message: z.string().optional(),
  })),
});

const bootReportSchema = z.strictObject({
  at: z.iso.datetime(),
  kernelId: z.string().nullable(),
  ms: z.number().nonnegative(),
  configDigest: hex64.nullable(),
  config: z.strictObject({
    signature: z.enum(['verified', 'unchecked', 'unsigned']),
    signerKeyId: z.string().nullable(),
    requireSigned: z.boolean(),
    envOverrides: z.array(z.string()),
  }).nullable(),
  policies: z.array(z.strictObject({ layer: z.string(), id: z.string(), source: z.string(), digest: hex64 })),
  trustRoots: z.array(z.strictObject({ version: z.number().int(), expires: z.iso.datetime(), keys: z.number().int(), threshold: z.number().int() })),
  selfTests: selfTestReportSchema.nullable(),
  stores: z.strictObject({ kind: z.string(), schemaVersion: z.number().int().nullable(), persistent: z.boolean(), traces: z.number().int(), pruned: z.number().int() }).nullable(),
  storedTraces: z.strictObject({
    scope: z.enum(['unsealed', 'all', 'off']),
    checked: z.number().int(),
    counts: z.strictObject({ ok: z.number().int(), cut: z.number().int(), tampered: z.number().int(), 'foreign-key': z.number().int(), invalid: z.number().int(), unreadable: z.number().int() }),
    problems: z.array(z.strictObject({
      runId: z.string(), status: z.enum(['cut', 'tampered', 'foreign-key', 'invalid', 'unreadable', 'ok']), sealed: z.boolean(),
      entries: z.number().int(), verified: z.number().int(), unproven: z.number().int(), message: z.string(),
    })),
  }).nullable(),
  steps: z.array(z.strictObject({
    step: z.enum(['config', 'policies', 'trust-roots', 'self-tests', 'stores', 'stored-traces', 'ready']),
    status: z.enum(['ok', 'failed']),
    ms: z.number().nonnegative(),
    detail: z.string(),
  })),
});

export const healthDocumentSchema = z.strictObject({
  /** `ok` only when the kernel booted and every self-test of this report passed. */
  status: z.enum(['ok', 'failing']),
  kernelId: z.string().nullable(),
  platform: z.string(),
  capabilities: z.record(z.string(), z.boolean()),
  configDigest: hex64.nullable(),
  /** The self-tests of this report: run now for `/health`, the boot's own run for `forge doctor`. */
  selfTests: selfTestReportSchema.nullable(),
  /** The boot that produced the kernel; null for a kernel made by `createKernel` without a boot. */
  boot: bootReportSchema.nullable(),
  /** Why the kernel is not healthy, when a boot step failed. */
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
});

export type HealthDocument = z.infer<typeof healthDocumentSchema>;

/**
 * The health of a running kernel. Runs the self-tests now unless a report is given.
 * @throws KernelError INTERNAL only if the document fails its own schema (a bug)
 */
export async function kernelHealth(kernel: Kernel, selfTests?: SelfTestReport): Promise<HealthDocument> {
  const tests = selfTests ?? await runSelfTests({ platform: kernel.platform, crypto: kernel.crypto });
  return check({
    status: tests.status === 'pass' ? 'ok' : 'failing',
    kernelId: kernel.config.kernelId,
    platform: kernel.platform.name,
    capabilities: { ...kernel.platform.capabilities },
    configDigest: kernel.configDigest,
    selfTests: tests,
    boot: kernel.boot,
    error: null,
  });
}

/** The health document of a boot that failed: everything the boot learnt before the failing step. */
export function failedBootHealth(platform: Platform, error: KernelError): HealthDocument {
  const report = error.details['report'] as BootReport | undefined;
  return check({
    status: 'failing',
    kernelId: report?.kernelId ?? null,
    platform: platform.name,
    capabilities: { ...platform.capabilities },
    configDigest: report?.configDigest ?? null,
    selfTests: report?.selfTests ?? null,
    boot: report ?? null,
    error: { code: error.code, message: error.message },
  });
}

function check(doc: Record<keyof HealthDocument, unknown>): HealthDocument {
  const r = healthDocumentSchema.safeParse(JSON.parse(JSON.stringify(doc)));
  if (!r.success) throw new KernelError('INTERNAL', `the health document does not match its schema: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
  return r.data;
}
