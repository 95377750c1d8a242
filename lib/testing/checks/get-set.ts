import { fail, show } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-check.js';
import { LONG_TTL } from './ttl.js';

/** getSet: an atomic swap that resolves the value it replaced and writes the new one as set does. */
export const getSetChecks: ConformanceGroup = {
  title: 'getSet',
  checks: [
    {
      name: 'resolves undefined for a key never written, and writes the value',
      needs: ['getSet'],
      async run(t) {
        const key = t.key();
        const value = t.value(key, 1);
        const old = await t.getSet(key, value);
        if (t.same(old, value))
          fail(
            'getSet of a key never written returned the new value; it must return the one it replaced: undefined',
          );
        if (old !== undefined)
          fail(`getSet of a key never written returned ${show(old)} instead of undefined`);
        const found = await t.get(key);
        if (found === undefined) fail('get after getSet returned undefined; getSet must write the value');
        t.expectSame(
          found,
          value,
          () => `get after getSet returned ${show(found)} instead of ${show(value)}`,
        );
      },
    },
    {
      name: 'resolves the value it replaced, and writes the new one',
      needs: ['getSet'],
      async run(t) {
        const key = t.key();
        const first = t.value(key, 1);
        const second = t.value(key, 2);
        await t.set(key, first);
        const old = await t.getSet(key, second);
        if (t.same(old, second)) fail('getSet returned the new value; it must return the value it replaced');
        if (old === undefined)
          fail('getSet of a key that held a value returned undefined; it must return that value');
        t.expectSame(
          old,
          first,
          () => `getSet returned ${show(old)} instead of the value it replaced, ${show(first)}`,
        );
        const found = await t.get(key);
        if (t.same(found, first))
          fail('get after getSet returned the old value; getSet must write the new one');
        t.expectSame(
          found,
          second,
          () => `get after getSet returned ${show(found)} instead of ${show(second)}`,
        );
      },
    },
    {
      name: 'resolves null when it replaces null',
      needs: ['getSet'],
      anyValue: true,
      async run(t) {
        const key = t.key();
        await t.set(key, null);
        const old = await t.getSet(key, 'next');
        if (old !== null)
          fail(`getSet over a stored null returned ${show(old)}; null is a value, and getSet returns it`);
      },
    },
    {
      name: 'with a ttl, the new entry expires per that ttl',
      needs: ['getSet', 'ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const key = t.key();
        await t.set(key, t.value(key, 1));
        const since = Date.now();
        await t.getSet(key, t.value(key, 2), ttl);
        const elapsed = await t.waitPastTtl(since, ttl);
        const found = await t.get(key);
        if (found !== undefined) {
          fail(
            t.stillReadable(
              ttl,
              elapsed,
              `written by getSet over an entry without ttl; get returned ${show(found)}`,
            ),
          );
        }
      },
    },
    {
      name: 'without ttl, the new entry never expires, even where the old one had a ttl',
      needs: ['getSet', 'ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const key = t.key();
        const since = Date.now();
        await t.set(key, t.value(key, 1), ttl);
        const value = t.value(key, 2);
        await t.getSet(key, value);
        const elapsed = await t.waitPastTtl(since, ttl);
        const found = await t.get(key);
        if (found === undefined) {
          fail(
            `set with ttl ${ttl} ms, then getSet without ttl: gone after ${elapsed} ms; getSet writes as set ` +
              'does, and without ttl the entry never expires (it must not keep the old ttl)',
          );
        }
        t.expectSame(
          found,
          value,
          () => `get after getSet returned ${show(found)} instead of ${show(value)}`,
        );
      },
    },
    {
      name: 'a value whose ttl passed is not returned as the old value',
      needs: ['getSet', 'ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const key = t.key();
        const since = Date.now();
        await t.set(key, t.value(key, 1), ttl);
        const elapsed = await t.waitPastTtl(since, ttl);
        const old = await t.getSet(key, t.value(key, 2), LONG_TTL);
        if (old !== undefined)
          fail(t.stillReadable(ttl, elapsed, `getSet returned it as the old value: ${show(old)}`));
      },
    },
    {
      name: 'concurrent getSets of one key take turns: each returns the value the previous one wrote',
      needs: ['getSet'],
      async run(t) {
        const key = t.key();
        const n = t.settings.concurrency;
        const initial = t.value(key, 1);
        const values = Array.from({ length: n }, (_, i) => t.value(key, i + 2));
        await t.set(key, initial);
        const returned = await Promise.all(values.map((value) => t.getSet(key, value)));
        const all = [initial, ...values];
        const count = (value: unknown) => returned.filter((old) => t.same(old, value)).length;
        for (const value of all) {
          const times = count(value);
          if (times > 1) {
            fail(
              `${n} concurrent getSets of one key returned ${show(value)} ${times} times; an atomic swap returns ` +
                'each value once (the initial one, then each written one but the last): getSet must read and ' +
                'write in one step',
            );
          }
        }
        const stray = returned.find((old) => !all.some((value) => t.same(old, value)));
        if (returned.some((old) => old === undefined) || stray !== undefined) {
          fail(`${n} concurrent getSets of one key returned ${show(stray)}, which was never written`);
        }
        if (count(initial) !== 1)
          fail(`${n} concurrent getSets of one key never returned the value the key held before them`);
        const last = values.find((value) => count(value) === 0);
        const found = await t.get(key);
        if (last === undefined || !t.same(found, last)) {
          fail(
            `after ${n} concurrent getSets, get returned ${show(found)}; it must be the one value that no getSet ` +
              `returned (${show(last)}): the last swap's`,
          );
        }
      },
    },
  ],
};
