import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Test } from '@nestjs/testing';
import {
  DelegatedStore,
  DelegatedStoreModule,
  KNOWN_MISS,
  type DelegatedStoreFactoryOptions,
} from '../../lib/index.js';
import { ExpiringTestStore } from '../support/test-store.js';

/**
 * The module's freshness options (API.md §6: staleTimeout, negativeTtl, ttlJitter) reach the store it
 * builds, through forRoot and through forRootAsync. A fake clock moves Date.now(); setImmediate stays real.
 */
const T0 = 1_700_000_000_000;
const TTL = 1000;
const GRACE = 5000;
const JITTER = 0.5;

beforeEach(() => {
  jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
});
afterEach(() => {
  jest.useRealTimers();
});

function layersAndOptions(): {
  cache: ExpiringTestStore<string>;
  db: ExpiringTestStore<string>;
  options: DelegatedStoreFactoryOptions<string, string>;
} {
  const cache = new ExpiringTestStore<string>();
  const db = new ExpiringTestStore<string>({ k: 'v1' });
  return {
    cache,
    db,
    options: {
      layers: [
        { store: cache, name: 'cache', ttl: TTL, grace: GRACE },
        { store: db, name: 'db', primary: true },
      ],
      staleTimeout: 50,
      negativeTtl: 3000,
      ttlJitter: JITTER,
    },
  };
}

/** Asserts the effect of each of the three options on a store built with them. */
async function expectFreshnessOptions(
  store: DelegatedStore<string, string>,
  cache: ExpiringTestStore<string>,
  db: ExpiringTestStore<string>,
): Promise<void> {
  // staleTimeout: a stale read waits for its refresh, which arrives in time.
  expect(await store.get('k')).toBe('v1');
  await store.drain();
  db.data.set('k', 'v2');
  jest.advanceTimersByTime(TTL + 1);
  expect(await store.get('k')).toBe('v2');
  expect(store.stats().layers[0]).toMatchObject({ staleHits: 1, refreshes: 1 });

  // negativeTtl: a load that found nothing is remembered; the loader is not called again.
  let loads = 0;
  const loader = async () => void loads++;
  expect(await store.getOrLoad('ghost', loader)).toBeUndefined();
  await store.drain();
  expect(cache.data.get('ghost')).toEqual(KNOWN_MISS);
  expect(await store.getOrLoad('ghost', loader)).toBeUndefined();
  expect(loads).toBe(1);

  // ttlJitter: each cache write's fresh time is cut by up to JITTER, at random (then the grace is added).
  cache.calls.length = 0;
  for (let i = 0; i < 30; i++) await store.set(`j${i}`, 'v');
  const ttls = cache.calls.filter((call) => call.method === 'set').map((call) => call.ttl!);
  expect(ttls).toHaveLength(30);
  expect(Math.min(...ttls)).toBeGreaterThanOrEqual(TTL * (1 - JITTER) + GRACE);
  expect(Math.max(...ttls)).toBeLessThanOrEqual(TTL + GRACE);
  expect(new Set(ttls).size).toBeGreaterThan(10);
}

describe('the module takes staleTimeout, negativeTtl and ttlJitter', () => {
  it('forRoot', async () => {
    const { cache, db, options } = layersAndOptions();
    const moduleRef = await Test.createTestingModule({
      imports: [DelegatedStoreModule.forRoot<string, string>(options)],
    }).compile();
    const store = moduleRef.get<DelegatedStore<string, string>>(DelegatedStore);
    await expectFreshnessOptions(store, cache, db);
    await moduleRef.close();
  });

  it('forRootAsync', async () => {
    const { cache, db, options } = layersAndOptions();
    const moduleRef = await Test.createTestingModule({
      imports: [DelegatedStoreModule.forRootAsync<string, string>({ useFactory: async () => options })],
    }).compile();
    const store = moduleRef.get<DelegatedStore<string, string>>(DelegatedStore);
    await expectFreshnessOptions(store, cache, db);
    await moduleRef.close();
  });
});
