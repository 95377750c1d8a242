import type { LoggerService } from '@nestjs/common';
import type { Middleware } from '../../../../lib/index.js';

/**
 * Logs each store operation with its key and duration, at debug level (LOG_LEVEL=debug). Keys only:
 * values are user data and stay out of the logs.
 */
export function loggingMiddleware<V>(logger: LoggerService): Middleware<string, V> {
  return (next) => async (ctx, key, value) => {
    const started = performance.now();
    let outcome = 'failed';
    try {
      const result = await next(ctx, key, value);
      outcome = 'done';
      return result;
    } finally {
      logger.debug?.(
        `${ctx.operation} ${String(key)} ${outcome} in ${(performance.now() - started).toFixed(2)} ms`,
      );
    }
  };
}
