import { fail, show } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-check.js';

/** How long the checks' long-lived entries live (ms): long past any wait of the suite. */
export const LONG_TTL = 60_000;

/** The `ttl` argument of set, in milliseconds; omitted, no expiry. */
export const ttlChecks: ConformanceGroup = {
  title: 'ttl',
  checks: [
    {
      name: 'an entry expires after its ttl, and one written without ttl does not',
      needs: ['ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const [short, forever] = t.keys(2);
        const since = Date.now();
        await t.set(short, t.value(short, 1), ttl);
        await t.set(forever, t.value(forever, 2));
        const early = await t.get(short);
        if (t.early(since, ttl) && early === undefined) {
          fail(
            `ttl ${ttl} ms: get ${Date.now() - since} ms after the set returned undefined; an entry must stay until its ttl has passed`,
          );
        }
        const elapsed = await t.waitPastTtl(since, ttl);
        const late = await t.get(short);
        if (late !== undefined) fail(t.stillReadable(ttl, elapsed, `get returned ${show(late)}`));
        const kept = await t.get(forever);
        if (kept === undefined) {
          fail(
            `an entry written without ttl was gone after ${Date.now() - since} ms; without ttl an entry never expires`,
          );
        }
      },
    },
    {
      name: 'a later set with a longer ttl extends the entry',
      needs: ['ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const key = t.key();
        const since = Date.now();
        await t.set(key, t.value(key, 1), ttl);
        const value = t.value(key, 2);
        await t.set(key, value, LONG_TTL);
        const elapsed = await t.waitPastTtl(since, ttl);
        const found = await t.get(key);
        if (found === undefined) {
          fail(
            `set with ttl ${ttl} ms, then set with ttl ${LONG_TTL} ms: gone after ${elapsed} ms; each set ` +
              'gives the entry the ttl it is called with',
          );
        }
        t.expectSame(
          found,
          value,
          () => `get returned ${show(found)} instead of the second value ${show(value)}`,
        );
      },
    },
    {
      name: 'a later set without ttl keeps the entry for good',
      needs: ['ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const key = t.key();
        const since = Date.now();
        await t.set(key, t.value(key, 1), ttl);
        const value = t.value(key, 2);
        await t.set(key, value);
        const elapsed = await t.waitPastTtl(since, ttl);
        const found = await t.get(key);
        if (found === undefined) {
          fail(
            `set with ttl ${ttl} ms, then set without ttl: gone after ${elapsed} ms; a set without ttl ` +
              'writes an entry that never expires (it must not keep the old ttl)',
          );
        }
        t.expectSame(
          found,
          value,
          () => `get returned ${show(found)} instead of the second value ${show(value)}`,
        );
      },
    },
    {
      name: 'a later set with a shorter ttl shortens the entry',
      needs: ['ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const key = t.key();
        await t.set(key, t.value(key, 1), LONG_TTL);
        const since = Date.now();
        await t.set(key, t.value(key, 2), ttl);
        const elapsed = await t.waitPastTtl(since, ttl);
        const found = await t.get(key);
        if (found !== undefined) {
          fail(
            t.stillReadable(
              ttl,
              elapsed,
              `the entry had ttl ${LONG_TTL} ms before; get returned ${show(found)}`,
            ),
          );
        }
      },
    },
  ],
};
