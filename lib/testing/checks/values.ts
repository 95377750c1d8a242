import { fail, show } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-check.js';
import { FALSY_VALUES, NESTED_VALUE, UNICODE_STRINGS, largeString } from '../sample-values.js';

/** Values that careless stores lose or change: only for stores that take any JSON value. */
export const valueChecks: ConformanceGroup = {
  title: 'values',
  checks: [
    {
      name: 'null is a value, not a miss',
      anyValue: true,
      async run(t) {
        const key = t.key();
        await t.set(key, null);
        const found = await t.get(key);
        if (found === undefined) {
          fail('get after set(null) returned undefined; null is a value, and only undefined is a miss');
        }
        if (found !== null) fail(`get after set(null) returned ${show(found)} instead of null`);
      },
    },
    {
      name: '0, false and the empty string are values',
      anyValue: true,
      async run(t) {
        for (const value of FALSY_VALUES) {
          const key = t.key();
          await t.set(key, value);
          const found = await t.get(key);
          if (found === undefined) {
            fail(
              `get after set(${show(value)}) returned undefined; ${show(value)} is a value, and only undefined is a miss`,
            );
          }
          t.expectSame(found, value, () => `get after set(${show(value)}) returned ${show(found)}`);
        }
      },
    },
    {
      name: 'nested objects and arrays round-trip',
      anyValue: true,
      async run(t) {
        const key = t.key();
        await t.set(key, NESTED_VALUE);
        const found = await t.get(key);
        t.expectSame(
          found,
          NESTED_VALUE,
          () => `a nested value came back as ${show(found)} instead of ${show(NESTED_VALUE)}`,
        );
        const list = [[1, 2], [], { a: [null] }, 'end'];
        const listKey = t.key();
        await t.set(listKey, list);
        const foundList = await t.get(listKey);
        t.expectSame(
          foundList,
          list,
          () => `an array came back as ${show(foundList)} instead of ${show(list)}`,
        );
      },
    },
    {
      name: 'unicode strings round-trip',
      anyValue: true,
      async run(t) {
        for (const text of UNICODE_STRINGS) {
          const key = t.key();
          await t.set(key, { text });
          const found = await t.get(key);
          t.expectSame(
            found,
            { text },
            () =>
              `${show(text)} came back as ${show(found)}; strings must round-trip as UTF-16, every code point`,
          );
        }
      },
    },
    {
      name: 'a large value round-trips',
      anyValue: true,
      async run(t) {
        const key = t.key();
        const size = t.settings.largeValueSize;
        const value = {
          text: largeString(size),
          rows: Array.from({ length: 1000 }, (_, i) => ({ i, name: `row ${i}` })),
        };
        await t.set(key, value);
        const found = await t.get(key);
        if (found === undefined) fail(`get after setting a value of ${size} characters returned undefined`);
        if (!t.same(found, value)) {
          const text = (found as { text?: unknown } | null)?.text;
          const length = typeof text === 'string' ? `its text has ${text.length} characters` : 'it changed';
          fail(
            `a value with a text of ${size} characters and 1000 rows came back different (${length}); ` +
              'lower options.largeValueSize if the store has a smaller limit',
            { actual: found, expected: value },
          );
        }
      },
    },
  ],
};
