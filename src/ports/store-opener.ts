import type { KernelConfig } from '../config/schema.ts';
import type { Stores } from './platform.ts';

/** What a host's store opener hands back: the stores and what it knows of their schema. */
export interface HostStores {
  readonly stores: Stores;
  /** The kind actually opened (`sqlite`, `indexeddb`, `cloudflare` …). */
  readonly kind: string;
  /** The schema version the stores are at after migrating forward; null when they have none. */
  readonly schemaVersion: number | null;
  /** The stores survive a restart of the host (sets the kernel's `persistentStorage` capability). */
  readonly persistent: boolean;
  close?(): void | Promise<void>;
}

/**
 * Opens the stores `config.kind` names (`auto`: the host's default), migrating them forward.
 * `memory` never reaches the opener: the core serves it in every host.
 * @throws KernelError STORE_SCHEMA (written by a newer build), STORE_UNAVAILABLE, CONFIG_INVALID
 *   (a kind this host does not have)
 */
export type StoreOpener = (config: KernelConfig['stores']) => Promise<HostStores>;
