export { DelegatedStore, type ClearOptions } from './delegated-store.js';
export type { Store, Layer, ValueWithExpiry } from './store.js';
export type {
  Operation,
  OperationContext,
  OperationOptions,
  OperationFunc,
  Middleware,
  ServedInfo,
} from './operation.js';
export type { ChangeCallback, DeleteCallback } from './change-callbacks.js';
export type { BackFillCallback, BackFillEvent } from './backfill-event.js';
export type { StoreStats, LayerStats } from './stats.js';
export { CLEAR_ALL_KEYS, type InvalidationBus } from './invalidation-bus.js';
export {
  DelegatedStoreError,
  NotFoundError,
  ConfigurationError,
  StoreClosedError,
  LayerTimeoutError,
  WriteFailedError,
} from './errors.js';
export {
  withBackFillCallback,
  withBackFillCallbacks,
  withMiddleware,
  withMiddlewares,
  withInvalidationBus,
  withErrorHandler,
  withMaxPendingBackFills,
  withOnChange,
  withOnChangeCallbacks,
  withOnDelete,
  withOnDeleteCallbacks,
  withStaleTimeout,
  withNegativeCaching,
  withTtlJitter,
} from './options.js';
export { KNOWN_MISS, isKnownMiss } from './known-miss.js';
export type {
  DelegatedStoreOption,
  DelegatedStoreConfig,
  StoreErrorHandler,
  StoreErrorSource,
} from './options.js';
export { retryMiddleware } from './retry-middleware.js';
export { loggingMiddleware, type OperationLogger } from './logging-middleware.js';
export { metricsMiddleware, type OperationSample } from './metrics-middleware.js';
