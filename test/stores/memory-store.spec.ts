import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigurationError, MemoryStore } from '../../lib/index.js';
import { storeContract } from './store-contract.js';

storeContract(
  'MemoryStore',
  async () => {
    const store = new MemoryStore<string, unknown>();
    return { store, cleanup: () => store.close() };
  },
  { requireExpiry: true, requireBatch: true, require: ['has', 'clear', 'keys'], expiryTolerance: 20 },
);

describe('MemoryStore', () => {
  describe('options', () => {
    it.each([0, -1, 1.5, NaN, Infinity, '10' as unknown as number])('rejects max %p', (max) => {
      expect(() => new MemoryStore({ max })).toThrow(ConfigurationError);
      expect(() => new MemoryStore({ max })).toThrow(/max must be a whole number >= 1/);
    });

    it.each([0, -5, NaN, Infinity, '100' as unknown as number])('rejects ttl %p', (ttl) => {
      expect(() => new MemoryStore({ ttl })).toThrow(ConfigurationError);
      expect(() => new MemoryStore({ ttl })).toThrow(/ttl must be a finite number of milliseconds > 0/);
    });

    it('accepts no options, and a fractional ttl', () => {
      expect(() => new MemoryStore()).not.toThrow();
      expect(() => new MemoryStore({ max: 1, ttl: 0.5 })).not.toThrow();
    });

    it('rejects a set whose ttl is not a finite number > 0, and writes nothing', async () => {
      const store = new MemoryStore<string, string>();
      await expect(store.set('a', 'A', 0)).rejects.toThrow(TypeError);
      await expect(store.set('a', 'A', NaN)).rejects.toThrow(/ttl must be a finite number/);
      await expect(
        store.setMany([
          { key: 'b', value: 'B' },
          { key: 'a', value: 'A', ttl: -1 },
        ]),
      ).rejects.toThrow(TypeError);
      expect(store.getSync('a')).toBeUndefined();
      expect(store.getSync('b')).toBeUndefined();
    });
  });

  describe('LRU eviction', () => {
    it('keeps at most max entries, evicting the least recently used', async () => {
      const store = new MemoryStore<string, number>({ max: 3 });
      await store.set('a', 1);
      await store.set('b', 2);
      await store.set('c', 3);
      expect(await store.get('a')).toBe(1); // a is now the most recently used; b the least
      await store.set('d', 4);
      expect(store.size).toBe(3);
      expect(await store.getMany(['a', 'b', 'c', 'd'])).toEqual([1, undefined, 3, 4]);
    });

    it('counts a getSync hit as a use', async () => {
      const store = new MemoryStore<string, number>({ max: 2 });
      await store.set('a', 1);
      await store.set('b', 2);
      expect(store.getSync('a')).toBe(1);
      await store.set('c', 3);
      expect(store.getSync('b')).toBeUndefined();
      expect(store.getSync('a')).toBe(1);
    });
  });

  describe('values by reference', () => {
    it('returns the very object that was stored, from every read path', async () => {
      const store = new MemoryStore<string, { n: number }>();
      const value = { n: 1 };
      await store.set('a', value);
      expect(await store.get('a')).toBe(value);
      expect(store.getSync('a')).toBe(value);
      expect((await store.getMany(['a']))[0]).toBe(value);
      expect((await store.getWithExpiry('a'))?.value).toBe(value);
      value.n = 2;
      expect(store.getSync('a')?.n).toBe(2);
    });

    it('keeps values that no serialiser could: functions, BigInt, cycles', async () => {
      const store = new MemoryStore<string, unknown>();
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const fn = () => 1;
      await store.setMany([
        { key: 'fn', value: fn },
        { key: 'big', value: 10n ** 30n },
        { key: 'cycle', value: cyclic },
      ]);
      expect(await store.getMany(['fn', 'big', 'cycle'])).toEqual([fn, 10n ** 30n, cyclic]);
    });
  });

  describe('getSync', () => {
    it('reads synchronously: a value, null, a miss, and nothing once expired', async () => {
      const store = new MemoryStore<string, string | null>();
      await store.set('a', 'A');
      await store.set('n', null);
      await store.set('short', 'S', 50);
      expect(store.getSync('a')).toBe('A');
      expect(store.getSync('n')).toBeNull();
      expect(store.getSync('missing')).toBeUndefined();
      expect(store.getSync('short')).toBe('S');
      await sleep(120);
      expect(store.getSync('short')).toBeUndefined();
    });
  });

  describe('default ttl', () => {
    it('applies to a set without ttl; a ttl given to set replaces it', async () => {
      const store = new MemoryStore<string, string>({ ttl: 60_000 });
      const before = Date.now();
      await store.set('default', 'D');
      await store.set('own', 'O', 5_000);
      const after = Date.now();
      const byDefault = await store.getWithExpiry('default');
      const own = await store.getWithExpiry('own');
      expect(byDefault?.expiresAt).toBeGreaterThanOrEqual(before + 60_000 - 20);
      expect(byDefault?.expiresAt).toBeLessThanOrEqual(after + 60_000 + 20);
      expect(own?.expiresAt).toBeGreaterThanOrEqual(before + 5_000 - 20);
      expect(own?.expiresAt).toBeLessThanOrEqual(after + 5_000 + 20);
    });

    it('expires entries written without ttl', async () => {
      const store = new MemoryStore<string, string>({ ttl: 50 });
      await store.setMany([{ key: 'a', value: 'A' }]);
      expect(store.getSync('a')).toBe('A');
      await sleep(120);
      expect(await store.get('a')).toBeUndefined();
    });
  });

  describe('expiry reporting', () => {
    it('reports whole milliseconds, and the entry is gone right after the reported expiry', async () => {
      const store = new MemoryStore<string, string>();
      await store.set('a', 'A', 100.7);
      const reported = (await store.getWithExpiry('a'))?.expiresAt;
      expect(reported).toEqual(expect.any(Number));
      expect(Number.isInteger(reported)).toBe(true);
      await sleep(Math.max(0, reported! - Date.now()) + 15);
      expect(store.getSync('a')).toBeUndefined();
    });
  });

  describe('clear / close', () => {
    it('clear() and close() drop every entry', async () => {
      const store = new MemoryStore<string, string>();
      await store.setMany([
        { key: 'a', value: 'A' },
        { key: 'b', value: 'B' },
      ]);
      await store.clear();
      expect(store.size).toBe(0);
      expect(await store.get('a')).toBeUndefined();
      await store.set('c', 'C');
      await store.close();
      expect(store.getSync('c')).toBeUndefined();
    });
  });
});

describe('MemoryStore: has, clear, keys', () => {
  it('has is true for a live entry and false for a missing or expired one', async () => {
    const store = new MemoryStore<string, string>();
    await store.set('live', 'v');
    await store.set('short', 'v', 1);
    await sleep(10);
    expect(await store.has('live')).toBe(true);
    expect(await store.has('short')).toBe(false);
    expect(await store.has('never')).toBe(false);
  });

  it('keys yields the live keys only, and clear empties the store', async () => {
    const store = new MemoryStore<string, number>();
    await store.set('a', 1);
    await store.set('b', 2);
    await store.set('gone', 3, 1);
    await sleep(10);
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    expect(keys.sort()).toEqual(['a', 'b']);
    await store.clear();
    expect(store.size).toBe(0);
  });

  it('keys is a snapshot: deleting during the iteration does not disturb it', async () => {
    const store = new MemoryStore<string, number>();
    for (const key of ['a', 'b', 'c']) await store.set(key, 1);
    const keys: string[] = [];
    for await (const key of store.keys()) {
      keys.push(key);
      await store.delete('c');
    }
    expect(keys.sort()).toEqual(['a', 'b', 'c']);
  });
});
