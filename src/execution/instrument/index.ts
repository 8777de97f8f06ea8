/** Fuel metering and memory caps by bytecode rewriting (docs/limits.md). Web standards only. */
export { instrument, instrumentAsync, type InstrumentOptions, type InstrumentPace, type Instrumented } from './instrument.ts';
export { MODULE_LIMITS, type ModuleLimit } from './limits.ts';
export { createInstrumenter, type Instrumenter, type InstrumenterOptions, type CachedInstrumented } from './cache.ts';
export { FUEL_EXPORT, BULK_UNIT_SHIFT, MEMORY_EXPORT_PREFIX } from './encode.ts';
export { FOLD } from './body.ts';
export type { ImportDecl } from './module.ts';
