import 'reflect-metadata';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { CACHE_MANAGER, CacheInterceptor, CacheModule, CacheTTL } from '@nestjs/cache-manager';
import { Controller, Get, Param, UseInterceptors, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DelegatedStore, DelegatedStoreModule, KeyvDelegatedStore, MemoryStore } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis/index.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';
import { TestStore } from '../support/test-store.js';

/** What the layers hold for a Keyv entry: Keyv's serialised envelope `{ value, expires }`. */
function envelope(stored: unknown): { value: unknown; expires?: number } {
  if (typeof stored !== 'string')
    throw new Error(`expected Keyv's serialised envelope, got ${String(stored)}`);
  return JSON.parse(stored) as { value: unknown; expires?: number };
}

let computed = 0;

@Controller('reports')
@UseInterceptors(CacheInterceptor)
class ReportsController {
  @Get(':id')
  @CacheTTL(30_000)
  find(@Param('id') id: string): { id: string; computed: number } {
    return { id, computed: ++computed };
  }
}

describeWithRedis('@nestjs/cache-manager 12 over KeyvDelegatedStore, memory → Redis → a primary', () => {
  let app: INestApplication;
  let cache: Cache;
  let store: DelegatedStore<string, unknown>;
  const memory = new MemoryStore<string, unknown>();
  const redis = new RedisStore<unknown>({ url: REDIS_URL, prefix: `nest-cache-manager-${randomUUID()}` });
  const primary = new TestStore<unknown>();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot<string, unknown>({
          isGlobal: true,
          layers: [
            { name: 'memory', store: memory, ttl: 60_000 },
            { name: 'redis', store: redis, ttl: 60_000 },
            { name: 'database', store: primary, primary: true },
          ],
        }),
        CacheModule.registerAsync({
          inject: [DelegatedStore],
          useFactory: (layered: DelegatedStore<string, unknown>) => ({
            stores: [new Keyv({ store: new KeyvDelegatedStore(layered) })],
          }),
        }),
      ],
      controllers: [ReportsController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.init();
    cache = app.get<Cache>(CACHE_MANAGER);
    store = app.get<DelegatedStore<string, unknown>>(DelegatedStore);
  });

  afterAll(async () => {
    await redis.clear();
    await app?.close();
  });

  it('CACHE_MANAGER.set writes both cache layers, and get reads them', async () => {
    await cache.set('greeting', { text: 'hello', n: 1 });
    expect(envelope(await memory.get('keyv:greeting')).value).toEqual({ text: 'hello', n: 1 });
    expect(envelope(await redis.get('keyv:greeting')).value).toEqual({ text: 'hello', n: 1 });
    expect(await cache.get('greeting')).toEqual({ text: 'hello', n: 1 });
  });

  it('a ttl given to set reaches every layer and the envelope', async () => {
    const before = Date.now();
    await cache.set('short', 'lived', 5_000);
    const inMemory = await memory.getWithExpiry('keyv:short');
    const inRedis = await redis.getWithExpiry('keyv:short');
    expect(inMemory?.expiresAt).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(inRedis?.expiresAt).toBeLessThanOrEqual(Date.now() + 5_000);
    const expires = await cache.ttl('short');
    expect(expires).toBeGreaterThanOrEqual(before + 5_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 5_000);
  });

  it('get finds an entry that only redis holds, and backfills memory', async () => {
    await cache.set('from-redis', [1, 2, 3]);
    await memory.delete('keyv:from-redis');
    expect(await cache.get('from-redis')).toEqual([1, 2, 3]);
    await store.drain();
    expect(envelope(await memory.get('keyv:from-redis')).value).toEqual([1, 2, 3]);
  });

  it('del removes the entry from both cache layers', async () => {
    await cache.set('doomed', 'x');
    await cache.del('doomed');
    expect(await memory.get('keyv:doomed')).toBeUndefined();
    expect(await redis.get('keyv:doomed')).toBeUndefined();
    expect(await cache.get('doomed')).toBeUndefined();
  });

  it('wrap computes once for concurrent callers and stores the result in the layers', async () => {
    let calls = 0;
    const compute = async () => {
      calls++;
      return { total: 42 };
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => cache.wrap('report:total', compute)));
    expect(results).toEqual(Array.from({ length: 10 }, () => ({ total: 42 })));
    expect(calls).toBe(1);
    expect(envelope(await memory.get('keyv:report:total')).value).toEqual({ total: 42 });
    expect(envelope(await redis.get('keyv:report:total')).value).toEqual({ total: 42 });
    expect(await cache.wrap('report:total', compute)).toEqual({ total: 42 });
    expect(calls).toBe(1);
  });

  it('mget and mset go through the layers too', async () => {
    await cache.mset([
      { key: 'm1', value: 'one' },
      { key: 'm2', value: 'two' },
    ]);
    expect(envelope(await redis.get('keyv:m2')).value).toBe('two');
    expect(await cache.mget(['m1', 'nope', 'm2'])).toEqual(['one', undefined, 'two']);
  });

  it("the CacheInterceptor's second GET is served from memory, our first layer", async () => {
    const first = await request(app.getHttpServer()).get('/reports/7').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    const before = store.stats().layers;
    const second = await request(app.getHttpServer()).get('/reports/7').expect(200);
    const after = store.stats().layers;
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(computed).toBe(1);
    expect(after[0].hits).toBe(before[0].hits + 1);
    expect(after[1].hits).toBe(before[1].hits);
    // The route's @CacheTTL reached our layers.
    expect((await memory.getWithExpiry('keyv:/reports/7'))?.expiresAt).toBeLessThanOrEqual(
      Date.now() + 30_000,
    );
  });

  it("clear empties Keyv's namespace in the cache layers, and leaves the store's other keys", async () => {
    await cache.set('to-clear', 'x');
    await store.set('user:1', { id: 1 }, { cachesOnly: true });
    await cache.clear();
    expect(await cache.get('to-clear')).toBeUndefined();
    expect(await memory.get('keyv:to-clear')).toBeUndefined();
    expect(await redis.get('keyv:to-clear')).toBeUndefined();
    expect(await memory.get('user:1')).toEqual({ id: 1 });
    expect(await redis.get('user:1')).toEqual({ id: 1 });
  });

  it('never reached the primary layer', () => {
    expect(primary.calls).toEqual([]);
  });
});
