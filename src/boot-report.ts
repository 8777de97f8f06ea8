/**
 * What a boot reports, step by step. Kept apart from the boot (src/boot.ts) because the kernel
 * carries the report (`Kernel.boot`): it reads the type here without importing the boot, which
 * creates the kernel.
 */
import type { ConfigProvenance } from './config/load.ts';
import type { LoadedPolicy } from './core/policies.ts';
import type { StoresReport } from './core/stores.ts';
import type { SelfTestReport } from './diagnostics/self-test.ts';
import type { StoredTraceReport, StoredTraceStatus } from './observer/stored.ts';

/**
 * The boot sequence, the same in every host: config → policies → trust roots → self-tests →
 * stores → stored traces → ready. Each step either completes or the boot throws a KernelError
 * naming the step; nothing opened by an earlier step outlives a failed boot, so a kernel is never
 * half-booted. The stored-traces step only reports: a cut or tampered trace never stops a boot.
 */
export const BOOT_STEPS = ['config', 'policies', 'trust-roots', 'self-tests', 'stores', 'stored-traces', 'ready'] as const;
export type BootStep = (typeof BOOT_STEPS)[number];

export interface BootStepReport {
  readonly step: BootStep;
  readonly status: 'ok' | 'failed';
  readonly ms: number;
  readonly detail: string;
}

export interface BootReport {
  /** ISO time the boot started (the platform clock). */
  readonly at: string;
  /** The configured kernel id, once the config step has read it. */
  readonly kernelId: string | null;
  readonly ms: number;
  readonly configDigest: string | null;
  readonly config: Omit<ConfigProvenance, 'file'> | null;
  readonly policies: readonly Pick<LoadedPolicy, 'layer' | 'id' | 'source' | 'digest'>[];
  readonly trustRoots: ReadonlyArray<{ readonly version: number; readonly expires: string; readonly keys: number; readonly threshold: number }>;
  readonly selfTests: SelfTestReport | null;
  readonly stores: StoresReport | null;
  readonly storedTraces: StoredTracesReport | null;
  readonly steps: readonly BootStepReport[];
}

/** What the stored-traces step found: counts by status, and every run that is not ok (the first 50). */
export interface StoredTracesReport {
  readonly scope: 'unsealed' | 'all' | 'off';
  readonly checked: number;
  readonly counts: Readonly<Record<StoredTraceStatus, number>>;
  readonly problems: readonly Pick<StoredTraceReport, 'runId' | 'status' | 'sealed' | 'entries' | 'verified' | 'unproven' | 'message'>[];
}
