import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createCache } from 'cache-manager';
import {
  CacheManagerStore,
  DelegatedStore,
  KNOWN_MISS,
  MemoryStore,
  withNegativeCaching,
  type Store,
} from '../../lib/index.js';
import { RedisStore } from '../../lib/redis/index.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';
import { TestStore } from '../support/test-store.js';

/**
 * The known-miss marker of withNegativeCaching round-trips through every shipped store (in memory by
 * reference, in Redis and Keyv as JSON) and is recognised when read back by another instance.
 */
describeWithRedis('known misses through the shipped stores (real Redis)', () => {
  const prefix = `known-miss-${randomUUID().slice(0, 8)}`;
  let redis: RedisStore<unknown>;

  beforeAll(() => {
    redis = new RedisStore({ url: REDIS_URL, prefix });
  });
  afterAll(async () => {
    await redis.deleteMany(['ghost', 'ghost2']);
    await redis.close();
  });

  function instance(shared: Store<string, unknown>, db: TestStore<unknown>) {
    return new DelegatedStore<string, unknown>(
      [
        { store: new MemoryStore<string, unknown>(), ttl: 60_000 },
        { store: shared, ttl: 60_000 },
        { store: db, primary: true },
      ],
      withNegativeCaching(30_000),
    );
  }

  it.each([
    ['RedisStore', () => redis],
    ['CacheManagerStore (Keyv memory)', () => new CacheManagerStore<unknown>(createCache())],
  ] as const)('%s: a known miss written by one instance is honoured by another', async (_name, shared) => {
    const layer = shared();
    const db = new TestStore<unknown>();
    const writer = instance(layer as Store<string, unknown>, db);
    let loads = 0;
    expect(await writer.getOrLoad('ghost', async () => (loads++, undefined))).toBeUndefined();
    await writer.drain();
    const stored = await layer.get('ghost');
    expect(stored).toEqual(KNOWN_MISS);

    db.calls.length = 0; // the writer's walk read the primary before its load
    const reader = instance(layer as Store<string, unknown>, db);
    expect(await reader.get('ghost')).toBeUndefined();
    expect(await reader.getOrLoad('ghost', async () => (loads++, 'loaded'))).toBeUndefined();
    expect(await reader.getMany(['ghost'])).toEqual([undefined]);
    expect(await reader.has('ghost')).toBe(false);
    expect(loads).toBe(1);
    expect(db.calls).toEqual([]);
    await reader.set('ghost', { real: true });
    expect(await reader.get('ghost')).toEqual({ real: true });
    await layer.delete('ghost');
  });
});
