/**
 * Types for the `cloudflare:workers` module. @cloudflare/workers-types is imported explicitly
 * (its globals clash with the DOM lib), and its importable form exposes this module's classes as
 * the `CloudflareWorkersModule` namespace instead of declaring the module itself.
 */
declare module 'cloudflare:workers' {
  import type { CloudflareWorkersModule } from '@cloudflare/workers-types';
  export const DurableObject: typeof CloudflareWorkersModule.DurableObject;
  export type DurableObject<Env = unknown> = CloudflareWorkersModule.DurableObject<Env>;
  export const WorkerEntrypoint: typeof CloudflareWorkersModule.WorkerEntrypoint;
  export type WorkerEntrypoint<Env = unknown> = CloudflareWorkersModule.WorkerEntrypoint<Env>;
}
