import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../../lib/index.js';

/** What a contract run needs: a store, and a way to release what `make` opened. */
export interface ContractSubject {
  store: Store<string, unknown>;
  cleanup(): Promise<void>;
}

export interface StoreContractOptions {
  /** A ttl (ms) short enough to wait for in a test; default 100. */
  shortTtl?: number;
  /** How far `expiresAt` may stray from `now + ttl` (ms); default 100. */
  expiryTolerance?: number;
  /** Fail, rather than skip, the expiry tests when the store has no `getWithExpiry`; default false. */
  requireExpiry?: boolean;
  /** Fail, rather than skip, the batch tests when the store has no batch forms; default false. */
  requireBatch?: boolean;
}

/**
 * The behaviour every `Store` must have, reusable for any backend (memory, cache-manager/Keyv, Redis...).
 * `make` runs once per suite; every test uses keys under a fresh random prefix, so runs against a shared
 * server never collide, and every key a test wrote is deleted after it.
 */
export function storeContract(
  name: string,
  make: () => Promise<ContractSubject>,
  options: StoreContractOptions = {},
): void {
  const shortTtl = options.shortTtl ?? 100;
  const tolerance = options.expiryTolerance ?? 100;

  describe(`${name}: Store contract`, () => {
    let subject: ContractSubject | undefined;
    let prefix = '';
    const written = new Set<string>();

    const store = (): Store<string, unknown> => {
      if (!subject) throw new Error(`storeContract(${name}): make() did not give a store`);
      return subject.store;
    };
    /** A key unique to this test; remembered so that afterEach deletes it. */
    const key = (suffix: string): string => {
      const k = `${prefix}:${suffix}`;
      written.add(k);
      return k;
    };
    /** Present when the store has the method, otherwise undefined (or a failure when required). */
    const optional = <M extends keyof Store<string, unknown>>(
      method: M,
      required: boolean | undefined,
    ): NonNullable<Store<string, unknown>[M]> | undefined => {
      const fn = store()[method];
      if (typeof fn === 'function')
        return (fn as Function).bind(store()) as NonNullable<Store<string, unknown>[M]>;
      if (required) throw new Error(`${name} has no ${String(method)}(), which this run requires`);
      return undefined;
    };

    beforeAll(async () => {
      subject = await make();
    });
    afterAll(async () => {
      await subject?.cleanup();
    });
    beforeEach(() => {
      prefix = `contract:${randomUUID()}`;
    });
    afterEach(async () => {
      const keys = [...written];
      written.clear();
      if (subject) await Promise.all(keys.map((k) => store().delete(k)));
    });

    describe('get / set / delete', () => {
      it('resolves undefined for a key never written', async () => {
        expect(await store().get(key('missing'))).toBeUndefined();
      });

      it('returns what was set, and the last write wins', async () => {
        const k = key('a');
        await store().set(k, 'one');
        expect(await store().get(k)).toBe('one');
        await store().set(k, 'two');
        expect(await store().get(k)).toBe('two');
      });

      it('forgets a deleted key, and deleting a missing key resolves', async () => {
        const k = key('a');
        await store().set(k, 'one');
        await store().delete(k);
        expect(await store().get(k)).toBeUndefined();
        await expect(store().delete(key('never'))).resolves.toBeUndefined();
      });

      it('keeps keys apart', async () => {
        await store().set(key('a'), 'A');
        await store().set(key('b'), 'B');
        await store().delete(key('a'));
        expect(await store().get(key('a'))).toBeUndefined();
        expect(await store().get(key('b'))).toBe('B');
      });

      it('treats null as a value, not a miss', async () => {
        const k = key('null');
        await store().set(k, null);
        expect(await store().get(k)).toBeNull();
      });

      it('keeps falsy values: 0, false and the empty string', async () => {
        await store().set(key('zero'), 0);
        await store().set(key('false'), false);
        await store().set(key('empty'), '');
        expect(await store().get(key('zero'))).toBe(0);
        expect(await store().get(key('false'))).toBe(false);
        expect(await store().get(key('empty'))).toBe('');
      });

      it('round-trips numbers, strings, booleans, nested objects and arrays', async () => {
        const value = {
          n: -12.5,
          s: 'héllo "world"',
          b: true,
          nil: null,
          list: [1, 'two', { three: [3] }, null],
          nested: { deeper: { deepest: ['x'] } },
        };
        const k = key('object');
        await store().set(k, value);
        expect(await store().get(k)).toEqual(value);
        await store().set(key('array'), [[1, 2], [], { a: 1 }]);
        expect(await store().get(key('array'))).toEqual([[1, 2], [], { a: 1 }]);
      });
    });

    describe('ttl', () => {
      it('expires an entry after its ttl, and keeps one without ttl', async () => {
        await store().set(key('short'), 'S', shortTtl);
        await store().set(key('forever'), 'F');
        expect(await store().get(key('short'))).toBe('S');
        await sleep(shortTtl * 2 + 50);
        expect(await store().get(key('short'))).toBeUndefined();
        expect(await store().get(key('forever'))).toBe('F');
      });

      it('a later set with a longer ttl extends the entry', async () => {
        const k = key('extended');
        await store().set(k, 'old', shortTtl);
        await store().set(k, 'new', 60_000);
        await sleep(shortTtl * 2 + 50);
        expect(await store().get(k)).toBe('new');
      });
    });

    describe('getMany', () => {
      it('answers in request order, with undefined for misses and duplicates allowed', async () => {
        const getMany = optional('getMany', options.requireBatch);
        if (!getMany) return;
        await store().set(key('a'), 'A');
        await store().set(key('b'), null);
        await store().set(key('c'), { c: [1] });
        const result = await getMany([key('c'), key('missing'), key('a'), key('b'), key('a')]);
        expect(result).toEqual([{ c: [1] }, undefined, 'A', null, 'A']);
        expect(result).toHaveLength(5);
        expect(result[3]).toBeNull();
        expect(result[1]).toBeUndefined();
      });

      it('answers [] for no keys', async () => {
        const getMany = optional('getMany', options.requireBatch);
        if (!getMany) return;
        expect(await getMany([])).toEqual([]);
      });

      it('does not return an expired entry', async () => {
        const getMany = optional('getMany', options.requireBatch);
        if (!getMany) return;
        await store().set(key('short'), 'S', shortTtl);
        await store().set(key('long'), 'L');
        await sleep(shortTtl * 2 + 50);
        expect(await getMany([key('short'), key('long')])).toEqual([undefined, 'L']);
      });
    });

    describe('setMany / deleteMany', () => {
      it('setMany writes every entry, each with its own ttl', async () => {
        const setMany = optional('setMany', options.requireBatch);
        if (!setMany) return;
        await setMany([
          { key: key('a'), value: 'A' },
          { key: key('b'), value: null },
          { key: key('c'), value: { deep: [1, { two: 2 }] } },
          { key: key('short'), value: 'S', ttl: shortTtl },
        ]);
        expect(await store().get(key('a'))).toBe('A');
        expect(await store().get(key('b'))).toBeNull();
        expect(await store().get(key('c'))).toEqual({ deep: [1, { two: 2 }] });
        expect(await store().get(key('short'))).toBe('S');
        await sleep(shortTtl * 2 + 50);
        expect(await store().get(key('short'))).toBeUndefined();
        expect(await store().get(key('a'))).toBe('A');
      });

      it('setMany with no entries resolves', async () => {
        const setMany = optional('setMany', options.requireBatch);
        if (!setMany) return;
        await expect(setMany([])).resolves.toBeUndefined();
      });

      it('deleteMany removes exactly the given keys, missing ones included', async () => {
        const deleteMany = optional('deleteMany', options.requireBatch);
        if (!deleteMany) return;
        await store().set(key('a'), 'A');
        await store().set(key('b'), 'B');
        await store().set(key('c'), 'C');
        await deleteMany([key('a'), key('c'), key('missing')]);
        expect(await store().get(key('a'))).toBeUndefined();
        expect(await store().get(key('b'))).toBe('B');
        expect(await store().get(key('c'))).toBeUndefined();
        await expect(deleteMany([])).resolves.toBeUndefined();
      });
    });

    describe('getWithExpiry', () => {
      it('resolves undefined for a miss', async () => {
        const getWithExpiry = optional('getWithExpiry', options.requireExpiry);
        if (!getWithExpiry) return;
        expect(await getWithExpiry(key('missing'))).toBeUndefined();
      });

      it('omits expiresAt for an entry without ttl', async () => {
        const getWithExpiry = optional('getWithExpiry', options.requireExpiry);
        if (!getWithExpiry) return;
        await store().set(key('a'), { a: 1 });
        const found = await getWithExpiry(key('a'));
        expect(found).toEqual({ value: { a: 1 } });
        expect(found?.expiresAt).toBeUndefined();
      });

      it('gives expiresAt about now + ttl', async () => {
        const getWithExpiry = optional('getWithExpiry', options.requireExpiry);
        if (!getWithExpiry) return;
        const ttl = 30_000;
        const before = Date.now();
        await store().set(key('a'), 'A', ttl);
        const after = Date.now();
        const found = await getWithExpiry(key('a'));
        expect(found?.value).toBe('A');
        expect(found?.expiresAt).toBeGreaterThanOrEqual(before + ttl - tolerance);
        expect(found?.expiresAt).toBeLessThanOrEqual(after + ttl + tolerance);
      });

      it('treats null as a value', async () => {
        const getWithExpiry = optional('getWithExpiry', options.requireExpiry);
        if (!getWithExpiry) return;
        await store().set(key('null'), null, 30_000);
        const found = await getWithExpiry(key('null'));
        expect(found).toBeDefined();
        expect(found?.value).toBeNull();
        expect(found?.expiresAt).toEqual(expect.any(Number));
      });

      it('drops the expiry when the key is set again without ttl', async () => {
        const getWithExpiry = optional('getWithExpiry', options.requireExpiry);
        if (!getWithExpiry) return;
        await store().set(key('a'), 'old', 30_000);
        await store().set(key('a'), 'new');
        expect(await getWithExpiry(key('a'))).toEqual({ value: 'new' });
      });

      it('resolves undefined once the entry expired', async () => {
        const getWithExpiry = optional('getWithExpiry', options.requireExpiry);
        if (!getWithExpiry) return;
        await store().set(key('short'), 'S', shortTtl);
        await sleep(shortTtl * 2 + 50);
        expect(await getWithExpiry(key('short'))).toBeUndefined();
      });
    });

    describe('getManyWithExpiry', () => {
      it('answers in request order, with expiries, misses and duplicates', async () => {
        const getManyWithExpiry = optional('getManyWithExpiry', options.requireExpiry);
        if (!getManyWithExpiry) return;
        const ttl = 30_000;
        const before = Date.now();
        await store().set(key('ttl'), 'T', ttl);
        await store().set(key('none'), null);
        const after = Date.now();
        const result = await getManyWithExpiry([key('none'), key('missing'), key('ttl'), key('none')]);
        expect(result).toHaveLength(4);
        expect(result[0]).toEqual({ value: null });
        expect(result[0]?.expiresAt).toBeUndefined();
        expect(result[1]).toBeUndefined();
        expect(result[2]?.value).toBe('T');
        expect(result[2]?.expiresAt).toBeGreaterThanOrEqual(before + ttl - tolerance);
        expect(result[2]?.expiresAt).toBeLessThanOrEqual(after + ttl + tolerance);
        expect(result[3]).toEqual({ value: null });
      });

      it('answers [] for no keys', async () => {
        const getManyWithExpiry = optional('getManyWithExpiry', options.requireExpiry);
        if (!getManyWithExpiry) return;
        expect(await getManyWithExpiry([])).toEqual([]);
      });
    });
  });
}
