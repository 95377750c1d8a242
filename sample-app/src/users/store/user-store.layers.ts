import { MemoryStore, type Layer } from '../../../../lib/index.js';
import { RedisStore } from '../../../../lib/redis/index.js';
import type { AppConfig } from '../../config/app-config.js';
import type { UsersRepository } from '../users.repository.js';
import type { UserStoreValue } from '../user-store-value.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * memory (this process, 1 min) → redis (shared by the instances, 1 h; only with REDIS_URL) → database.
 * The memory layer is `local`: with the invalidation bus, another instance's write of a key drops it here.
 * Its short ttl bounds how long a copy can be stale if a bus message is lost.
 */
export function userStoreLayers(
  config: AppConfig,
  repository: UsersRepository,
): Layer<string, UserStoreValue>[] {
  const layers: Layer<string, UserStoreValue>[] = [
    { name: 'memory', store: new MemoryStore({ max: 10_000 }), ttl: MINUTE, local: true },
  ];
  if (config.redis) {
    layers.push({
      name: 'redis',
      store: new RedisStore<UserStoreValue>({ url: config.redis.url, prefix: config.redis.prefix }),
      ttl: HOUR,
      // A slow Redis must not make reads slower than the database: past this, the walk goes on down.
      timeout: config.redis.timeoutMs,
    });
  }
  layers.push({ name: 'database', store: repository, primary: true });
  return layers;
}
