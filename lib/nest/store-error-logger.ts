import type { LoggerService } from '@nestjs/common';
import type { StoreErrorHandler } from '../core/options.js';
import { storeFailureMessage } from './delegated-store.messages.js';

/** Reports what the store contained (a failed cache layer, a throwing callback) through Nest's Logger. */
export function logStoreErrors(logger: LoggerService): StoreErrorHandler {
  return (error, source) => {
    logger.error(storeFailureMessage(source, error), error instanceof Error ? error.stack : undefined);
  };
}
