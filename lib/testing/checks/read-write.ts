import { fail, show } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-check.js';

/** get, set and delete: what every store must do. */
export const readWriteChecks: ConformanceGroup = {
  title: 'get, set and delete',
  checks: [
    {
      name: 'get of a key never written resolves undefined (or rejects with NotFoundError)',
      async run(t) {
        const key = t.key();
        const found = await t.get(key);
        if (found !== undefined) {
          fail(
            `get of a key never written returned ${show(found)}; a miss must resolve undefined (or ` +
              'reject with NotFoundError)',
          );
        }
      },
    },
    {
      name: 'get after set returns the value',
      async run(t) {
        const key = t.key();
        const value = t.value(key, 1);
        await t.set(key, value);
        const found = await t.get(key);
        if (found === undefined)
          fail('get after set returned undefined; a Store must return the value it was given');
        t.expectSame(found, value, () => `get after set returned ${show(found)} instead of ${show(value)}`);
      },
    },
    {
      name: 'a second set replaces the value: the last write wins',
      async run(t) {
        const key = t.key();
        const first = t.value(key, 1);
        const second = t.value(key, 2);
        await t.set(key, first);
        await t.set(key, second);
        const found = await t.get(key);
        if (t.same(found, first))
          fail('get after a second set returned the first value; set must replace it');
        t.expectSame(
          found,
          second,
          () => `get after a second set returned ${show(found)} instead of ${show(second)}`,
        );
      },
    },
    {
      name: 'delete removes the key, and deleting a missing key resolves',
      async run(t) {
        const key = t.key();
        await t.set(key, t.value(key, 1));
        await t.delete(key);
        const found = await t.get(key);
        if (found !== undefined) fail(`get after delete returned ${show(found)}; delete must remove the key`);
        await t.delete(t.key());
      },
    },
    {
      name: 'keys are independent: writing or deleting one leaves the others',
      async run(t) {
        const [a, b] = t.keys(2);
        const valueA = t.value(a, 1);
        const valueB = t.value(b, 2);
        await t.set(a, valueA);
        await t.set(b, valueB);
        const foundA = await t.get(a);
        if (t.same(foundA, valueB))
          fail(`get(${show(a)}) returned the value written to ${show(b)}; the store mixes keys up`);
        t.expectSame(
          foundA,
          valueA,
          () => `get(${show(a)}) returned ${show(foundA)} instead of ${show(valueA)}`,
        );
        await t.delete(a);
        const foundB = await t.get(b);
        if (foundB === undefined)
          fail(`delete(${show(a)}) also removed ${show(b)}; delete must remove its key only`);
        t.expectSame(
          foundB,
          valueB,
          () => `get(${show(b)}) returned ${show(foundB)} instead of ${show(valueB)}`,
        );
      },
    },
    {
      name: 'concurrent sets of one key leave one of the written values',
      async run(t) {
        const key = t.key();
        const values = Array.from({ length: t.settings.concurrency }, (_, i) => t.value(key, i + 1));
        await Promise.all(values.map((value) => t.set(key, value)));
        const found = await t.get(key);
        if (!values.some((value) => t.same(found, value))) {
          fail(
            `after ${values.length} concurrent sets of one key, get returned ${show(found)}, which none of them ` +
              'wrote; concurrent writes of a key must leave one of the written values, whole',
          );
        }
      },
    },
  ],
};
