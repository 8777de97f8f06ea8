import { parseTrustRoot, type TrustRoot } from '../packages/trust-root.ts';
import { verifyTrustRoot } from '../packages/root-signing.ts';
import { KernelError } from '../errors.ts';
import type { CryptoProvider } from '../ports/crypto-provider.ts';

/** A trust-root document and where it came from, for the message when it is refused. */
export interface RootSource {
  /** Parsed JSON, JSON text or UTF-8 bytes. */
  readonly document: unknown;
  readonly source: string;
}

/**
 * Parses each root, checks its own threshold of signatures and refuses an expired one — at boot,
 * so a kernel never starts with a trust anchor it would refuse at the first package.
 * @throws KernelError TRUST_ROOT_INVALID, TRUST_ROOT_EXPIRED, the message and `details.source` naming the root
 */
export async function loadTrustRoots(roots: readonly RootSource[], crypto: CryptoProvider, now: number): Promise<TrustRoot[]> {
  const out: TrustRoot[] = [];
  for (const { document, source } of roots) {
    try {
      const json = typeof document === 'string' ? JSON.parse(document) as unknown
        : document instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(document)) as unknown : document;
      out.push(await verifyTrustRoot(parseTrustRoot(json), { crypto, now }));
    } catch (e) {
      if (e instanceof KernelError) throw new KernelError(e.code, `${source}: ${e.message}`, { ...e.details, source }, { cause: e });
      throw new KernelError('TRUST_ROOT_INVALID', `${source}: not JSON: ${e instanceof Error ? e.message : String(e)}`, { source });
    }
  }
  return out;
}
