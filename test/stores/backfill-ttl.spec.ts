import { describe, expect, it } from '@jest/globals';
import KeyvRedis from '@keyv/redis';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheManagerStore, DelegatedStore, MemoryStore, type Store } from '../../lib/index.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';

/**
 * "A backfilled copy never outlives its source": a copy into a layer with a long ttl gets the time
 * the source entry has left. The core turns the source's expiry into a ttl, and the target counts that
 * ttl from the moment it writes, on a clock with whole-millisecond steps: a pause between the two (a
 * loaded machine descheduling the process) lengthens the copy by as much. Hence a slack, far below the
 * 60 s the copy would get from its layer's ttl. (It was 25 ms; with both cores busy, at a load average of
 * 14, a run went past it: the relative ttl of the Store interface cannot do better than the pause. The
 * property still fails by a minute when the source's time is not used.)
 */
const CLOCK_STEP = 1;
const SCHEDULING_SLACK = 150;
const SOURCE_LEFT = 300;

async function expectCopyBoundedBySource(
  source: Store<string, unknown>,
  read: 'get' | 'getMany',
): Promise<void> {
  const l0 = new MemoryStore<string, unknown>();
  const store = new DelegatedStore<string, unknown>([
    { store: l0, ttl: 60_000, name: 'memory' },
    { store: source, name: 'source' },
  ]);
  const key = `backfill-ttl:${randomUUID()}`;
  try {
    await source.set(key, { id: 1 }, SOURCE_LEFT);
    const sourceExpiry = (await source.getWithExpiry!(key))?.expiresAt;
    expect(sourceExpiry).toEqual(expect.any(Number));

    const found = read === 'get' ? await store.get(key) : (await store.getMany([key]))[0];
    expect(found).toEqual({ id: 1 });
    await store.drain();

    const copy = await l0.getWithExpiry(key);
    expect(copy?.value).toEqual({ id: 1 });
    expect(copy?.expiresAt).toEqual(expect.any(Number));
    expect(copy!.expiresAt!).toBeLessThanOrEqual(sourceExpiry! + SCHEDULING_SLACK);
    expect(copy!.expiresAt!).toBeLessThan(Date.now() + SOURCE_LEFT + SCHEDULING_SLACK);

    // Once the source entry expired, the copy is gone too: the store answers a miss.
    await sleep(Math.max(0, sourceExpiry! - Date.now()) + SCHEDULING_SLACK + 10);
    expect(await l0.get(key)).toBeUndefined();
    expect(await store.get(key)).toBeUndefined();
  } finally {
    await source.delete(key);
    await store.close();
  }
}

describe('backfill ttl: a copy never outlives its source', () => {
  it.each(['get', 'getMany'] as const)('from a MemoryStore, through %s', async (read) => {
    await expectCopyBoundedBySource(new MemoryStore<string, unknown>(), read);
  });

  it.each(['get', 'getMany'] as const)(
    'from a CacheManagerStore over Keyv memory, through %s',
    async (read) => {
      await expectCopyBoundedBySource(new CacheManagerStore<unknown>(createCache()), read);
    },
  );

  it('keeps the layer ttl when the source entry has more time left than it', async () => {
    const l0 = new MemoryStore<string, string>();
    const l1 = new MemoryStore<string, string>();
    const store = new DelegatedStore<string, string>([{ store: l0, ttl: 1_000 }, { store: l1 }]);
    await l1.set('k', 'v', 60_000);
    const before = Date.now();
    expect(await store.get('k')).toBe('v');
    await store.drain();
    const copy = await l0.getWithExpiry('k');
    expect(copy?.expiresAt).toBeGreaterThanOrEqual(before + 1_000 - CLOCK_STEP);
    expect(copy?.expiresAt).toBeLessThanOrEqual(Date.now() + 1_000);
    await store.close();
  });

  it('gives the copy no expiry when neither the layer nor the source has one', async () => {
    const l0 = new MemoryStore<string, string>();
    const l1 = new CacheManagerStore<string>(createCache());
    const store = new DelegatedStore<string, string>([{ store: l0 }, { store: l1 }]);
    await l1.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    await store.drain();
    expect(await l0.getWithExpiry('k')).toEqual({ value: 'v' });
    await store.close();
  });
});

describeWithRedis('backfill ttl: a copy never outlives its Redis source', () => {
  it.each(['get', 'getMany'] as const)('from a CacheManagerStore over Redis, through %s', async (read) => {
    const source = new CacheManagerStore<unknown>(
      createCache({
        stores: [new Keyv({ store: new KeyvRedis(REDIS_URL), namespace: `dstest-${randomUUID()}` })],
      }),
    );
    await expectCopyBoundedBySource(source, read);
  });
});
