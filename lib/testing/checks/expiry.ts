import type { ValueWithExpiry } from '../../core/store.js';
import { fail, show } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-check.js';
import type { StoreProbe } from '../store-probe.js';
import { LONG_TTL } from './ttl.js';

/** Fails unless the answer holds the value and no expiresAt (an entry written without ttl). */
function expectForever(
  t: StoreProbe<unknown, unknown>,
  call: string,
  found: ValueWithExpiry<unknown> | undefined,
  value: unknown,
): void {
  if (found === undefined || found === null || typeof found !== 'object') {
    fail(`${call} of an entry resolved ${show(found)}; it must resolve { value, expiresAt? }`);
  }
  t.expectSame(found.value, value, () => `${call}: value is ${show(found.value)} instead of ${show(value)}`);
  if (found.expiresAt !== undefined) {
    fail(
      `${call} of an entry written without ttl gave expiresAt ${show(found.expiresAt)}; an entry that never ` +
        'expires has no expiresAt (undefined)',
    );
  }
}

/** Fails unless expiresAt is the entry's expiry in epoch ms: the set's time + ttl, within the tolerance. */
function expectExpiresAt(
  t: StoreProbe<unknown, unknown>,
  call: string,
  found: ValueWithExpiry<unknown> | undefined,
  value: unknown,
  window: { since: number; until: number; ttl: number },
): void {
  if (found === undefined || found === null || typeof found !== 'object') {
    fail(
      `${call} of an entry with ttl ${window.ttl} ms resolved ${show(found)}; it must resolve { value, expiresAt }`,
    );
  }
  t.expectSame(found.value, value, () => `${call}: value is ${show(found.value)} instead of ${show(value)}`);
  const { expiresAt } = found;
  const tolerance = t.settings.expiryTolerance;
  const low = window.since + window.ttl - tolerance;
  const high = window.until + window.ttl + tolerance;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
    fail(
      `${call} of an entry with ttl ${window.ttl} ms gave expiresAt ${show(expiresAt)}; it must be the expiry in epoch milliseconds`,
    );
  }
  if (expiresAt < low || expiresAt > high) {
    const unit =
      expiresAt < 1e11
        ? ' (it looks like seconds or a duration: expiresAt is a time in epoch milliseconds, like Date.now())'
        : '';
    fail(
      `ttl ${window.ttl} ms: expiresAt is ${expiresAt}, ${expiresAt - window.since} ms after the set began; it ` +
        `must be the set's time + ttl, within ${tolerance} ms (options.expiryTolerance)${unit}`,
    );
  }
}

export const getWithExpiryChecks: ConformanceGroup = {
  title: 'getWithExpiry',
  checks: [
    {
      name: 'resolves undefined for a miss',
      needs: ['getWithExpiry'],
      async run(t) {
        const found = await t.getWithExpiry(t.key());
        if (found !== undefined)
          fail(`getWithExpiry of a key never written resolved ${show(found)} instead of undefined`);
      },
    },
    {
      name: 'an entry written without ttl has its value and no expiresAt',
      needs: ['getWithExpiry'],
      async run(t) {
        const key = t.key();
        const value = t.value(key, 1);
        await t.set(key, value);
        expectForever(t, 'getWithExpiry', await t.getWithExpiry(key), value);
      },
    },
    {
      name: 'expiresAt is the time of the set + ttl, in epoch milliseconds',
      needs: ['getWithExpiry', 'ttl'],
      async run(t) {
        const key = t.key();
        const value = t.value(key, 1);
        const since = Date.now();
        await t.set(key, value, LONG_TTL);
        const until = Date.now();
        expectExpiresAt(t, 'getWithExpiry', await t.getWithExpiry(key), value, {
          since,
          until,
          ttl: LONG_TTL,
        });
      },
    },
    {
      name: 'a later set without ttl removes the expiry',
      needs: ['getWithExpiry', 'ttl'],
      async run(t) {
        const key = t.key();
        await t.set(key, t.value(key, 1), LONG_TTL);
        const value = t.value(key, 2);
        await t.set(key, value);
        expectForever(t, 'getWithExpiry after a set without ttl', await t.getWithExpiry(key), value);
      },
    },
    {
      name: 'an entry whose ttl passed is a miss',
      needs: ['getWithExpiry', 'ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const key = t.key();
        const since = Date.now();
        await t.set(key, t.value(key, 1), ttl);
        const elapsed = await t.waitPastTtl(since, ttl);
        const found = await t.getWithExpiry(key);
        if (found !== undefined) fail(t.stillReadable(ttl, elapsed, `getWithExpiry resolved ${show(found)}`));
      },
    },
    {
      name: 'null is a value',
      needs: ['getWithExpiry'],
      anyValue: true,
      async run(t) {
        const key = t.key();
        await t.set(key, null);
        const found = await t.getWithExpiry(key);
        if (found === undefined)
          fail('getWithExpiry after set(null) resolved undefined; null is a value, not a miss');
        expectForever(t, 'getWithExpiry after set(null)', found, null);
      },
    },
  ],
};

export const getManyWithExpiryChecks: ConformanceGroup = {
  title: 'getManyWithExpiry',
  checks: [
    {
      name: 'answers one entry per key, in the order asked, with expiries, misses and duplicates',
      needs: ['getManyWithExpiry'],
      async run(t) {
        const [timed, forever, missing] = t.keys(3);
        const timedValue = t.value(timed, 1);
        const foreverValue = t.value(forever, 2);
        const ttlUsed = !t.settings.skipped.has('ttl');
        const since = Date.now();
        await t.set(timed, timedValue, ttlUsed ? LONG_TTL : undefined);
        const until = Date.now();
        await t.set(forever, foreverValue);
        const keys = [forever, missing, timed, forever];
        const result = await t.getManyWithExpiry(keys);
        if (!Array.isArray(result))
          fail(`getManyWithExpiry resolved ${show(result)}; it must resolve an array`);
        if (result.length !== keys.length) {
          fail(
            `getManyWithExpiry of ${keys.length} keys returned ${result.length} entries; it must return one per key, in order`,
          );
        }
        expectForever(t, 'getManyWithExpiry entry 0', result[0], foreverValue);
        if (result[1] !== undefined)
          fail(`getManyWithExpiry entry 1 (a key never written) is ${show(result[1])} instead of undefined`);
        if (ttlUsed) {
          expectExpiresAt(t, 'getManyWithExpiry entry 2', result[2], timedValue, {
            since,
            until,
            ttl: LONG_TTL,
          });
        } else {
          expectForever(t, 'getManyWithExpiry entry 2', result[2], timedValue);
        }
        expectForever(t, 'getManyWithExpiry entry 3 (a duplicate of entry 0)', result[3], foreverValue);
      },
    },
    {
      name: 'answers [] for no keys',
      needs: ['getManyWithExpiry'],
      async run(t) {
        const result = await t.getManyWithExpiry([]);
        if (!Array.isArray(result) || result.length !== 0)
          fail(`getManyWithExpiry([]) resolved ${show(result)} instead of []`);
      },
    },
    {
      name: 'an entry whose ttl passed is a miss',
      needs: ['getManyWithExpiry', 'ttl'],
      async run(t) {
        const ttl = t.settings.shortTtl;
        const [short, kept] = t.keys(2);
        const keptValue = t.value(kept, 2);
        const since = Date.now();
        await t.set(short, t.value(short, 1), ttl);
        await t.set(kept, keptValue);
        const elapsed = await t.waitPastTtl(since, ttl);
        const result = await t.getManyWithExpiry([short, kept]);
        if (!Array.isArray(result) || result.length !== 2)
          fail(`getManyWithExpiry of 2 keys resolved ${show(result)}`);
        if (result[0] !== undefined)
          fail(t.stillReadable(ttl, elapsed, `getManyWithExpiry gave ${show(result[0])}`));
        expectForever(t, 'getManyWithExpiry entry 1', result[1], keptValue);
      },
    },
  ],
};
