import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import KeyvRedis from '@keyv/redis';
import { createCache, type Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import { randomUUID } from 'node:crypto';
import { CacheManagerStore } from '../../lib/index.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';
import { storeContract } from './store-contract.js';

/** A cache over a Redis namespace of its own, so that runs never touch anything else on the server. */
function redisCache(): Cache {
  return createCache({
    stores: [new Keyv({ store: new KeyvRedis(REDIS_URL), namespace: `dstest-${randomUUID()}` })],
  });
}

storeContract(
  'CacheManagerStore over the default Keyv memory store',
  async () => {
    const store = new CacheManagerStore<unknown>(createCache());
    return { store, cleanup: () => store.close() };
  },
  { requireExpiry: true, requireBatch: true, require: ['has', 'clear', 'keys'] },
);

storeContract(
  'CacheManagerStore over a serialising Keyv memory store',
  async () => {
    const store = new CacheManagerStore<unknown>(createCache({ stores: [new Keyv()] }));
    return { store, cleanup: () => store.close() };
  },
  { requireExpiry: true, requireBatch: true, require: ['has', 'clear', 'keys'] },
);

storeContract(
  'CacheManagerStore over a Cache without Keyv stores (expiry from ttl())',
  async () => {
    // A Cache-shaped object that hides its stores: getWithExpiry falls back to get + ttl.
    const { stores: _stores, ...rest } = createCache();
    const store = new CacheManagerStore<unknown>(rest as Cache);
    return { store, cleanup: () => store.close() };
  },
  // No Keyv store to iterate: no keys().
  { requireExpiry: true, requireBatch: true, require: ['has', 'clear'] },
);

describeWithRedis('CacheManagerStore over Redis', () => {
  storeContract(
    'CacheManagerStore over Redis (@keyv/redis)',
    async () => {
      const store = new CacheManagerStore<unknown>(redisCache());
      return { store, cleanup: () => store.close() };
    },
    { requireExpiry: true, requireBatch: true, require: ['has', 'clear', 'keys'], expiryTolerance: 250 },
  );
});

/** A value of every JSON type, and the few that JSON changes on the way. */
const sample = () => ({
  nil: null,
  n: 42.5,
  negative: -1,
  b: false,
  s: ':starts with a colon',
  nested: { list: [1, { deep: [null, 'x'] }] },
  date: new Date('2024-05-06T07:08:09.010Z'),
  dropped: undefined,
});

describe('CacheManagerStore', () => {
  describe('values a serialising store cannot keep', () => {
    const store = new CacheManagerStore<unknown>(createCache());
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;

    it.each<[string, unknown, RegExp]>([
      ['a BigInt', 10n, /a BigInt/],
      [
        'a nested BigInt',
        { order: { total: 10n } },
        /a BigInt at \$\.order\.total cannot be stored faithfully/,
      ],
      ['a function', () => 1, /a function/],
      ['a function inside an array', [1, () => 1], /a function at \$\[1\]/],
      ['a symbol', Symbol('s'), /a symbol/],
      ['a cycle', cyclic, /a cycle at \$\.self .*contains itself/],
      ['NaN', { score: NaN }, /the number NaN at \$\.score .*come back as null/],
      ['Infinity', Infinity, /the number Infinity/],
      ['a Map', new Map([[1, 2]]), /a Map/],
      ['a Set', { tags: new Set(['a']) }, /a Set at \$\.tags/],
      ['an odd key', { 'a-b': [10n] }, /at \$\["a-b"\]\[0\]/],
    ])('set rejects %s with a TypeError that names it', async (_, value, message) => {
      const key = `reject:${randomUUID()}`;
      const error = await store.set(key, value).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(key);
      expect(await store.get(key)).toBeUndefined();
    });

    it('setMany rejects the whole batch before writing any of it', async () => {
      const ok = `ok:${randomUUID()}`;
      const bad = `bad:${randomUUID()}`;
      await expect(
        store.setMany([
          { key: ok, value: 'fine' },
          { key: bad, value: { id: 1n } },
        ]),
      ).rejects.toThrow(new RegExp(`setMany\\("${bad}"\\).*a BigInt at \\$\\.id`));
      expect(await store.getMany([ok, bad])).toEqual([undefined, undefined]);
    });

    it('accepts the same object in several places (no cycle), and walks a value shared by entries once', async () => {
      const shared = { id: 1 };
      const key = `shared:${randomUUID()}`;
      await store.set(key, { a: shared, b: [shared, shared] });
      expect(await store.get(key)).toEqual({ a: { id: 1 }, b: [{ id: 1 }, { id: 1 }] });
      let reads = 0;
      const counted = {
        get id() {
          reads++;
          return 1;
        },
      };
      await store.setMany([
        { key: `${key}:1`, value: counted },
        { key: `${key}:2`, value: counted },
      ]);
      expect(reads).toBe(1);
      await store.deleteMany([key, `${key}:1`, `${key}:2`]);
    });

    it('rejects a ttl that is not a finite number > 0', async () => {
      await expect(store.set(`ttl:${randomUUID()}`, 'v', 0)).rejects.toThrow(/ttl must be a finite number/);
      await expect(store.setMany([{ key: `ttl:${randomUUID()}`, value: 'v', ttl: NaN }])).rejects.toThrow(
        TypeError,
      );
    });
  });

  describe('what comes back', () => {
    it('over the default (non-serialising) memory store: the very objects, Date included', async () => {
      const store = new CacheManagerStore<unknown>(createCache());
      const value = sample();
      const key = `types:${randomUUID()}`;
      await store.set(key, value);
      const back = (await store.get(key)) as ReturnType<typeof sample>;
      expect(back).toBe(value);
      expect(back.date).toBeInstanceOf(Date);
    });

    it('over a serialising Keyv store: JSON data as is, a Date as its ISO string, undefined fields dropped', async () => {
      const store = new CacheManagerStore<unknown>(createCache({ stores: [new Keyv()] }));
      const key = `types:${randomUUID()}`;
      await store.set(key, sample());
      const back = await store.get(key);
      expect(back).toStrictEqual({
        nil: null,
        n: 42.5,
        negative: -1,
        b: false,
        s: ':starts with a colon',
        nested: { list: [1, { deep: [null, 'x'] }] },
        date: '2024-05-06T07:08:09.010Z',
      });
    });
  });

  describe('ttl and expiry', () => {
    it('a set without ttl takes the cache default ttl', async () => {
      const store = new CacheManagerStore<string>(createCache({ ttl: 60_000 }));
      const before = Date.now();
      await store.set('a', 'A');
      const found = await store.getWithExpiry('a');
      expect(found?.value).toBe('A');
      expect(found?.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
      expect(found?.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    });

    it('rounds a fractional ttl up to whole milliseconds', async () => {
      const cache = createCache();
      const set = jest.spyOn(cache, 'set');
      await new CacheManagerStore<string>(cache).set('a', 'A', 1500.2);
      expect(set).toHaveBeenCalledWith('a', 'A', 1501);
    });

    it('reads the value and its expiry through the stores in order, as cache.get does', async () => {
      const first = new Keyv();
      const second = new Keyv();
      await second.set('k', 'from second', 60_000);
      await first.set('only-first', 'F');
      const store = new CacheManagerStore<string>(createCache({ stores: [first, second] }));
      expect((await store.getWithExpiry('k'))?.value).toBe('from second');
      expect((await store.getWithExpiry('k'))?.expiresAt).toEqual(expect.any(Number));
      expect(await store.getWithExpiry('only-first')).toEqual({ value: 'F' });
      const many = await store.getManyWithExpiry(['only-first', 'missing', 'k']);
      expect(many[0]).toEqual({ value: 'F' });
      expect(many[1]).toBeUndefined();
      expect(many[2]?.value).toBe('from second');
    });

    it('counts a failing store as a miss and reads the next one, as cache.get does', async () => {
      const broken = new Keyv();
      jest.spyOn(broken, 'get').mockRejectedValue(new Error('down'));
      jest.spyOn(broken, 'getMany').mockRejectedValue(new Error('down'));
      const healthy = new Keyv();
      await healthy.set('k', 'K');
      const store = new CacheManagerStore<string>(createCache({ stores: [broken, healthy] }));
      expect(await store.getWithExpiry('k')).toEqual({ value: 'K' });
      expect(await store.getManyWithExpiry(['k', 'x'])).toEqual([{ value: 'K' }, undefined]);
    });
  });

  describe('construction and close', () => {
    it('refuses something that is not a Cache', () => {
      expect(() => new CacheManagerStore(undefined as unknown as Cache)).toThrow(
        /needs a cache-manager Cache/,
      );
      expect(() => new CacheManagerStore({} as Cache)).toThrow(TypeError);
    });

    it('close() disconnects the cache', async () => {
      const cache = createCache();
      const disconnect = jest.spyOn(cache, 'disconnect');
      await new CacheManagerStore(cache).close();
      expect(disconnect).toHaveBeenCalledTimes(1);
    });
  });
});

describeWithRedis('CacheManagerStore over Redis: what comes back', () => {
  let store: CacheManagerStore<unknown>;
  const keys: string[] = [];

  beforeAll(() => {
    store = new CacheManagerStore<unknown>(redisCache());
  });
  afterAll(async () => {
    await store.deleteMany(keys);
    await store.close();
  });

  it('JSON data as is, null included; a Date as its ISO string; undefined fields dropped', async () => {
    const key = `types:${randomUUID()}`;
    keys.push(key, `${key}:null`);
    await store.set(key, sample(), 60_000);
    await store.set(`${key}:null`, null);
    expect(await store.get(key)).toStrictEqual({
      nil: null,
      n: 42.5,
      negative: -1,
      b: false,
      s: ':starts with a colon',
      nested: { list: [1, { deep: [null, 'x'] }] },
      date: '2024-05-06T07:08:09.010Z',
    });
    expect(await store.getMany([`${key}:null`, `${key}:missing`])).toEqual([null, undefined]);
    expect(await store.getWithExpiry(`${key}:null`)).toEqual({ value: null });
  });

  it('rejects a BigInt before it reaches Redis', async () => {
    const key = `types:${randomUUID()}`;
    keys.push(key);
    await expect(store.set(key, { n: 1n })).rejects.toThrow(/a BigInt at \$\.n/);
    expect(await store.get(key)).toBeUndefined();
  });
});
