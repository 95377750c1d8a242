import { fail, show } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-check.js';
import type { StoreProbe } from '../store-probe.js';
import { FALSY_VALUES } from '../sample-values.js';

/** Fails unless a batch read answered one entry per key, in order, each the expected one. */
function expectEntries(
  t: StoreProbe<unknown, unknown>,
  call: string,
  result: unknown,
  keys: readonly unknown[],
  expected: readonly unknown[],
): void {
  if (!Array.isArray(result)) fail(`${call} resolved ${show(result)}; it must resolve an array`);
  if (result.length !== keys.length) {
    fail(
      `${call} of ${keys.length} keys returned ${result.length} entries (${show(result)}); it must return one ` +
        'entry per key, in the order asked, duplicates and misses included',
      { actual: result, expected },
    );
  }
  keys.forEach((key, i) => {
    if (!t.same(result[i], expected[i])) {
      const moved = expected.findIndex((value) => value !== undefined && t.same(result[i], value));
      const where = moved >= 0 && moved !== i ? ` (the value of entry ${moved}: keep the order asked)` : '';
      fail(
        `${call}: entry ${i} (key ${show(key)}) is ${show(result[i])} instead of ${show(expected[i])}${where}`,
        { actual: result, expected },
      );
    }
  });
}

export const getManyChecks: ConformanceGroup = {
  title: 'getMany',
  checks: [
    {
      name: 'answers one entry per key, in the order asked, undefined for a miss, duplicates allowed',
      needs: ['getMany'],
      async run(t) {
        const [a, b, c, missing] = t.keys(4);
        const values = [t.value(a, 1), t.value(b, 2), t.value(c, 3)];
        await t.set(a, values[0]);
        await t.set(b, values[1]);
        await t.set(c, values[2]);
        const keys = [c, missing, a, b, a];
        const result = await t.getMany(keys);
        expectEntries(t, 'getMany', result, keys, [values[2], undefined, values[0], values[1], values[0]]);
      },
    },
    {
      name: 'answers [] for no keys',
      needs: ['getMany'],
      async run(t) {
        const result = await t.getMany([]);
        if (!Array.isArray(result) || result.length !== 0)
          fail(`getMany([]) resolved ${show(result)} instead of []`);
      },
    },
    {
      name: 'null, 0, false and the empty string are values, not misses',
      needs: ['getMany'],
      anyValue: true,
      async run(t) {
        const values = [null, ...FALSY_VALUES];
        const keys = t.keys(values.length);
        for (const [i, key] of keys.entries()) await t.set(key, values[i]);
        expectEntries(t, 'getMany', await t.getMany(keys), keys, values);
      },
    },
    {
      name: 'an entry whose ttl passed is a miss',
      needs: ['getMany', 'ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const [short, kept] = t.keys(2);
        const keptValue = t.value(kept, 2);
        const since = Date.now();
        await t.set(short, t.value(short, 1), ttl);
        await t.set(kept, keptValue);
        const elapsed = await t.waitPastTtl(since, ttl);
        const result = await t.getMany([short, kept]);
        if (Array.isArray(result) && result[0] !== undefined) {
          fail(t.stillReadable(ttl, elapsed, `getMany returned ${show(result[0])} for it`));
        }
        expectEntries(t, 'getMany', result, [short, kept], [undefined, keptValue]);
      },
    },
  ],
};

export const setManyChecks: ConformanceGroup = {
  title: 'setMany',
  checks: [
    {
      name: 'writes every entry',
      needs: ['setMany'],
      async run(t) {
        const keys = t.keys(4);
        const entries = keys.map((key, i) => ({ key, value: t.value(key, i + 1) }));
        await t.setMany(entries);
        for (const { key, value } of entries) {
          const found = await t.get(key);
          t.expectSame(
            found,
            value,
            () => `get after setMany returned ${show(found)} for ${show(key)} instead of ${show(value)}`,
          );
        }
      },
    },
    {
      name: 'each entry keeps its own ttl',
      needs: ['setMany', 'ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const [short, long, forever] = t.keys(3);
        const since = Date.now();
        await t.setMany([
          { key: short, value: t.value(short, 1), ttl },
          { key: long, value: t.value(long, 2), ttl: 60_000 },
          { key: forever, value: t.value(forever, 3) },
        ]);
        const early = await t.get(short);
        if (t.early(since, ttl) && early === undefined) {
          fail(`setMany with ttl ${ttl} ms: get ${Date.now() - since} ms later returned undefined`);
        }
        const elapsed = await t.waitPastTtl(since, ttl);
        const late = await t.get(short);
        if (late !== undefined)
          fail(t.stillReadable(ttl, elapsed, `written by setMany; get returned ${show(late)}`));
        if ((await t.get(long)) === undefined)
          fail(`setMany: the entry with ttl 60000 ms was gone after ${elapsed} ms`);
        if ((await t.get(forever)) === undefined)
          fail(`setMany: the entry without ttl was gone after ${elapsed} ms`);
      },
    },
    {
      name: 'a key given twice: the later entry wins',
      needs: ['setMany'],
      async run(t) {
        const [key, other] = t.keys(2);
        const first = t.value(key, 1);
        const second = t.value(key, 2);
        await t.setMany([
          { key, value: first },
          { key: other, value: t.value(other, 3) },
          { key, value: second },
        ]);
        const found = await t.get(key);
        if (t.same(found, first))
          fail(
            'setMany with a key given twice kept the first entry; the later one must win, as with two sets',
          );
        t.expectSame(
          found,
          second,
          () => `setMany with a key given twice: get returned ${show(found)} instead of ${show(second)}`,
        );
      },
    },
    {
      name: 'no entries: resolves, and writes nothing',
      needs: ['setMany'],
      async run(t) {
        const key = t.key();
        const value = t.value(key, 1);
        await t.set(key, value);
        await t.setMany([]);
        const found = await t.get(key);
        t.expectSame(
          found,
          value,
          () => `setMany([]) changed an entry: get returned ${show(found)} instead of ${show(value)}`,
        );
      },
    },
  ],
};

export const deleteManyChecks: ConformanceGroup = {
  title: 'deleteMany',
  checks: [
    {
      name: 'removes exactly the given keys, missing ones and duplicates included',
      needs: ['deleteMany'],
      async run(t) {
        const [a, b, c, missing] = t.keys(4);
        const kept = t.value(b, 2);
        await t.set(a, t.value(a, 1));
        await t.set(b, kept);
        await t.set(c, t.value(c, 3));
        await t.deleteMany([a, missing, c, a]);
        for (const key of [a, c]) {
          const found = await t.get(key);
          if (found !== undefined)
            fail(
              `get after deleteMany returned ${show(found)} for ${show(key)}; deleteMany must remove every key given`,
            );
        }
        const found = await t.get(b);
        if (found === undefined) fail(`deleteMany also removed ${show(b)}, which it was not given`);
        t.expectSame(
          found,
          kept,
          () => `after deleteMany, get(${show(b)}) returned ${show(found)} instead of ${show(kept)}`,
        );
      },
    },
    {
      name: 'no keys: resolves, and removes nothing',
      needs: ['deleteMany'],
      async run(t) {
        const key = t.key();
        await t.set(key, t.value(key, 1));
        await t.deleteMany([]);
        if ((await t.get(key)) === undefined)
          fail('deleteMany([]) removed an entry; with no keys it removes nothing');
      },
    },
  ],
};
