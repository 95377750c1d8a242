import { DelegatedStoreError } from '../core/errors.js';

/**
 * A command refused without being sent because the connection to Redis is down or being re-established.
 * It fails at once instead of queueing: a cache layer that is down should cost a miss, not a wait.
 */
export class RedisUnavailableError extends DelegatedStoreError {
  constructor(status: string, cause?: unknown) {
    super(
      'REDIS_UNAVAILABLE',
      `Redis is unavailable (connection ${status}); the command was not sent. The connection is retried in the background.`,
      { cause },
    );
  }
}
