import type { LoggerService } from '@nestjs/common';
import type { BackFillCallback } from '../../../../lib/index.js';

/**
 * Warns when a backfill wrote the primary layer. With the database last in the layer list this never
 * happens; it does when someone moves the primary above a cache, which would copy cache data into the
 * source of truth. Names the key, never the value.
 */
export function primaryBackFillMonitor<V>(logger: LoggerService): BackFillCallback<string, V> {
  return (ctx, key, _value, layerIndex, isPrimary) => {
    if (!isPrimary) return;
    logger.warn(
      `the primary layer (index ${layerIndex}) was back-filled with ${key} during ${ctx.operation}: ` +
        'check the layer order, the primary should be the last layer',
    );
  };
}
