/**
 * ForgeOne's public API: the prelude. Web standards only — safe to bundle for any host; the
 * host adapters are reached through `platform/node`, `platform/browser`, `platform/cloudflare`.
 */
export { createKernel, type Kernel, type KernelOptions, type HealthReport } from './kernel.ts';
export { bootKernel, type BootOptions, type BootedKernel } from './boot.ts';
export type { BootReport } from './boot-report.ts';
export { runGuest, exitCodeOfResult, type RunRequest, type RunOutcome, type BuiltinPolicyName } from './core/run.ts';
export { replayGuest, openRecordedTrace, type ReplayRequest, type ReplayOutcome, type ReplayDivergence, type RecordedTrace } from './core/replay.ts';
export { launchContainer, type ContainerOptions, type ContainerResult, type ContainerStatus } from './execution/container.ts';
export { secureSyscall } from './execution/gate.ts';
export { Vfs } from './execution/wasi/vfs.ts';
export { instrument, createInstrumenter, FUEL_EXPORT } from './execution/instrument/index.ts';
export { KernelError, isKernelError, httpStatusOf, exitCodeOf, ERROR_CODES, type ErrorCode } from './errors.ts';
export { resolveConfig, type KernelConfig, type Limits } from './config/index.ts';
export { createApp } from './http/app.ts';
export { memoryStores, memoryTraceStore, memoryQuarantineStore, memoryPackageStore } from './stores/memory.ts';
export * from './ports/index.ts';
/** Packages (`.forgepkg`), keys and trust roots. */
export * as packages from './packages/index.ts';
/** The zero-trust policy graph, trust vector and quarantine. */
export * as trust from './trust/index.ts';
/** The Execution DNA: record, verify, prove, explain, export, replay. */
export * as dna from './dna/index.ts';
