import { z } from 'zod';
import { bootReportSchema, hex64Schema, selfTestReportSchema } from '../boot-report.ts';
import { KernelError } from '../errors.ts';
import type { Kernel } from '../kernel.ts';
import type { Platform } from '../ports/platform.ts';
import { issueText } from '../lib/zod-issues.ts';
import { runSelfTests, type SelfTestReport } from './self-tests.ts';

/**
 * The health document: what `GET /health` answers in every host and what `forge doctor --json`
 * prints. One zod schema defines it, so a test can hold each host's answer against the same shape;
 * the boot report inside it is the boot's own schema (src/boot-report.ts), never a copy.
 */
export const healthDocumentSchema = z.strictObject({
  /** `ok` only when the kernel booted and every self-test of this report passed. */
  status: z.enum(['ok', 'failing']),
  kernelId: z.string().nullable(),
  platform: z.string(),
  capabilities: z.record(z.string(), z.boolean()),
  configDigest: hex64Schema.nullable(),
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

/**
 * The health document of a boot that failed: everything the boot learnt before the failing step.
 * @throws KernelError INTERNAL only if the report the error carries fails its schema (a bug)
 */
export function failedBootHealth(platform: Platform, error: KernelError): HealthDocument {
  const raw = error.details['report'];
  const report = raw === undefined || raw === null ? undefined : conform(bootReportSchema, raw, ['boot']);
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
  return conform(healthDocumentSchema, doc);
}

/** The value as its schema reads it, after the JSON round trip a host's answer takes. */
function conform<S extends z.ZodType>(schema: S, value: unknown, at: readonly PropertyKey[] = []): z.output<S> {
  const r = schema.safeParse(JSON.parse(JSON.stringify(value)));
  if (!r.success) throw new KernelError('INTERNAL', `the health document does not match its schema: ${issueText(r.error.issues[0], { dotted: true, root: '' }, at)}`);
  return r.data;
}
