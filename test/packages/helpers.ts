/** Shared test material: deterministic keys, a root over them, the `add` fixture as a module. */
import { buildFixtures, readFixtures } from '../fixtures/build.ts';
import {
  createTrustRoot, keyPairFromSecret, nobleCrypto, packPackage,
  type KeyPair, type RootDraft, type TrustRoot,
} from '../../src/packages/index.ts';
import { toHex } from '../../src/lib/encoding.ts';

export const NOW = Date.parse('2026-06-01T00:00:00Z');
export const LATER = '2030-01-01T00:00:00Z';
export const crypto = nobleCrypto;

/** Key number `n`: a fixed seed, so failures reproduce. */
export function key(n: number): KeyPair {
  return keyPairFromSecret(new Uint8Array(32).fill(n));
}

export async function addModule(): Promise<Uint8Array> {
  await buildFixtures();
  const m = readFixtures().get('add');
  if (!m) throw new Error('fixture add was not built');
  return m;
}

/** A draft trusting `keys` with both roles; override any field. */
export function draftOf(keys: readonly KeyPair[], extra: Partial<RootDraft> = {}): RootDraft {
  return {
    expires: LATER, threshold: 1, packageThreshold: 1,
    keys: keys.map((k) => ({ id: k.keyId, publicKey: toHex(k.publicKey) })),
    ...extra,
  };
}

export function rootOf(keys: readonly KeyPair[], extra: Partial<RootDraft> = {}, signers: readonly KeyPair[] = keys): Promise<TrustRoot> {
  return createTrustRoot(draftOf(keys, extra), signers, { crypto, now: NOW });
}

export const MANIFEST = { name: 'acme/hello', version: '1.0.0' };

export async function packWith(keys: readonly KeyPair[], manifest: unknown = MANIFEST, files?: Record<string, Uint8Array>): Promise<Uint8Array> {
  return packPackage({ module: await addModule(), manifest, ...(files && { files }) }, { crypto, keys });
}

import assert from 'node:assert/strict';
import { KernelError, type ErrorCode } from '../../src/errors.ts';
import { digestContent } from '../../src/packages/content.ts';
import { pae, type DsseEnvelope } from '../../src/packages/dsse.ts';
import { utf8 } from '../../src/lib/encoding.ts';
import { encodePackage, FORMAT_VERSION } from '../../src/packages/format.ts';
import { statementBytes, STATEMENT_PAYLOAD_TYPE, type Subject } from '../../src/packages/statement.ts';

export interface CraftParts {
  manifest?: unknown;
  manifestBytes?: Uint8Array;
  module?: Uint8Array;
  files?: Map<string, Uint8Array>;
  keys?: readonly KeyPair[];
  /** Rewrites the statement's subjects before they are signed. */
  subjects?: (s: Subject[]) => Subject[];
  /** Rewrites the envelope after signing. */
  envelope?: (e: DsseEnvelope) => DsseEnvelope;
}

/**
 * Builds a package the way a hostile author could: correct framing and genuine signatures over
 * whatever content is given, bypassing packPackage's own checks.
 */
export async function craft(p: CraftParts = {}): Promise<Uint8Array> {
  const manifestBytes = p.manifestBytes ?? utf8.encode(JSON.stringify(p.manifest ?? MANIFEST));
  const module = p.module ?? await addModule();
  const files = p.files ?? new Map<string, Uint8Array>();
  let subjects = digestContent(crypto, manifestBytes, module, files).subjects;
  if (p.subjects) subjects = p.subjects(subjects);
  const payload = statementBytes(subjects, FORMAT_VERSION);
  const signatures = [];
  for (const k of p.keys ?? [key(1)]) signatures.push({ keyid: k.keyId, sig: await crypto.signEd25519(pae(STATEMENT_PAYLOAD_TYPE, payload), k.secretKey) });
  let envelope: DsseEnvelope = { payloadType: STATEMENT_PAYLOAD_TYPE, payload, signatures };
  if (p.envelope) envelope = p.envelope(envelope);
  return encodePackage({ manifestBytes, module, files, envelope });
}

/** Awaits `fn`, demands a KernelError with `code`, and returns it. */
export async function rejectsWith(fn: () => unknown, code: ErrorCode): Promise<KernelError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected ${code}, but it succeeded`);
  assert.ok(caught instanceof KernelError, `expected KernelError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  return caught;
}
