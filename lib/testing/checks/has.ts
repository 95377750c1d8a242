import { fail } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-check.js';

export const hasChecks: ConformanceGroup = {
  title: 'has',
  checks: [
    {
      name: 'true for a key that holds a value',
      needs: ['has'],
      async run(t) {
        const key = t.key();
        await t.set(key, t.value(key, 1));
        if (!(await t.has(key)))
          fail('has after set resolved false; has must be true for a key that holds a value');
        await t.set(key, t.value(key, 2));
        if (!(await t.has(key))) fail('has after a second set resolved false');
      },
    },
    {
      name: 'false for a key never written, and after delete',
      needs: ['has'],
      async run(t) {
        const [never, deleted] = t.keys(2);
        if (await t.has(never)) fail('has of a key never written resolved true; it must be false');
        await t.set(deleted, t.value(deleted, 1));
        await t.delete(deleted);
        if (await t.has(deleted)) fail('has after delete resolved true; it must be false');
      },
    },
    {
      name: 'true for a key that holds null, 0, false or the empty string',
      needs: ['has'],
      anyValue: true,
      async run(t) {
        for (const value of [null, 0, false, '']) {
          const key = t.key();
          await t.set(key, value);
          if (!(await t.has(key))) {
            fail(
              `has after set(${JSON.stringify(value)}) resolved false; ${JSON.stringify(value)} is a value, so the key holds one`,
            );
          }
        }
      },
    },
    {
      name: 'false once the ttl passed',
      needs: ['has', 'ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const key = t.key();
        const since = Date.now();
        await t.set(key, t.value(key, 1), ttl);
        const live = await t.has(key);
        if (t.early(since, ttl) && !live) {
          fail(
            `ttl ${ttl} ms: has ${Date.now() - since} ms after the set resolved false; the entry is live until its ttl passed`,
          );
        }
        const elapsed = await t.waitPastTtl(since, ttl);
        if (await t.has(key)) fail(t.stillReadable(ttl, elapsed, 'has resolved true'));
      },
    },
  ],
};
