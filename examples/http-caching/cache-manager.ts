/**
 * A DelegatedStore behind @nestjs/cache-manager: `CACHE_MANAGER`, `CacheInterceptor`, `@CacheKey` and
 * `@CacheTTL` work over the layered store, through a Keyv over KeyvDelegatedStore.
 */
import 'reflect-metadata';
import { CACHE_MANAGER, CacheInterceptor, CacheModule, CacheTTL } from '@nestjs/cache-manager';
import { Controller, Get, Module, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import {
  DelegatedStore,
  DelegatedStoreModule,
  getDelegatedStoreToken,
  KeyvDelegatedStore,
  MemoryStore,
} from 'nestjs-delegated-store';
import { RedisStore } from 'nestjs-delegated-store/redis';

/** Your slow computation. */
async function computeReport(): Promise<{ total: number }> {
  return { total: 42 };
}

@Controller('reports')
export class ReportsController {
  @Get('daily')
  @UseInterceptors(CacheInterceptor) // the second GET is served from the memory layer
  @CacheTTL(60_000)
  daily(): Promise<{ total: number }> {
    return computeReport();
  }
}

@Module({
  imports: [
    DelegatedStoreModule.forRoot({
      name: 'cache',
      isGlobal: true,
      layers: [
        { name: 'memory', store: new MemoryStore(), ttl: 30_000 },
        {
          name: 'redis',
          store: new RedisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: 'cache' }),
        },
      ],
    }),
    CacheModule.registerAsync({
      isGlobal: true,
      inject: [getDelegatedStoreToken('cache')],
      useFactory: (store: DelegatedStore<string, unknown>) => ({
        stores: [new Keyv({ store: new KeyvDelegatedStore(store) })],
      }),
    }),
  ],
  controllers: [ReportsController],
})
export class AppModule {}

/** `CACHE_MANAGER` as services use it: a write, a read, a delete, through the store's cache layers. */
export async function cacheManager(key = 'report') {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
  const cache = app.get<Cache>(CACHE_MANAGER);
  await cache.set(key, { total: 42 }, 60_000); // memory and Redis, for 60 s
  const read = await cache.get<{ total: number }>(key);
  const inStore = await app
    .get<DelegatedStore<string, unknown>>(getDelegatedStoreToken('cache'))
    .has(`keyv:${key}`);
  await cache.del(key); // from the cache layers
  const afterDelete = await cache.get(key);
  await app.close();
  return { read, inStore, afterDelete };
}
