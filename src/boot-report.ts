/**
 * What a boot reports, step by step. Kept apart from the boot (src/boot.ts) because the kernel
 * carries the report (`Kernel.boot`): it reads the type here without importing the boot, which
 * creates the kernel.
 *
 * The zod schema is the source: the types are derived from it and the health document
 * (src/diagnostics/health.ts) validates against it, so a new boot step or field is one edit here.
 */
import { z } from 'zod';
import type { ConfigProvenance } from './config/load.ts';
import type { LoadedPolicy } from './core/policies.ts';
import type { StoresReport } from './core/stores.ts';
import type { SelfTestReport } from './diagnostics/self-test.ts';
import type { StoredTraceReport, StoredTraceStatus } from './dna/verify/stored.ts';

/**
 * The boot sequence, the same in every host: config → policies → trust roots → self-tests →
 * stores → stored traces → ready. Each step either completes or the boot throws a KernelError
 * naming the step; nothing opened by an earlier step outlives a failed boot, so a kernel is never
 * half-booted. The stored-traces step only reports: a cut or tampered trace never stops a boot.
 */
export const BOOT_STEPS = ['config', 'policies', 'trust-roots', 'self-tests', 'stores', 'stored-traces', 'ready'] as const;
export type BootStep = (typeof BOOT_STEPS)[number];

export const hex64Schema = z.string().regex(/^[0-9a-f]{64}$/);

/** A self-test run (src/diagnostics/self-test.ts): what the boot ran, and what `/health` runs now. */
export const selfTestReportSchema = z.strictObject({
  status: z.enum(['pass', 'fail']),
  ms: z.number().nonnegative(),
  tests: z.array(z.strictObject({
    name: z.string().min(1),
    status: z.enum(['pass', 'fail', 'skip']),
    ms: z.number().nonnegative(),
    message: z.string().optional(),
  })),
});

const storedTraceStatusSchema = z.enum(['ok', 'cut', 'tampered', 'foreign-key', 'invalid', 'unreadable']);

/** What the stored-traces step found: counts by status, and every run that is not ok (the first 50). */
export const storedTracesReportSchema = z.strictObject({
  scope: z.enum(['unsealed', 'all', 'off']),
  checked: z.number().int(),
  counts: z.strictObject({ ok: z.number().int(), cut: z.number().int(), tampered: z.number().int(), 'foreign-key': z.number().int(), invalid: z.number().int(), unreadable: z.number().int() }),
  problems: z.array(z.strictObject({
    runId: z.string(), status: storedTraceStatusSchema, sealed: z.boolean(),
    entries: z.number().int(), verified: z.number().int(), unproven: z.number().int(), message: z.string(),
  })),
});

export const bootStepReportSchema = z.strictObject({
  step: z.enum(BOOT_STEPS),
  status: z.enum(['ok', 'failed']),
  ms: z.number().nonnegative(),
  detail: z.string(),
});

export const bootReportSchema = z.strictObject({
  /** ISO time the boot started (the platform clock). */
  at: z.iso.datetime(),
  /** The configured kernel id, once the config step has read it. */
  kernelId: z.string().nullable(),
  ms: z.number().nonnegative(),
  configDigest: hex64Schema.nullable(),
  config: z.strictObject({
    signature: z.enum(['verified', 'unchecked', 'unsigned']),
    signerKeyId: z.string().nullable(),
    requireSigned: z.boolean(),
    envOverrides: z.array(z.string()),
  }).nullable(),
  policies: z.array(z.strictObject({ layer: z.string(), id: z.string(), source: z.string(), digest: hex64Schema })),
  trustRoots: z.array(z.strictObject({ version: z.number().int(), expires: z.iso.datetime(), keys: z.number().int(), threshold: z.number().int() })),
  selfTests: selfTestReportSchema.nullable(),
  stores: z.strictObject({ kind: z.string(), schemaVersion: z.number().int().nullable(), persistent: z.boolean(), traces: z.number().int(), pruned: z.number().int() }).nullable(),
  storedTraces: storedTracesReportSchema.nullable(),
  steps: z.array(bootStepReportSchema),
});

/** A value as read-only all the way down: reports are frozen once the boot ends. */
type Immutable<T> = T extends readonly (infer U)[] ? readonly Immutable<U>[] : T extends object ? { readonly [K in keyof T]: Immutable<T[K]> } : T;

export type BootStepReport = Immutable<z.infer<typeof bootStepReportSchema>>;
export type BootReport = Immutable<z.infer<typeof bootReportSchema>>;
export type StoredTracesReport = Immutable<z.infer<typeof storedTracesReportSchema>>;

// The parts of a report that other modules declare must match the schema both ways, so a field
// added there (or here) without the other is a compile error, not a health check failing at run time.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Assert<T extends readonly true[]> = T;
export type BootReportMatchesItsSources = Assert<[
  Same<Immutable<Mutable<Omit<ConfigProvenance, 'file'>>>, NonNullable<BootReport['config']>>,
  Same<Pick<LoadedPolicy, 'layer' | 'id' | 'source' | 'digest'>, BootReport['policies'][number]>,
  Same<Immutable<SelfTestReport>, NonNullable<BootReport['selfTests']>>,
  Same<StoresReport, NonNullable<BootReport['stores']>>,
  Same<StoredTraceStatus, z.infer<typeof storedTraceStatusSchema>>,
  Same<Pick<StoredTraceReport, 'runId' | 'status' | 'sealed' | 'entries' | 'verified' | 'unproven' | 'message'>, StoredTracesReport['problems'][number]>,
]>;
