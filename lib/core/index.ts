export { DelegatedStore } from './delegated-store.js';
export type { Store, Layer, ValueWithExpiry } from './store.js';
export type {
  Operation,
  OperationContext,
  OperationOptions,
  OperationFunc,
  Middleware,
} from './operation.js';
export type { BackFillCallback, BackFillEvent } from './backfill-event.js';
export type { StoreStats, LayerStats } from './stats.js';
export type { InvalidationBus } from './invalidation-bus.js';
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
} from './options.js';
export type {
  DelegatedStoreOption,
  DelegatedStoreConfig,
  StoreErrorHandler,
  StoreErrorSource,
} from './options.js';
export { retryMiddleware } from './retry-middleware.js';
