/** The configuration graph: one schema, sources merged defaults ← file ← environment, frozen and digested. */
export {
  kernelConfigSchema, limitsSchema, policySourceSchema, BUILTIN_POLICIES, STORE_KINDS, API_SCOPES,
  type KernelConfig, type KernelConfigInput, type Limits, type PolicySource, type TenantPolicySource, type TrustRootSource, type ApiToken,
} from './schema.ts';
export { resolveConfig } from './resolve.ts';
export { configDigest } from './digest.ts';
export { loadConfig, type ConfigSources, type ConfigTrust, type ConfigProvenance, type KernelSecrets, type LoadedConfig } from './load.ts';
export { CONFIG_ENV, BOOT_ENV, API_TOKEN_ENV_PREFIX, apiTokenEnvName, type EnvBinding } from './env.ts';
export { CONFIG_PAYLOAD_TYPE, signConfig, openEnvelope, isEnvelope, type ConfigEnvelope } from './signature.ts';
export { looksSecret } from './secrets.ts';
export type { KernelConfigInput as ConfigInput } from './schema.ts';
