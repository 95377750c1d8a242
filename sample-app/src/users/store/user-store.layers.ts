import { MemoryStore, type Layer } from '../../../../lib/index.js';
import { RedisStore } from '../../../../lib/redis/index.js';
import type { AppConfig } from '../../config/app-config.js';
import type { UsersRepository } from '../users.repository.js';
import type { UserStoreValue } from '../user-store-value.js';

/**
 * memory (this process, fresh 1 min, then served stale up to 5 min) → redis (shared by the instances,
 * fresh 1 h, stale up to 1 h more; only with REDIS_URL) → database. A stale entry is answered at once and
 * refreshed in the background, and keeps answering while the database is down (see AppConfig.cache).
 * The memory layer is `local`: with the invalidation bus, another instance's write of a key drops it here.
 * Its short ttl bounds how long a copy can be stale if a bus message is lost.
 */
export function userStoreLayers(
  config: AppConfig,
  repository: UsersRepository,
): Layer<string, UserStoreValue>[] {
  const layers: Layer<string, UserStoreValue>[] = [
    {
      name: 'memory',
      store: new MemoryStore({ max: 10_000 }),
      ttl: config.cache.memoryTtlMs,
      grace: config.cache.memoryGraceMs,
      local: true,
    },
  ];
  if (config.redis) {
    layers.push({
      name: 'redis',
      store: new RedisStore<UserStoreValue>({ url: config.redis.url, prefix: config.redis.prefix }),
      ttl: config.cache.redisTtlMs,
      grace: config.cache.redisGraceMs,
      // A slow Redis must not make reads slower than the database: past this, the walk goes on down.
      timeout: config.redis.timeoutMs,
    });
  }
  layers.push({ name: 'database', store: repository, primary: true });
  return layers;
}
