import { z } from 'zod';

/** Default limits applied to a run when neither the package nor the caller sets them. */
export const limitsSchema = z.object({
  /** Instruction budget injected into the guest (decremented per function entry, loop iteration). */
  fuel: z.number().int().positive().default(10_000_000_000),
  /** Linear memory cap in bytes. */
  memoryBytes: z.number().int().positive().default(256 * 1024 * 1024),
  /** Wall-clock limit in milliseconds, where the host can interrupt. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** Captured stdout / stderr caps in bytes. */
  stdoutBytes: z.number().int().nonnegative().default(16 * 1024 * 1024),
  stderrBytes: z.number().int().nonnegative().default(1024 * 1024),
});

export const kernelConfigSchema = z.object({
  /** A stable name for this kernel instance; bound into every trace's genesis entry. */
  kernelId: z.string().min(1).default('forgeone'),
  limits: limitsSchema.prefault({}),
  trace: z.object({
    /** A signed Merkle checkpoint every this many entries (and at the end of a run). */
    checkpointInterval: z.number().int().positive().default(1024),
  }).prefault({}),
  packages: z.object({
    /** Largest `.forgepkg` accepted, in bytes. */
    maxBytes: z.number().int().positive().default(64 * 1024 * 1024),
  }).prefault({}),
});

export type KernelConfig = z.infer<typeof kernelConfigSchema>;
export type KernelConfigInput = z.input<typeof kernelConfigSchema>;
export type Limits = z.infer<typeof limitsSchema>;
