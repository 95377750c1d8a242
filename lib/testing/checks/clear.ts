import { fail, show } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-check.js';

/** clear empties the whole store: it runs only on an isolated one. */
export const clearChecks: ConformanceGroup = {
  title: 'clear',
  checks: [
    {
      name: 'empties the store',
      needs: ['clear'],
      isolated: true,
      async run(t) {
        const keys = t.keys(3);
        const ttl = t.settings.skipped.has('ttl') ? undefined : 60_000;
        for (const [i, key] of keys.entries())
          await t.set(key, t.value(key, i + 1), i === 0 ? ttl : undefined);
        await t.clear();
        for (const key of keys) {
          const found = await t.get(key);
          if (found !== undefined)
            fail(`get after clear returned ${show(found)} for ${show(key)}; clear must remove every entry`);
        }
      },
    },
    {
      name: 'the store works after clear',
      needs: ['clear'],
      isolated: true,
      async run(t) {
        await t.clear();
        const key = t.key();
        const value = t.value(key, 1);
        await t.set(key, value);
        const found = await t.get(key);
        if (found === undefined)
          fail('get after clear then set returned undefined; the store must keep working after clear');
        t.expectSame(
          found,
          value,
          () => `get after clear then set returned ${show(found)} instead of ${show(value)}`,
        );
      },
    },
    {
      name: 'keys() yields nothing after clear',
      needs: ['clear', 'keys'],
      isolated: true,
      async run(t) {
        for (const [i, key] of t.keys(3).entries()) await t.set(key, t.value(key, i + 1));
        await t.clear();
        const left = await t.listKeys(1_000);
        if (left.length > 0) fail(`keys() after clear yielded ${show(left)}; clear must remove every entry`);
      },
    },
  ],
};
