/** `nestjs-delegated-store/redis`: the parts that need ioredis, an optional peer dependency. */
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export {
  RedisInvalidationBus,
  DEFAULT_INVALIDATION_CHANNEL,
  type RedisInvalidationBusOptions,
  type RedisInvalidationBusBaseOptions,
} from './redis-invalidation-bus.js';
export { RedisUnavailableError } from './redis-errors.js';
export {
  FAIL_FAST_OPTIONS,
  FAIL_FAST_CLUSTER_OPTIONS,
  type RedisClient,
  type RedisClusterConnection,
} from './connection.js';
