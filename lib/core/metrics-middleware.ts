import type { Middleware, Operation } from './operation.js';

/** One settled operation, as metricsMiddleware reports it. */
export interface OperationSample {
  /** The operation that settled. */
  operation: Operation;
  /** Milliseconds from the call entering the middleware to its settling. */
  durationMs: number;
  /** The rejection, when the operation failed. */
  error?: unknown;
}

/**
 * Calls `record` once per operation, after it settled, with its duration: for a Prometheus histogram,
 * StatsD, OpenTelemetry... A `record` that throws is ignored: metrics never fail an operation.
 */
export function metricsMiddleware<K, V>(record: (sample: OperationSample) => void): Middleware<K, V> {
  if (typeof record !== 'function') {
    throw new TypeError('metricsMiddleware: record must be a function (sample) => void');
  }
  return (next) => async (ctx, key, value) => {
    const started = performance.now();
    try {
      const result = await next(ctx, key, value);
      report(record, { operation: ctx.operation, durationMs: performance.now() - started });
      return result;
    } catch (error) {
      report(record, { operation: ctx.operation, durationMs: performance.now() - started, error });
      throw error;
    }
  };
}

function report(record: (sample: OperationSample) => void, sample: OperationSample): void {
  try {
    record(sample);
  } catch {
    // A broken metrics sink must not fail the store's operation.
  }
}
