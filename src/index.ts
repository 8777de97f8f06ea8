/** ForgeOne's public API: the prelude. Web standards only — safe to bundle for any host. */
export { createKernel, type Kernel, type KernelOptions, type HealthReport } from './kernel.ts';
export { KernelError, isKernelError, httpStatusOf, exitCodeOf, ERROR_CODES, type ErrorCode } from './errors.ts';
export { resolveConfig, type KernelConfig, type Limits } from './config/index.ts';
export { createApp } from './http/app.ts';
export { memoryStores, memoryTraceStore, memoryQuarantineStore, memoryPackageStore } from './stores/memory.ts';
export { nobleCrypto } from './crypto/noble.ts';
export * from './ports/index.ts';
