import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from '@jest/globals';
import type { Store } from '../../lib/index.js';
import {
  describeStoreConformance,
  type StoreCapability,
  type StoreConformanceSettings,
} from '../../lib/testing/index.js';

/** What a contract run needs: a store, and a way to release what `make` opened. */
export interface ContractSubject {
  store: Store<string, unknown>;
  cleanup(): Promise<void>;
}

/**
 * The options of the published suite (nestjs-delegated-store/testing), with the two shorthands the
 * store specs use. `isolated` defaults to true here: every `make` of this repository's specs gives a
 * store of its own (a fresh MemoryStore, a Redis prefix or a Keyv namespace of its own).
 */
export interface StoreContractOptions extends StoreConformanceSettings<unknown> {
  /** Fail, rather than skip, the expiry checks when the store has no `getWithExpiry`/`getManyWithExpiry`. */
  requireExpiry?: boolean;
  /** Fail, rather than skip, the batch checks when the store has no batch forms. */
  requireBatch?: boolean;
}

/** The conformance suite (lib/testing) in jest, for the stores of this package. */
export function storeContract(
  name: string,
  make: () => Promise<ContractSubject>,
  options: StoreContractOptions = {},
): void {
  const { requireExpiry, requireBatch, require = [], ...rest } = options;
  const required: StoreCapability[] = [...require];
  if (requireExpiry) required.push('getWithExpiry', 'getManyWithExpiry');
  if (requireBatch) required.push('getMany', 'setMany', 'deleteMany');
  describeStoreConformance(
    name,
    make,
    { isolated: true, ...rest, require: required },
    { describe, it, beforeAll, afterAll, beforeEach, afterEach },
  );
}
