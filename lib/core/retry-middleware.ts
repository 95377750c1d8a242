import { ConfigurationError, NotFoundError, describeValue } from './errors.js';
import type { Middleware } from './operation.js';

const retryAllButNotFound = (error: unknown): boolean => !(error instanceof NotFoundError);

/**
 * Calls `next` again after a rejection that `shouldRetry` accepts, at most `maxRetries` more times,
 * and rejects with the last error. Retries at once: put a backoff in `shouldRetry` if you need one.
 * An aborted `ctx.signal` stops the retries.
 */
export function retryMiddleware<K, V>(
  maxRetries: number,
  shouldRetry: (error: unknown) => boolean = retryAllButNotFound,
): Middleware<K, V> {
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new ConfigurationError(
      `retryMiddleware: maxRetries must be a whole number >= 0, got ${describeValue(maxRetries)}`,
    );
  }
  if (typeof shouldRetry !== 'function') {
    throw new ConfigurationError('retryMiddleware: shouldRetry must be a function');
  }
  return (next) =>
    async function retry(ctx, key, value) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await next(ctx, key, value);
        } catch (error) {
          if (attempt >= maxRetries || ctx.signal?.aborted || !shouldRetry(error)) throw error;
        }
      }
    };
}
