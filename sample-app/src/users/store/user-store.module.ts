import { Logger, type DynamicModule } from '@nestjs/common';
import {
  DelegatedStoreModule,
  NotFoundError,
  retryMiddleware,
  type DelegatedStoreFactoryOptions,
} from '../../../../lib/index.js';
import { RedisInvalidationBus } from '../../../../lib/redis/index.js';
import { AppConfig } from '../../config/app-config.js';
import { MetricsModule } from '../../metrics/metrics.module.js';
import { TimingInterceptor } from '../../metrics/timing.interceptor.js';
import { UsersRepository } from '../users.repository.js';
import type { UserStoreValue } from '../user-store-value.js';
import { loggingMiddleware } from './logging.middleware.js';
import { primaryBackFillMonitor } from './primary-backfill-monitor.js';
import { UserBackFillMetrics } from './user-backfill-metrics.js';
import { UserStorageModule } from './user-storage.module.js';
import { userStoreLayers } from './user-store.layers.js';

/**
 * The user store: the application's default DelegatedStore, injected by its class. Built per call (no
 * module-level instance), so each application instance gets its own store, connections and bus.
 */
export function createUserStoreModule(): DynamicModule {
  return DelegatedStoreModule.forRootAsync<string, UserStoreValue>({
    imports: [UserStorageModule, MetricsModule],
    inject: [AppConfig, UsersRepository, UserBackFillMetrics],
    // Outermost: times each operation as the caller sees it, retries included.
    interceptors: [TimingInterceptor],
    useFactory: userStoreOptions,
  });
}

function userStoreOptions(
  config: AppConfig,
  repository: UsersRepository,
  backFillMetrics: UserBackFillMetrics,
): DelegatedStoreFactoryOptions<string, UserStoreValue> {
  const logger = new Logger('UserStore');
  return {
    layers: userStoreLayers(config, repository),
    backFillCallbacks: [primaryBackFillMonitor(logger), backFillMetrics.callback],
    // The last listed runs first: the log line covers the retries of one operation.
    middlewares: [
      retryMiddleware(3, (error) => !(error instanceof NotFoundError)),
      loggingMiddleware(logger),
    ],
    // Every change of a user through the store, in the log: keys only, never the values (personal data).
    onChange: [(ctx, key) => logger.log(`${key} changed (${ctx.operation})`)],
    onDelete: [(ctx, key) => logger.log(`${key} deleted (${ctx.operation})`)],
    bus: config.redis
      ? new RedisInvalidationBus({ url: config.redis.url, channel: config.redis.channel })
      : undefined,
  };
}
