import { fail, show } from '../assertions.js';
import type { ConformanceGroup } from '../conformance-check.js';
import { keyId } from '../key-source.js';
import type { StoreProbe } from '../store-probe.js';

/** How many keys the listing checks write concurrently at most, when the store has no setMany. */
const WRITE_BATCH = 25;

/** Writes an entry for each key: with setMany when the suite may use it, else sets a few at a time. */
async function writeAll(t: StoreProbe<unknown, unknown>, keys: readonly unknown[]): Promise<void> {
  const entries = keys.map((key, i) => ({ key, value: t.value(key, i + 1) }));
  if (typeof t.store.setMany === 'function' && !t.settings.skipped.has('setMany')) {
    await t.setMany(entries);
    return;
  }
  for (let i = 0; i < entries.length; i += WRITE_BATCH) {
    await Promise.all(entries.slice(i, i + WRITE_BATCH).map(({ key, value }) => t.set(key, value)));
  }
}

/**
 * Fails unless the listing holds each written key once and none of the deleted ones; with `isolated`,
 * nothing else either.
 */
function expectListing(
  t: StoreProbe<unknown, unknown>,
  listed: readonly unknown[],
  written: readonly unknown[],
  deleted: readonly unknown[] = [],
): void {
  const seen = new Map<string, number>();
  for (const key of listed) seen.set(keyId(key), (seen.get(keyId(key)) ?? 0) + 1);
  const twice = listed.find((key) => (seen.get(keyId(key)) ?? 0) > 1);
  if (twice !== undefined) {
    fail(`keys() yielded ${show(twice)} ${seen.get(keyId(twice))} times; each key must be yielded once`);
  }
  const missing = written.filter((key) => !seen.has(keyId(key)));
  if (missing.length > 0) {
    fail(
      `keys() did not yield ${show(missing.slice(0, 5))}${missing.length > 5 ? ` (${missing.length} keys in all)` : ''}, ` +
        `written before the iteration; it yielded ${listed.length} keys`,
    );
  }
  const gone = deleted.filter((key) => seen.has(keyId(key)));
  if (gone.length > 0)
    fail(`keys() yielded ${show(gone[0])}, which was deleted; it must yield only keys that hold a value`);
  if (t.settings.isolated) {
    const expected = new Set(written.map(keyId));
    const other = listed.find((key) => !expected.has(keyId(key)));
    if (other !== undefined) {
      fail(
        `keys() yielded ${show(other)}, which the suite did not write; with options.isolated the store holds ` +
          'nothing else (set isolated: false for a store that shares its namespace)',
      );
    }
  }
}

export const keysChecks: ConformanceGroup = {
  title: 'keys',
  checks: [
    {
      name: 'yields every key written, each once',
      needs: ['keys'],
      async run(t) {
        const keys = t.keys(5);
        for (const [i, key] of keys.entries()) await t.set(key, t.value(key, i + 1));
        expectListing(t, await t.listKeys(t.settings.isolated ? 1_000 : undefined), keys);
      },
    },
    {
      name: 'does not yield a deleted key',
      needs: ['keys'],
      async run(t) {
        const [kept, deleted] = t.keys(2);
        await t.set(kept, t.value(kept, 1));
        await t.set(deleted, t.value(deleted, 2));
        await t.delete(deleted);
        expectListing(t, await t.listKeys(t.settings.isolated ? 1_000 : undefined), [kept], [deleted]);
      },
    },
    {
      name: 'yields every key of a listing longer than one page',
      needs: ['keys'],
      async run(t) {
        const keys = t.keys(t.settings.listingSize);
        await writeAll(t, keys);
        const limit = t.settings.isolated ? keys.length * 2 + 1_000 : undefined;
        expectListing(t, await t.listKeys(limit), keys);
      },
    },
    {
      name: 'yields nothing from an empty store',
      needs: ['keys'],
      isolated: true,
      async run(t) {
        const listed = await t.listKeys(1_000);
        if (listed.length > 0) {
          fail(
            `keys() of an empty store yielded ${show(listed.slice(0, 5))}; after each test the suite deletes what it wrote`,
          );
        }
      },
    },
  ],
};
