import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { LruMap } from '../../lib/stores/lru-map.js';
import { numRuns, seed } from '../reliability/support/fc-config.js';

/** A map on a clock the test moves by hand. */
function withClock<K, V>(max: number) {
  const clock = { now: 1_000 };
  const map = new LruMap<K, V>(max, () => clock.now);
  return { map, clock };
}

describe('LruMap', () => {
  describe('eviction', () => {
    it('drops the least recently written entry when full', () => {
      const { map } = withClock<string, number>(3);
      for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) map.set(key, i, 0);
      expect(map.size).toBe(3);
      expect(map.get('a')).toBeUndefined();
      expect(map.keys()).toEqual(['d', 'c', 'b']);
    });

    it('a get makes the entry the most recently used', () => {
      const { map } = withClock<string, number>(3);
      map.set('a', 1, 0);
      map.set('b', 2, 0);
      map.set('c', 3, 0);
      expect(map.get('a')).toBe(1);
      map.set('d', 4, 0); // evicts b, the least recently used now
      expect(map.keys()).toEqual(['d', 'a', 'c']);
      expect(map.find('c')).toBeGreaterThan(0); // find bumps too
      map.set('e', 5, 0); // evicts a
      expect(map.keys()).toEqual(['e', 'c', 'd']);
    });

    it('rewriting a key replaces its value and expiry and makes it the most recently used', () => {
      const { map, clock } = withClock<string, number>(2);
      map.set('a', 1, clock.now + 10);
      map.set('b', 2, 0);
      map.set('a', 10, 0);
      expect(map.size).toBe(2);
      map.set('c', 3, 0); // evicts b
      expect(map.keys()).toEqual(['c', 'a']);
      clock.now += 100;
      expect(map.get('a')).toBe(10); // no expiry any more
    });

    it('has neither bumps nor drops anything', () => {
      const { map, clock } = withClock<string, number>(2);
      map.set('a', 1, clock.now + 5);
      map.set('b', 2, 0);
      expect(map.has('a')).toBe(true);
      map.set('c', 3, 0); // a was not bumped: it goes
      expect(map.has('a')).toBe(false);
      map.set('x', 4, clock.now + 5);
      clock.now += 5;
      expect(map.has('x')).toBe(false);
      expect(map.size).toBe(2); // still held until read or evicted
    });

    it('a map of one entry keeps the last one written', () => {
      const { map } = withClock<string, number>(1);
      map.set('a', 1, 0);
      map.set('b', 2, 0);
      expect(map.get('a')).toBeUndefined();
      expect(map.get('b')).toBe(2);
      expect(map.size).toBe(1);
    });
  });

  describe('expiry', () => {
    it('serves an entry before its expiry and drops it at its expiry, when read', () => {
      const { map, clock } = withClock<string, string>(10);
      map.set('a', 'A', clock.now + 100);
      map.set('forever', 'F', 0);
      clock.now += 99;
      expect(map.get('a')).toBe('A');
      const slot = map.find('a');
      expect(map.valueAt(slot)).toBe('A');
      expect(map.expiryAt(slot)).toBe(1_100);
      clock.now += 1;
      expect(map.size).toBe(2); // lazy: still held
      expect(map.keys()).toEqual(['forever']);
      expect(map.get('a')).toBeUndefined();
      expect(map.size).toBe(1);
      expect(map.find('a')).toBe(-1);
      clock.now += 1e12;
      expect(map.get('forever')).toBe('F');
      expect(map.expiryAt(map.find('forever'))).toBe(0);
    });

    it('reads the clock only for entries that have an expiry', () => {
      let reads = 0;
      const map = new LruMap<string, number>(10, () => (reads++, 5));
      map.set('a', 1, 0);
      map.get('a');
      map.find('a');
      map.has('a');
      map.keys();
      expect(reads).toBe(0);
      map.set('b', 2, 10);
      map.get('b');
      expect(reads).toBe(1);
    });

    it('evicts in recency order whether or not entries expired', () => {
      const { map, clock } = withClock<string, number>(2);
      map.set('old', 1, 0);
      map.set('short', 2, clock.now + 1);
      clock.now += 10;
      map.set('new', 3, 0); // evicts old, the least recently used, though short expired
      expect(map.get('old')).toBeUndefined();
      expect(map.get('short')).toBeUndefined();
      expect(map.get('new')).toBe(3);
    });
  });

  describe('delete and clear', () => {
    it('delete drops an entry and says whether it was held', () => {
      const { map } = withClock<string, number>(3);
      map.set('a', 1, 0);
      map.set('b', 2, 0);
      expect(map.delete('a')).toBe(true);
      expect(map.delete('a')).toBe(false);
      expect(map.delete('never')).toBe(false);
      expect(map.size).toBe(1);
      expect(map.keys()).toEqual(['b']);
      expect(map.get('a')).toBeUndefined();
    });

    it('deleting the most and the least recently used entries keeps the order of the rest', () => {
      const { map } = withClock<number, number>(10);
      for (let i = 0; i < 5; i++) map.set(i, i, 0);
      map.delete(4);
      map.delete(0);
      expect(map.keys()).toEqual([3, 2, 1]);
      map.delete(2);
      expect(map.keys()).toEqual([3, 1]);
    });

    it('clear drops everything, and the map works as new afterwards', () => {
      const { map } = withClock<string, number>(3);
      for (const key of ['a', 'b', 'c']) map.set(key, 1, 0);
      map.clear();
      expect(map.size).toBe(0);
      expect(map.keys()).toEqual([]);
      expect(map.get('a')).toBeUndefined();
      for (const [i, key] of ['x', 'y', 'z', 'w'].entries()) map.set(key, i, 0);
      expect(map.keys()).toEqual(['w', 'z', 'y']);
    });

    it('keys are compared as a Map compares them: null, 0, NaN and objects are keys', () => {
      const { map } = withClock<unknown, string>(10);
      const object = {};
      map.set(null, 'null', 0);
      map.set(0, 'zero', 0);
      map.set(NaN, 'nan', 0);
      map.set(object, 'object', 0);
      expect([map.get(null), map.get(-0), map.get(NaN), map.get(object), map.get({})]).toEqual([
        'null',
        'zero',
        'nan',
        'object',
        undefined,
      ]);
    });
  });

  describe('capacity', () => {
    it('reuses freed slots: a full map after many deletes holds max entries, in order', () => {
      const { map } = withClock<number, number>(100);
      for (let round = 0; round < 50; round++) {
        for (let i = 0; i < 100; i++) map.set(round * 100 + i, i, 0);
        for (let i = 0; i < 100; i += 2) map.delete(round * 100 + i);
        expect(map.size).toBe(50);
      }
      for (let i = 0; i < 100; i++) map.set(-i - 1, i, 0);
      expect(map.size).toBe(100);
      expect(map.keys()).toEqual(Array.from({ length: 100 }, (_, i) => -100 + i));
    });

    it('grows past its first allocation up to max, and evicts from there', () => {
      const { map } = withClock<number, number>(1_000);
      for (let i = 0; i < 5_000; i++) map.set(i, i * 2, 0);
      expect(map.size).toBe(1_000);
      expect(map.get(3_999)).toBeUndefined();
      expect(map.get(4_000)).toBe(8_000);
      expect(map.get(4_999)).toBe(9_998);
      expect(map.keys()).toHaveLength(1_000);
    });

    it('a slot freed by delete is reused for the next new key, which is the most recently used', () => {
      const { map } = withClock<string, { n: number }>(4);
      for (let i = 0; i < 4; i++) map.set(`k${i}`, { n: i }, 0);
      map.delete('k1');
      map.set('k9', { n: 9 }, 0);
      expect(map.keys()).toEqual(['k9', 'k3', 'k2', 'k0']);
      expect(map.get('k9')).toEqual({ n: 9 });
    });
  });

  /** The reference: an array of live entries, least recently used first. */
  class Model {
    entries: Array<{ key: number; value: number; expiresAt: number }> = [];
    constructor(readonly max: number) {}
    #at(key: number) {
      return this.entries.findIndex((entry) => entry.key === key);
    }
    get(key: number, now: number): number | undefined {
      const index = this.#at(key);
      if (index < 0) return undefined;
      const [entry] = this.entries.splice(index, 1);
      if (entry.expiresAt !== 0 && entry.expiresAt <= now) return undefined;
      this.entries.push(entry);
      return entry.value;
    }
    has(key: number, now: number): boolean {
      const entry = this.entries[this.#at(key)];
      return entry !== undefined && (entry.expiresAt === 0 || entry.expiresAt > now);
    }
    set(key: number, value: number, expiresAt: number): void {
      const index = this.#at(key);
      if (index >= 0) this.entries.splice(index, 1);
      else if (this.entries.length >= this.max) this.entries.shift();
      this.entries.push({ key, value, expiresAt });
    }
    delete(key: number): boolean {
      const index = this.#at(key);
      if (index >= 0) this.entries.splice(index, 1);
      return index >= 0;
    }
    keys(now: number): number[] {
      return this.entries
        .filter((entry) => entry.expiresAt === 0 || entry.expiresAt > now)
        .map((entry) => entry.key)
        .reverse();
    }
  }

  /** Operations on keys 0 .. keyCount-1; clear with the given weight (the others weigh 2 to 8). */
  const operations = (keyCount: number, clearWeight: number) => {
    const key = fc.integer({ min: 0, max: keyCount - 1 });
    return fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('get' as const), key }), weight: 8 },
      { arbitrary: fc.record({ kind: fc.constant('has' as const), key }), weight: 2 },
      {
        arbitrary: fc.record({
          kind: fc.constant('set' as const),
          key,
          value: fc.integer(),
          ttl: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
        }),
        weight: 8,
      },
      { arbitrary: fc.record({ kind: fc.constant('delete' as const), key }), weight: 4 },
      {
        arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 10 }) }),
        weight: 4,
      },
      { arbitrary: fc.record({ kind: fc.constant('keys' as const) }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constant('clear' as const) }), weight: clearWeight },
    );
  };

  // node:assert in the loop: jest's expect costs too much per step for thousands of programs.
  it.each([
    { size: 'small', maxes: [1, 20], keyCount: 40, length: 300, clearWeight: 1 },
    // Past the first allocation (64 slots), with no clear: the arrays grow while entries are deleted and
    // evicted.
    { size: 'growing', maxes: [60, 140], keyCount: 200, length: 800, clearWeight: 0 },
  ])(
    'agrees with a reference model over random operations ($size maps)',
    ({ maxes, keyCount, length, clearWeight }) => {
      const [min, max] = maxes;
      const ops = fc.array(operations(keyCount, clearWeight), { minLength: length / 2, maxLength: length });
      fc.assert(
        fc.property(fc.integer({ min, max }), ops, (max, ops) => {
          const { map, clock } = withClock<number, number>(max);
          const model = new Model(max);
          for (const step of ops) {
            switch (step.kind) {
              case 'get':
                assert.strictEqual(map.get(step.key), model.get(step.key, clock.now));
                break;
              case 'has':
                assert.strictEqual(map.has(step.key), model.has(step.key, clock.now));
                break;
              case 'set': {
                const expiresAt = step.ttl === undefined ? 0 : clock.now + step.ttl;
                map.set(step.key, step.value, expiresAt);
                model.set(step.key, step.value, expiresAt);
                break;
              }
              case 'delete':
                assert.strictEqual(map.delete(step.key), model.delete(step.key));
                break;
              case 'tick':
                clock.now += step.ms;
                break;
              case 'keys':
                assert.deepStrictEqual(map.keys(), model.keys(clock.now));
                break;
              case 'clear':
                map.clear();
                model.entries = [];
                break;
            }
            assert.strictEqual(map.size, model.entries.length);
          }
          assert.deepStrictEqual(map.keys(), model.keys(clock.now));
        }),
        { numRuns: numRuns(length > 300 ? 60 : 300), seed: seed() },
      );
    },
  );
});
