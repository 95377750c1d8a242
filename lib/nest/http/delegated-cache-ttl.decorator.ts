import { SetMetadata, type CustomDecorator, type ExecutionContext } from '@nestjs/common';
import { describeValue } from '../../core/errors.js';
import { DELEGATED_CACHE_TTL_METADATA } from './http-cache.constants.js';

/** Milliseconds, fixed or computed from the request; a function answering `undefined` keeps the layers' ttl. */
export type DelegatedCacheTtlOption = number | ((context: ExecutionContext) => number | undefined);

/** The ttl of a route's cached responses (or of every route of a controller); replaces the layers' ttl. */
export function DelegatedCacheTtl(ttl: DelegatedCacheTtlOption): CustomDecorator<string> {
  if (!(isTtl(ttl) || typeof ttl === 'function')) {
    throw new TypeError(
      `@DelegatedCacheTtl(ttl): ttl must be a finite number of milliseconds > 0 or a function (context) => number, got ${describeValue(ttl)}`,
    );
  }
  return SetMetadata(DELEGATED_CACHE_TTL_METADATA, ttl);
}

export function isTtl(ttl: unknown): ttl is number {
  return typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0;
}
