import type { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { DelegatedStore } from '../core/delegated-store.js';

/**
 * Closes a store when the application closes: `app.close()` waits for its pending backfills, then its
 * layers are closed. The last shutdown phase, so other providers can still use the store before it.
 */
export class DelegatedStoreShutdown implements OnApplicationShutdown {
  constructor(
    private readonly store: DelegatedStore<unknown, unknown>,
    private readonly logger: Logger,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.store.close();
    } catch (error) {
      this.logger.error(
        `closing the store failed: ${error instanceof Error ? error.message : String(error)}`,
        error instanceof Error ? error.stack : undefined,
      );
    }
  }
}
