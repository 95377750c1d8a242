import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import KeyvRedis from '@keyv/redis';
import { createCache } from 'cache-manager';
import { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { randomUUID } from 'node:crypto';
import { CacheManagerStore, ConfigurationError, DelegatedStore, MemoryStore } from '../../lib/index.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const key of keys) all.push(key);
  return all.sort();
}

/** A Keyv storage adapter that cannot iterate: a plain object over a Map, with no `iterator`. */
function plainAdapter() {
  const data = new Map<string, unknown>();
  return {
    opts: {},
    namespace: undefined as string | undefined,
    get: async (key: string) => data.get(key),
    set: async (key: string, value: unknown) => void data.set(key, value),
    delete: async (key: string) => data.delete(key),
    clear: async () => data.clear(),
    on: () => undefined,
  };
}

describe('CacheManagerStore has, clear and keys over Keyv memory stores', () => {
  it('has: true for a live value (null included), false for a missing or expired one', async () => {
    const store = new CacheManagerStore<unknown>(createCache());
    await store.set('a', 1);
    await store.set('nil', null);
    await store.set('brief', 'x', 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await store.has('a')).toBe(true);
    expect(await store.has('nil')).toBe(true);
    expect(await store.has('missing')).toBe(false);
    expect(await store.has('brief')).toBe(false);
  });

  it("clear empties its own namespace of a shared Map, and leaves another namespace's keys", async () => {
    const shared = new Map();
    const mine = new CacheManagerStore<string>(
      createCache({ stores: [new Keyv({ store: shared, namespace: 'mine' })] }),
    );
    const theirs = new CacheManagerStore<string>(
      createCache({ stores: [new Keyv({ store: shared, namespace: 'theirs' })] }),
    );
    await mine.set('k', 'mine');
    await theirs.set('k', 'theirs');
    await mine.clear();
    expect(await mine.get('k')).toBeUndefined();
    expect(await theirs.get('k')).toBe('theirs');
    expect([...shared.keys()]).toEqual(['theirs:k']);
  });

  it("clear of createCache()'s default store, and of a Map without namespace (the cache's own)", async () => {
    const byDefault = new CacheManagerStore<string>(createCache());
    await byDefault.set('k', 'v');
    await byDefault.clear();
    expect(await byDefault.get('k')).toBeUndefined();

    const map = new Map();
    const bare = new CacheManagerStore<string>(
      createCache({ stores: [new Keyv({ store: map, namespace: undefined })] }),
    );
    await bare.set('k', 'v');
    await bare.clear();
    expect(map.size).toBe(0);
  });

  it('keys yields each key once, across the stores of a multi-tier cache, without namespaces', async () => {
    const store = new CacheManagerStore<number>(
      createCache({ stores: [new Keyv({ namespace: 'l1' }), new Keyv({ namespace: 'l2' })] }),
    );
    await store.setMany([
      { key: 'user:1', value: 1 },
      { key: 'user:2', value: 2 },
    ]);
    await store.set('expired', 3, 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await collect(store.keys!())).toEqual(['user:1', 'user:2']);
  });

  it('has no keys when a Keyv store cannot iterate, and DelegatedStore.keys() names the layer', async () => {
    const store = new CacheManagerStore<string>(
      createCache({ stores: [new Keyv({ store: plainAdapter() })] }),
    );
    expect(store.keys).toBeUndefined();
    const delegated = new DelegatedStore<string, string>([
      { name: 'memory', store: new MemoryStore() },
      { name: 'shared', store, primary: true },
    ]);
    await expect(collect(delegated.keys())).rejects.toThrow(ConfigurationError);
    await expect(collect(delegated.keys())).rejects.toThrow(/layer "shared"/);
  });

  it('lets DelegatedStore.clear() empty a cache-manager layer', async () => {
    const layer = new CacheManagerStore<string>(createCache());
    const delegated = new DelegatedStore<string, string>([
      { name: 'memory', store: new MemoryStore() },
      { name: 'cache', store: layer },
    ]);
    await delegated.set('k', 'v');
    await delegated.clear();
    expect(await layer.get('k')).toBeUndefined();
    expect(await delegated.get('k')).toBeUndefined();
  });
});

describeWithRedis('CacheManagerStore has, clear and keys over @keyv/redis', () => {
  let raw: Redis;
  const namespace = `dstest-ops-${randomUUID()}`;
  const other = `dstest-ops-other-${randomUUID()}`;
  const open = (ns: string | undefined) =>
    new CacheManagerStore<unknown>(
      createCache({ stores: [new Keyv({ store: new KeyvRedis(REDIS_URL), namespace: ns })] }),
    );
  const stores: Array<CacheManagerStore<unknown>> = [];

  beforeAll(() => {
    raw = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    for (const ns of [namespace, other]) {
      const keys = await raw.keys(`${ns}::*`);
      if (keys.length > 0) await raw.del(...keys);
    }
    await raw.quit();
    await Promise.all(stores.map((store) => store.close()));
  });

  it('has answers by EXISTS, keys lists the namespace, clear empties only the namespace', async () => {
    const mine = open(namespace);
    const theirs = open(other);
    stores.push(mine, theirs);
    await mine.setMany([
      { key: 'user:1', value: { id: 1 } },
      { key: 'user:2', value: null },
    ]);
    await theirs.set('user:1', 'other');
    expect(await mine.has('user:1')).toBe(true);
    expect(await mine.has('user:2')).toBe(true);
    expect(await mine.has('user:3')).toBe(false);
    expect(await collect(mine.keys!())).toEqual(['user:1', 'user:2']);

    await mine.clear();
    expect(await mine.has('user:1')).toBe(false);
    expect(await collect(mine.keys!())).toEqual([]);
    expect(await theirs.get('user:1')).toBe('other');
    expect(await raw.keys(`${namespace}::*`)).toEqual([]);
  });

  it('refuses to clear a Redis Keyv without namespace (that would empty the database), touching nothing', async () => {
    const bare = open(undefined);
    const theirs = open(other);
    stores.push(bare, theirs);
    await theirs.set('survivor', 'still here');
    await expect(bare.clear()).rejects.toThrow(ConfigurationError);
    await expect(bare.clear()).rejects.toThrow(
      /has no namespace.*new Keyv\(\{ store, namespace: 'cache' \}\)/,
    );
    expect(await theirs.get('survivor')).toBe('still here');
  });
});
