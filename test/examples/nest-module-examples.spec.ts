/**
 * The examples included in docs/nest-module.md (forRootAsync, interceptors) and docs/http-caching.md
 * (the store behind @nestjs/cache-manager): each one boots its application and runs its operations, so a
 * block that compiles but fails at boot (a provider Nest cannot resolve, a ttl that is a string) fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { forRootAsync } from '../../examples/nest-module/for-root-async.js';
import { interceptors } from '../../examples/nest-module/interceptors.js';
import { deleteMatching } from '../support/redis-cluster.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';

describe('examples/nest-module/interceptors.ts', () => {
  it('builds the interceptor class with the provider it injects from the store imports, and runs the chain', async () => {
    const { greeting, labels } = await interceptors();
    expect(greeting).toBe('hello');
    expect(labels).toEqual(['store.set', 'store.get']);
  });
});

describeWithRedis('examples/nest-module/for-root-async.ts', () => {
  const prefix = `example-for-root-async-${process.pid}`;
  const saved = { prefix: process.env.REDIS_PREFIX, ttl: process.env.CACHE_TTL_MS };
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    process.env.REDIS_PREFIX = prefix;
    process.env.CACHE_TTL_MS = '5000'; // a string, as the environment gives it: the config parses it
  });

  afterAll(async () => {
    restore('REDIS_PREFIX', saved.prefix);
    restore('CACHE_TTL_MS', saved.ttl);
    await deleteMatching(redis, `${prefix}:*`);
    await redis.quit();
  });

  it('boots with options from the configuration and the repository: a read from the database, then memory', async () => {
    const { first, second, served } = await forRootAsync();
    expect(first).toEqual({ id: '1', name: 'Ada' });
    expect(second).toEqual({ id: '1', name: 'Ada' });
    expect(served).toEqual(['database', 'memory']);
    // The backfill reached the Redis layer too, under the configured prefix, with a ttl.
    expect(await redis.pttl(`${prefix}:user:1`)).toBeGreaterThan(0);
  });
});

describeWithRedis('examples/http-caching/cache-manager.ts', () => {
  const key = `example-cache-manager-${process.pid}`;

  it('puts the layered store behind CACHE_MANAGER: a write, a read, a delete', async () => {
    // Imported here: the module builds its RedisStore when it is loaded, so only when Redis is there.
    const { cacheManager } = await import('../../examples/http-caching/cache-manager.js');
    const { read, inStore, afterDelete } = await cacheManager(key);
    expect(read).toEqual({ total: 42 });
    expect(inStore).toBe(true);
    expect(afterDelete).toBeUndefined();
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
