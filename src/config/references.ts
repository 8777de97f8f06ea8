import { utf8 } from '../lib/encoding.ts';
import { formatIssuePath } from '../lib/zod-issues.ts';
import { KernelError } from '../errors.ts';
import { resolveConfig } from './resolve.ts';
import type { KernelConfig } from './schema.ts';
import { rejectSecrets } from './secrets.ts';

/**
 * A config may name policy and trust-root documents by reference (`{ "ref": "policies/base.json" }`).
 * The host resolves a reference its own way — a file relative to the config file in Node, a
 * binding or bundled asset elsewhere — and the kernel inlines the document, so the frozen config
 * (and its digest, hence every trace's genesis entry) covers the documents themselves, not names.
 */
export type ReferenceKind = 'policy' | 'trust-root';

/** Returns the referenced document's text or bytes. May throw; the failure is reported with the field's path. */
export type ResolveRef = (ref: string, kind: ReferenceKind) => Promise<string | Uint8Array>;

/** Where each inlined document came from, for the boot report. */
export interface ResolvedReference {
  readonly path: string;
  readonly ref: string;
}

/**
 * Replaces every `{ ref }` in `policy` and `trust.roots` by `{ document }`.
 * @throws KernelError CONFIG_INVALID (no resolver, unresolvable, a secret in the document),
 *   CONFIG_MALFORMED (the document is not JSON) — naming the field's path and the reference
 */
export async function inlineReferences(config: Readonly<KernelConfig>, resolve: ResolveRef | undefined): Promise<{ config: Readonly<KernelConfig>; references: ResolvedReference[] }> {
  const references: ResolvedReference[] = [];
  const load = async (source: { ref?: string | undefined }, path: (string | number)[], kind: ReferenceKind): Promise<Record<string, unknown> | undefined> => {
    if (source.ref === undefined) return undefined;
    const where = formatIssuePath(path);
    if (!resolve) throw new KernelError('CONFIG_INVALID', `config field "${where}": this host cannot resolve references; give the document inline`, { path: where });
    let raw: string | Uint8Array;
    try {
      raw = await resolve(source.ref, kind);
    } catch (e) {
      throw new KernelError('CONFIG_INVALID', `config field "${where}": cannot read ${JSON.stringify(source.ref)}: ${e instanceof Error ? e.message : String(e)}`, { path: where, ref: source.ref }, { cause: e });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(typeof raw === 'string' ? raw : utf8.decode(raw));
    } catch (e) {
      throw new KernelError('CONFIG_MALFORMED', `config field "${where}": ${JSON.stringify(source.ref)} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, { path: where, ref: source.ref });
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
      throw new KernelError('CONFIG_INVALID', `config field "${where}": ${JSON.stringify(source.ref)} must hold a JSON object`, { path: where, ref: source.ref });
    }
    rejectSecrets(doc, path);
    references.push({ path: where, ref: source.ref });
    return doc as Record<string, unknown>;
  };
  const inline = async <S extends { ref?: string | undefined }>(source: S, path: (string | number)[], kind: ReferenceKind) => {
    const document = await load(source, path, kind);
    return document ? { document } : source;
  };

  const tenants: Record<string, unknown> = {};
  for (const [id, source] of Object.entries(config.policy.tenants)) tenants[id] = await inline(source, ['policy', 'tenants', id], 'policy');
  const roots: unknown[] = [];
  for (const [i, source] of config.trust.roots.entries()) roots.push(await inline(source, ['trust', 'roots', i], 'trust-root'));
  const next = {
    ...config,
    policy: { platform: await inline(config.policy.platform, ['policy', 'platform'], 'policy'), tenants },
    trust: { ...config.trust, roots },
  };
  return { config: references.length ? resolveConfig(structuredClone(next)) : config, references };
}
