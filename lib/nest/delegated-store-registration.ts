import type { DiscoveryService } from '@nestjs/core';
import { ConfigurationError } from '../core/errors.js';
import { duplicateStoreMessage } from './delegated-store.messages.js';

/**
 * Marks one `forRoot`/`forRootAsync` call inside its module. Duplicates are found by looking at the
 * application's own modules, so two applications in one process never see each other's stores.
 */
export class DelegatedStoreRegistration {
  constructor(readonly name: string | undefined) {}

  /** Throws when another module of the same application registers a store under this name. */
  assertUnique(discovery: DiscoveryService): void {
    const count = discovery
      .getProviders()
      .filter(
        (wrapper) =>
          wrapper.instance instanceof DelegatedStoreRegistration && wrapper.instance.name === this.name,
      ).length;
    if (count > 1) throw new ConfigurationError(duplicateStoreMessage(this.name, count));
  }
}
