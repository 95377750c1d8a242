import type { DiscoveryService } from '@nestjs/core';
import { ConfigurationError } from '../core/errors.js';
import { duplicateStoreMessage } from './delegated-store.messages.js';

/**
 * Marks one `forRoot`/`forRootAsync` call inside its module, with the tokens its store is provided under.
 * Duplicates are found by looking at the application's own modules, so two applications in one process
 * never see each other's stores.
 */
export class DelegatedStoreRegistration {
  constructor(
    /** How the store is called in messages (its name, or its class's), `undefined` for the default store. */
    readonly label: string | undefined,
    readonly tokens: readonly unknown[],
  ) {}

  /** The name of the typed store class among the tokens, if the store has one. */
  get typedClass(): string | undefined {
    const type = this.tokens.find((token) => typeof token === 'function' && token.name !== 'DelegatedStore');
    return (type as Function | undefined)?.name;
  }

  /** Throws when another module of the same application registers a store under one of these tokens. */
  assertUnique(discovery: DiscoveryService): void {
    const registrations = discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter(
        (instance): instance is DelegatedStoreRegistration => instance instanceof DelegatedStoreRegistration,
      );
    for (const token of this.tokens) {
      const count = registrations.filter((registration) => registration.tokens.includes(token)).length;
      if (count > 1) throw new ConfigurationError(duplicateStoreMessage(this.label, count, this.typedClass));
    }
  }
}
