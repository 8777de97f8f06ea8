/** What the workerd test Worker (workerd-entry.ts) is configured with; the test reads the same values. */
export const WORKERD_TOKEN = 'workerd-quarantine-token-0123456789';

/** The FORGE_CONFIG document: the trust root is a reference the Worker reads from KV (`config/root.json`). */
export const WORKERD_CONFIG = {
  kernelId: 'workerd-http',
  trust: { roots: [{ ref: 'root.json' }] },
  api: { tokens: [{ id: 'ci', scopes: ['runs:execute', 'traces:read', 'quarantine:read'] }] },
};
