import type { DynamicModule } from '@nestjs/common';
import { DelegatedStoreModule, MemoryStore } from '../../../lib/index.js';
import { RedisInvalidationBus } from '../../../lib/redis/index.js';
import { AppConfig } from '../config/app-config.js';
import { HTTP_CACHE_STORE } from './http-cache.constants.js';

/** Cached responses live half a minute: a write clears them anyway, the ttl bounds a lost bus message. */
const RESPONSE_TTL = 30_000;

/**
 * The store of cached HTTP responses, apart from the user store: a write of a user clears it whole
 * (`clear({ cachesOnly: true })`), which drops every cached list and report at once, whatever their
 * query parameters, and never touches a user entry. It has one layer, this process's memory: a response
 * is cheap to compute again, and with Redis the invalidation bus (a channel of its own) makes a clear on
 * one instance empty the others too.
 */
export function createHttpCacheStoreModule(): DynamicModule {
  return DelegatedStoreModule.forRootAsync<string, unknown>({
    name: HTTP_CACHE_STORE,
    isGlobal: true,
    inject: [AppConfig],
    useFactory: (config: AppConfig) => ({
      layers: [{ name: 'memory', store: new MemoryStore({ max: 1_000 }), ttl: RESPONSE_TTL, local: true }],
      bus: config.redis
        ? new RedisInvalidationBus({ url: config.redis.url, channel: `${config.redis.channel}:http` })
        : undefined,
    }),
  });
}
