import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  ConfigurationError,
  DelegatedStore,
  KNOWN_MISS,
  LayerTimeoutError,
  MemoryStore,
  withBackFillCallback,
  withErrorHandler,
  withNegativeCaching,
  withOnChange,
  withOnDelete,
  withStaleTimeout,
  withTtlJitter,
  type BackFillEvent,
  type DelegatedStoreOption,
  type Layer,
  type ServedInfo,
} from '../../lib/index.js';
import { ExpiringTestStore, flush, TestStore } from '../support/test-store.js';

/**
 * API.md §6, driven by a fake clock: Date.now() (which the core and the test stores read) only moves when
 * the test says. setImmediate stays real, so flush() still lets promise callbacks run.
 */
const T0 = 1_700_000_000_000;
const TTL = 1000;
const GRACE = 5000;

beforeEach(() => {
  jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
});
afterEach(() => {
  jest.useRealTimers();
});

function advance(ms: number): void {
  jest.advanceTimersByTime(ms);
}

/** [cache with grace, primary database]. */
function setup(
  options: { layer?: Partial<Layer<string, string>>; store?: DelegatedStoreOption<string, string>[] } = {},
) {
  const cache = new ExpiringTestStore<string>();
  const db = new ExpiringTestStore<string>({ k: 'v1' });
  const events: BackFillEvent<string, string>[] = [];
  const errors: unknown[] = [];
  const store = new DelegatedStore<string, string>(
    [
      { store: cache, name: 'cache', ttl: TTL, grace: GRACE, ...options.layer },
      { store: db, name: 'db', primary: true },
    ],
    withErrorHandler((error) => void errors.push(error)),
    ...(options.store ?? []),
  );
  store.backFill$.subscribe((event) => events.push(event));
  return { cache, db, store, events, errors };
}

/** Reads through the store and records what onServed said. */
async function read(store: DelegatedStore<string, string>, key = 'k') {
  let served: [string | undefined, ServedInfo] | undefined;
  const value = await store.get(key, { onServed: (layer, info) => (served = [layer, info]) });
  return { value, layer: served?.[0], stale: served?.[1].stale };
}

describe('configuration of grace and refreshAhead', () => {
  it('needs a ttl, a store with getWithExpiry, a cache layer; refreshAhead below the ttl', () => {
    const expiring = new ExpiringTestStore<string>();
    const plain = new TestStore<string>();
    expect(() => new DelegatedStore([{ store: expiring, grace: 10 }])).toThrow(/grace needs a ttl/);
    expect(() => new DelegatedStore([{ store: plain, ttl: 10, grace: 10 }])).toThrow(/getWithExpiry/);
    expect(() => new DelegatedStore([{ store: expiring, ttl: 10, grace: 10, primary: true }])).toThrow(
      /primary/,
    );
    expect(() => new DelegatedStore([{ store: expiring, ttl: 10, refreshAhead: 10 }])).toThrow(
      /smaller than the ttl/,
    );
    expect(() => new DelegatedStore([{ store: expiring, refreshAhead: 10 }])).toThrow(
      /refreshAhead needs a ttl/,
    );
    expect(() => new DelegatedStore([{ store: plain, ttl: 100, refreshAhead: 10 }])).toThrow(
      /refreshAhead needs a store with getWithExpiry/,
    );
    expect(
      () => new DelegatedStore([{ store: expiring, ttl: 100, refreshAhead: 10, primary: true }]),
    ).toThrow(/refreshAhead is for cache layers/);
    expect(() => new DelegatedStore([{ store: expiring, ttl: 10, grace: -1 }])).toThrow(ConfigurationError);
    expect(() => withStaleTimeout(-1)).toThrow(ConfigurationError);
    expect(() => withNegativeCaching(0)).toThrow(ConfigurationError);
    expect(() => withTtlJitter(1)).toThrow(ConfigurationError);
    expect(() => withTtlJitter(0)).toThrow(ConfigurationError);
  });
});

describe('grace: fresh, then stale (served and refreshed once), then expired', () => {
  it('each write of a layer with grace keeps the entry for ttl + grace', async () => {
    const { cache, store } = setup();
    await store.set('a', 'x');
    await store.set('b', 'y', { ttl: 200 });
    await store.getOrLoad('c', async () => 'z');
    await store.get('k'); // backfill from the primary
    await store.drain();
    const ttls = Object.fromEntries(cache.calls.filter((c) => c.method === 'set').map((c) => [c.key, c.ttl]));
    expect(ttls).toEqual({ a: TTL + GRACE, b: 200 + GRACE, c: TTL + GRACE, k: TTL + GRACE });
  });

  it('within the ttl the entry is fresh and nothing is refreshed', async () => {
    const { db, store } = setup();
    await store.get('k');
    await store.drain();
    db.calls.length = 0;
    advance(TTL - 1);
    expect(await read(store)).toEqual({ value: 'v1', layer: 'cache', stale: false });
    await flush();
    expect(db.calls).toEqual([]);
    expect(store.stats().layers[0]).toMatchObject({ staleHits: 0, refreshes: 0 });
  });

  it('past the ttl the stale value is served at once, and one background refresh replaces it', async () => {
    const { cache, db, store, events } = setup();
    await store.get('k');
    await store.drain();
    db.data.set('k', 'v2');
    db.calls.length = 0;
    events.length = 0;
    advance(TTL);
    const held = db.holdNext('getWithExpiry');
    expect(await read(store)).toEqual({ value: 'v1', layer: 'cache', stale: true });
    // The refresh begins in the next turn of the event loop: the stale read did not pay for its reads.
    expect(db.calls).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(db.calls.map((c) => c.method)).toEqual(['getWithExpiry']); // the refresh, in the background
    held.open();
    await store.drain();
    expect(cache.data.get('k')).toBe('v2');
    expect(events).toEqual([
      { key: 'k', value: 'v2', layerIndex: 0, layerName: 'cache', isPrimary: false, sourceLayerIndex: 1 },
    ]);
    expect(await read(store)).toEqual({ value: 'v2', layer: 'cache', stale: false });
    expect(store.stats().layers[0]).toMatchObject({ staleHits: 1, refreshes: 1, refreshFailures: 0 });
  });

  it('past ttl + grace the entry is gone: the read walks on to the source', async () => {
    const { db, store } = setup();
    await store.get('k');
    await store.drain();
    db.data.set('k', 'v2');
    advance(TTL + GRACE);
    expect(await read(store)).toEqual({ value: 'v2', layer: 'db', stale: false });
  });

  it('concurrent readers of a stale key share one refresh', async () => {
    const { db, store } = setup();
    await store.get('k');
    await store.drain();
    db.calls.length = 0;
    advance(TTL + 1);
    const held = db.holdNext('getWithExpiry');
    const reads = await Promise.all(Array.from({ length: 20 }, () => store.get('k')));
    expect(reads.every((value) => value === 'v1')).toBe(true);
    held.open();
    await store.drain();
    expect(db.count('getWithExpiry')).toBe(1);
    expect(store.stats().layers[0]).toMatchObject({ staleHits: 20, refreshes: 1 });
  });

  it('readers in separate walks share the refresh in flight: one source read, one refresh', async () => {
    const { db, store } = setup();
    await store.get('k');
    await store.drain();
    db.calls.length = 0;
    advance(TTL + 1);
    const held = db.holdNext('getWithExpiry');
    // Each read ends its own walk (a stale hit in layer 0) before the next begins; the refresh is held.
    for (let i = 0; i < 3; i++) {
      expect(await store.get('k')).toBe('v1');
      await flush();
    }
    held.open();
    await store.drain();
    expect(db.count('getWithExpiry')).toBe(1);
    expect(store.stats().layers[0]).toMatchObject({ staleHits: 3, refreshes: 1 });
  });

  it('the refresh writes what it found as a backfill: the backfill callbacks are called', async () => {
    const calls: unknown[][] = [];
    const { db, store } = setup({
      store: [
        withBackFillCallback(
          (_ctx, key, value, layerIndex, isPrimary) => void calls.push([key, value, layerIndex, isPrimary]),
        ),
      ],
    });
    await store.get('k');
    await store.drain();
    expect(calls).toEqual([['k', 'v1', 0, false]]);
    calls.length = 0;
    db.data.set('k', 'v2');
    advance(TTL + 1);
    expect(await store.get('k')).toBe('v1');
    await store.drain();
    expect(calls).toEqual([['k', 'v2', 0, false]]);
  });

  it('a write that overlaps the refresh drops it: the refresh never puts an older value back', async () => {
    const { cache, db, store } = setup();
    await store.get('k');
    await store.drain();
    advance(TTL + 1);
    const held = db.holdNext('getWithExpiry');
    expect(await store.get('k')).toBe('v1'); // stale; the refresh reads the primary and waits
    await flush();
    await store.set('k', 'v3');
    held.open();
    await store.drain();
    expect(cache.data.get('k')).toBe('v3');
    expect(await store.get('k')).toBe('v3');
  });

  it('a refresh that finds no value anywhere deletes the stale copies', async () => {
    const { cache, db, store } = setup();
    await store.get('k');
    await store.drain();
    db.data.delete('k');
    advance(TTL + 1);
    expect(await store.get('k')).toBe('v1');
    await store.drain();
    await flush();
    expect(cache.data.has('k')).toBe(false);
    expect(await store.get('k')).toBeUndefined();
  });

  it('a failing refresh leaves the stale entry servable; the key is not refreshed again for 1 s', async () => {
    const { db, store, errors } = setup();
    await store.get('k');
    await store.drain();
    db.calls.length = 0;
    advance(TTL + 1);
    db.failures.getWithExpiry = new Error('database down');
    expect(await store.get('k')).toBe('v1');
    await flush();
    expect(store.stats().layers[0]).toMatchObject({ refreshes: 1, refreshFailures: 1 });
    expect(errors).toContain(db.failures.getWithExpiry);
    advance(999);
    expect(await store.get('k')).toBe('v1');
    await flush();
    expect(db.count('getWithExpiry')).toBe(1); // backed off
    advance(1);
    expect(await store.get('k')).toBe('v1');
    await flush();
    expect(db.count('getWithExpiry')).toBe(2);
    delete db.failures.getWithExpiry;
    advance(1000);
    expect(await store.get('k')).toBe('v1');
    await store.drain();
    expect(await read(store)).toEqual({ value: 'v1', layer: 'cache', stale: false });
  });

  it('a refresh that meets a failing cache layer and reaches no source has failed: the stale entry stays servable', async () => {
    // No primary: the layer below is the last word. Its failure is not "the source has no value".
    const top = new ExpiringTestStore<string>();
    const below = new ExpiringTestStore<string>();
    const errors: unknown[] = [];
    const store = new DelegatedStore<string, string>(
      [
        { store: top, name: 'top', ttl: TTL, grace: GRACE },
        { store: below, name: 'below', ttl: 60_000 },
      ],
      withErrorHandler((error) => void errors.push(error)),
    );
    await store.set('k', 'v1');
    advance(TTL + 1);
    below.failures.getWithExpiry = new Error('below is down');
    expect(await store.get('k')).toBe('v1');
    await store.drain();
    await flush();
    expect(top.data.get('k')).toBe('v1'); // not deleted
    expect(store.stats().layers[0]).toMatchObject({ refreshes: 1, refreshFailures: 1 });
    expect(errors).toContain(below.failures.getWithExpiry);
    advance(999);
    expect(await read(store)).toEqual({ value: 'v1', layer: 'top', stale: true });
    await flush();
    expect(below.count('getWithExpiry')).toBe(1); // backed off
    // Once every layer answers a clean miss, the source really has no value: the copies go.
    delete below.failures.getWithExpiry;
    await below.delete('k');
    advance(1);
    expect(await store.get('k')).toBe('v1');
    await store.drain();
    await flush();
    expect(top.data.has('k')).toBe(false);
    expect(store.stats().layers[0]).toMatchObject({ refreshes: 2, refreshFailures: 1 });
  });

  it('a cachesOnly read over [memory with grace, a failing cache, primary] keeps the memory entry when the cache fails', async () => {
    const memory = new MemoryStore<string, string>();
    const redis = new ExpiringTestStore<string>();
    const db = new ExpiringTestStore<string>({ k: 'v1' });
    const store = new DelegatedStore<string, string>(
      [
        { store: memory, name: 'memory', ttl: TTL, grace: GRACE },
        { store: redis, name: 'redis', ttl: 60_000 },
        { store: db, name: 'db', primary: true },
      ],
      withErrorHandler(() => {}),
    );
    expect(await store.get('k')).toBe('v1');
    await store.drain();
    db.calls.length = 0;
    redis.calls.length = 0;
    advance(TTL + 1);
    redis.failures.getWithExpiry = new Error('redis is down');
    expect(await store.get('k', { cachesOnly: true })).toBe('v1');
    await store.drain();
    await flush();
    expect(store.stats().layers[0]).toMatchObject({ staleHits: 1, refreshes: 1, refreshFailures: 1 });
    let served: ServedInfo | undefined;
    const again = await store.get('k', { cachesOnly: true, onServed: (_layer, info) => (served = info) });
    expect(again).toBe('v1');
    expect(served).toEqual({ stale: true });
    await flush();
    expect(redis.count('getWithExpiry')).toBe(1); // backed off
    expect(db.calls).toEqual([]); // cachesOnly: the primary is never read
  });

  it('a refresh whose loader rejects has failed: the stale entry stays servable, and the loader waits 1 s', async () => {
    const cache = new ExpiringTestStore<string>();
    const errors: unknown[] = [];
    const store = new DelegatedStore<string, string>(
      [{ store: cache, name: 'cache', ttl: TTL, grace: GRACE }],
      withErrorHandler((error) => void errors.push(error)),
    );
    const failure = new Error('source down');
    let failing = false;
    let loads = 0;
    const loader = async () => {
      loads++;
      if (failing) throw failure;
      return `loaded ${loads}`;
    };
    expect(await store.getOrLoad('k', loader)).toBe('loaded 1');
    await store.drain();
    advance(TTL + 1);
    failing = true;
    expect(await store.getOrLoad('k', loader)).toBe('loaded 1');
    await store.drain();
    expect(loads).toBe(2);
    expect(store.stats().layers[0]).toMatchObject({ refreshes: 1, refreshFailures: 1 });
    expect(errors).toContain(failure);
    advance(999);
    expect(await store.getOrLoad('k', loader)).toBe('loaded 1');
    await store.drain();
    expect(loads).toBe(2); // backed off
    advance(1);
    expect(await store.getOrLoad('k', loader)).toBe('loaded 1');
    await store.drain();
    expect(loads).toBe(3);
    expect(store.stats().layers[0]).toMatchObject({ refreshes: 2, refreshFailures: 2 });
  });

  it('a refresh whose layer times out has failed: the stale entry stays servable, and the layer waits 1 s', async () => {
    const cache = new ExpiringTestStore<string>();
    const db = new ExpiringTestStore<string>({ k: 'v1' });
    const errors: unknown[] = [];
    const store = new DelegatedStore<string, string>(
      [
        { store: cache, name: 'cache', ttl: TTL, grace: GRACE },
        { store: db, name: 'db', primary: true, timeout: 50 },
      ],
      withErrorHandler((error) => void errors.push(error)),
    );
    await store.get('k');
    await store.drain();
    db.calls.length = 0;
    advance(TTL + 1);
    const held = db.holdNext('getWithExpiry'); // the database does not answer
    expect(await store.get('k')).toBe('v1');
    await flush();
    expect(db.count('getWithExpiry')).toBe(1);
    advance(50);
    await store.drain();
    expect(store.stats().layers[0]).toMatchObject({ refreshes: 1, refreshFailures: 1 });
    expect(errors.some((error) => error instanceof LayerTimeoutError)).toBe(true);
    advance(999);
    expect(await read(store)).toEqual({ value: 'v1', layer: 'cache', stale: true });
    await flush();
    expect(db.count('getWithExpiry')).toBe(1); // backed off
    advance(1);
    expect(await store.get('k')).toBe('v1');
    await store.drain();
    expect(db.count('getWithExpiry')).toBe(2);
    held.open();
    await store.drain();
  });

  it('getOrLoad refreshes a stale entry with its loader (caches only), answering the stale value at once', async () => {
    const cache = new ExpiringTestStore<string>();
    const store = new DelegatedStore<string, string>([{ store: cache, ttl: TTL, grace: GRACE }]);
    let loads = 0;
    const loader = async () => `loaded ${++loads}`;
    expect(await store.getOrLoad('k', loader)).toBe('loaded 1');
    await store.drain();
    advance(TTL + 1);
    expect(await store.getOrLoad('k', loader)).toBe('loaded 1');
    await store.drain();
    expect(loads).toBe(2);
    expect(await store.getOrLoad('k', loader)).toBe('loaded 2');
    expect(store.stats().loads).toBe(2);
  });

  it('getOrLoad past the grace joins the refresh in flight that loads, instead of loading again', async () => {
    const cache = new ExpiringTestStore<string>();
    const store = new DelegatedStore<string, string>([{ store: cache, ttl: TTL, grace: GRACE }]);
    let loads = 0;
    let release: (() => void) | undefined;
    const loader = async () => {
      const n = ++loads;
      if (n === 2) await new Promise<void>((resolve) => (release = resolve)); // the refresh's load is slow
      return `loaded ${n}`;
    };
    expect(await store.getOrLoad('k', loader)).toBe('loaded 1');
    await store.drain();
    advance(TTL + 1);
    expect(await store.getOrLoad('k', loader)).toBe('loaded 1'); // stale, and the refresh starts
    await flush();
    expect(loads).toBe(2);
    advance(GRACE); // the refresh outlives the grace: the entry is gone
    const late = store.getOrLoad('k', loader);
    await flush();
    expect(loads).toBe(2); // joined the refresh's load
    release!();
    expect(await late).toBe('loaded 2');
    await store.drain();
    expect(await store.getOrLoad('k', loader)).toBe('loaded 2');
    expect(store.stats().loads).toBe(2);
  });

  it('has() counts a stale entry and refreshes it', async () => {
    const { db, store } = setup();
    await store.get('k');
    await store.drain();
    db.calls.length = 0;
    advance(TTL + 1);
    expect(await store.has('k')).toBe(true);
    await store.drain();
    expect(db.count('getWithExpiry')).toBe(1);
    expect(store.stats().layers[0]).toMatchObject({ staleHits: 1, refreshes: 1 });
  });

  it('getMany serves stale entries and refreshes them', async () => {
    const { cache, db, store } = setup();
    db.data.set('j', 'w1');
    await store.getMany(['k', 'j']);
    await store.drain();
    db.data.set('k', 'v2');
    advance(TTL + 1);
    expect(await store.getMany(['k', 'j'])).toEqual(['v1', 'w1']);
    await store.drain();
    expect(cache.data.get('k')).toBe('v2');
    expect(store.stats().layers[0].staleHits).toBe(2);
  });

  it('a stale value is never served after a write of the key resolved', async () => {
    const { store } = setup();
    await store.get('k');
    await store.drain();
    advance(TTL + 1);
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
  });
});

describe('withStaleTimeout', () => {
  it('a stale read waits up to the timeout for the refresh, and answers the refreshed value when it arrives', async () => {
    const { db, store } = setup({ store: [withStaleTimeout(50)] });
    await store.get('k');
    await store.drain();
    db.data.set('k', 'v2');
    advance(TTL + 1);
    expect(await read(store)).toEqual({ value: 'v2', layer: 'db', stale: false });
  });

  it('answers the stale value when the refresh is later than the timeout', async () => {
    const { db, store } = setup({ store: [withStaleTimeout(50)] });
    await store.get('k');
    await store.drain();
    db.data.set('k', 'v2');
    advance(TTL + 1);
    const held = db.holdNext('getWithExpiry');
    const reading = read(store);
    await flush();
    advance(50);
    expect(await reading).toEqual({ value: 'v1', layer: 'cache', stale: true });
    held.open();
    await store.drain();
  });

  it('getMany waits up to the timeout too: the refreshed value when it arrives in time, else the stale one', async () => {
    const { db, store } = setup({ store: [withStaleTimeout(50)] });
    db.data.set('j', 'w1');
    await store.getMany(['k', 'j']);
    await store.drain();
    db.data.set('k', 'v2');
    db.data.set('j', 'w2');
    advance(TTL + 1);
    expect(await store.getMany(['k'])).toEqual(['v2']);
    const held = db.holdNext('getWithExpiry');
    const reading = store.getMany(['j']);
    await flush();
    advance(50);
    expect(await reading).toEqual(['w1']);
    held.open();
    await store.drain();
  });

  it('a MemoryStore at layer 0 (read synchronously) waits for the refresh too', async () => {
    const db = new ExpiringTestStore<string>({ k: 'v1', j: 'w1' });
    const store = new DelegatedStore<string, string>(
      [
        { store: new MemoryStore<string, string>(), name: 'memory', ttl: TTL, grace: GRACE },
        { store: db, name: 'db', primary: true },
      ],
      withStaleTimeout(50),
    );
    await store.getMany(['k', 'j']);
    await store.drain();
    db.data.set('k', 'v2');
    db.data.set('j', 'w2');
    advance(TTL + 1);
    expect(await read(store)).toEqual({ value: 'v2', layer: 'db', stale: false });
    const held = db.holdNext('getWithExpiry');
    const reading = read(store, 'j');
    await flush();
    advance(50);
    expect(await reading).toEqual({ value: 'w1', layer: 'memory', stale: true });
    held.open();
    await store.drain();
  });
});

describe('refreshAhead', () => {
  it('a read of a fresh entry with less fresh time left than refreshAhead answers at once and refreshes it', async () => {
    const { cache, db, store } = setup({ layer: { grace: undefined, refreshAhead: 200 } });
    await store.get('k');
    await store.drain();
    db.data.set('k', 'v2');
    db.calls.length = 0;
    advance(TTL - 300);
    expect(await store.get('k')).toBe('v1');
    await flush();
    expect(db.calls).toEqual([]);
    advance(150); // 150 ms fresh time left, under refreshAhead
    expect(await read(store)).toEqual({ value: 'v1', layer: 'cache', stale: false });
    await store.drain();
    expect(cache.data.get('k')).toBe('v2');
    expect(store.stats().layers[0]).toMatchObject({ refreshes: 1, staleHits: 0 });
  });

  it('getMany refreshes ahead too', async () => {
    const { cache, db, store } = setup({ layer: { grace: undefined, refreshAhead: 200 } });
    await store.getMany(['k']);
    await store.drain();
    db.data.set('k', 'v2');
    advance(TTL - 150);
    expect(await store.getMany(['k'])).toEqual(['v1']);
    await store.drain();
    expect(cache.data.get('k')).toBe('v2');
    expect(store.stats().layers[0]).toMatchObject({ refreshes: 1, staleHits: 0 });
  });
});

describe('withNegativeCaching', () => {
  function negative() {
    const cache = new ExpiringTestStore<string>();
    const db = new ExpiringTestStore<string>();
    const events: unknown[] = [];
    const callbackValues: unknown[] = [];
    const store = new DelegatedStore<string, string>(
      [
        { store: cache, name: 'cache', ttl: TTL },
        { store: db, name: 'db', primary: true },
      ],
      withNegativeCaching(300),
      withBackFillCallback((_ctx, _key, value) => void callbackValues.push(value)),
    );
    store.backFill$.subscribe((event) => events.push(event.value));
    return { cache, db, store, events, callbackValues };
  }

  it('a load that found nothing is remembered: no loader call, no walk below, has() false, until it expires', async () => {
    const { cache, db, store, events, callbackValues } = negative();
    let loads = 0;
    const loader = async () => {
      loads++;
      return undefined;
    };
    expect(await store.getOrLoad('ghost', loader)).toBeUndefined();
    await store.drain();
    expect(cache.calls.filter((c) => c.method === 'set')).toEqual([
      { method: 'set', key: 'ghost', value: KNOWN_MISS, ttl: 300 },
    ]);
    db.calls.length = 0;
    expect(await store.getOrLoad('ghost', loader)).toBeUndefined();
    expect(await store.get('ghost')).toBeUndefined();
    expect(await store.has('ghost')).toBe(false);
    expect(await store.getMany(['ghost'])).toEqual([undefined]);
    expect(loads).toBe(1);
    expect(db.calls).toEqual([]);
    expect(events).toEqual([]);
    expect(callbackValues).toEqual([]);
    advance(300);
    expect(await store.getOrLoad('ghost', loader)).toBeUndefined();
    expect(loads).toBe(2);
  });

  it('set replaces a known miss', async () => {
    const { store } = negative();
    await store.getOrLoad('k', async () => undefined);
    await store.drain();
    await store.set('k', 'real');
    expect(await store.get('k')).toBe('real');
  });

  it('never hands the marker to a change or delete callback, or to getSet, as the old value', async () => {
    const changes: unknown[] = [];
    const deletes: unknown[] = [];
    const store = new DelegatedStore<string, string>(
      [
        { store: new ExpiringTestStore<string>(), name: 'cache', ttl: TTL },
        // No getSet: the old value is read through the layers, where the marker is.
        { store: new TestStore<string>(), name: 'db', primary: true },
      ],
      withNegativeCaching(300),
      withOnChange((_ctx, _key, oldValue) => void changes.push(oldValue)),
      withOnDelete((_ctx, _key, oldValue) => void deletes.push(oldValue)),
    );
    for (const key of ['a', 'b', 'c'])
      expect(await store.getOrLoad(key, async () => undefined)).toBeUndefined();
    await store.drain();
    await store.set('a', 'first');
    await store.delete('b');
    expect(await store.getSet('c', 'first')).toBeUndefined();
    expect(changes).toEqual([]);
    expect(deletes).toEqual([]);
    await store.set('a', 'second'); // a real old value still reaches them
    expect(changes).toEqual(['first']);
  });

  it('without negative caching a marker found in a layer (written by another instance) is a miss', async () => {
    const cache = new ExpiringTestStore<string>();
    const db = new ExpiringTestStore<string>({ k: 'row' });
    cache.put('k', KNOWN_MISS as unknown as string);
    const store = new DelegatedStore<string, string>([
      { store: cache, ttl: TTL },
      { store: db, primary: true },
    ]);
    expect(await store.get('k')).toBe('row');
    expect(await store.getMany(['k'])).toEqual(['row']);
  });

  it('a value with the reserved property is refused: it could pass for a marker', async () => {
    const store = new DelegatedStore<string, unknown>([{ store: new TestStore() }]);
    await expect(store.set('k', { __delegatedStore: 'x' })).rejects.toThrow(/reserves/);
  });
});

describe('withTtlJitter', () => {
  it('each cache write uses ttl × (1 − f·r): within [ttl·(1−f), ttl], and not all the same', async () => {
    const cache = new TestStore<string>();
    const db = new TestStore<string>();
    const store = new DelegatedStore<string, string>(
      [
        { store: cache, ttl: 10_000 },
        { store: db, primary: true, ttl: 99_000 },
      ],
      withTtlJitter(0.2),
    );
    for (let i = 0; i < 50; i++) await store.set(`k${i}`, 'v');
    const ttls = cache.calls.map((call) => call.ttl!);
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(8000);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(10_000);
    expect(new Set(ttls).size).toBeGreaterThan(10);
    expect(db.calls.every((call) => call.ttl === 99_000)).toBe(true); // never the primary
  });
});

describe('a layer 0 MemoryStore with grace', () => {
  it('serves a stale hit synchronously from memory, and refreshes it', async () => {
    const memory = new MemoryStore<string, string>();
    const db = new ExpiringTestStore<string>({ k: 'v1' });
    const store = new DelegatedStore<string, string>([
      { store: memory, name: 'memory', ttl: TTL, grace: GRACE },
      { store: db, name: 'db', primary: true },
    ]);
    await store.get('k');
    await store.drain();
    db.data.set('k', 'v2');
    db.calls.length = 0;
    advance(TTL + 1);
    expect(await read(store)).toEqual({ value: 'v1', layer: 'memory', stale: true });
    await store.drain();
    expect(await read(store)).toEqual({ value: 'v2', layer: 'memory', stale: false });
    expect(db.count('getWithExpiry')).toBe(1);
  });
});

describe('found by the property suite', () => {
  it('a stale entry found by a walk that overlapped a write starts no refresh (the write replaced it)', async () => {
    const cache = new ExpiringTestStore<string>();
    const store = new DelegatedStore<string, string>([{ store: cache, ttl: TTL, grace: GRACE }]);
    await store.set('k', 'v1');
    advance(TTL + 1);
    const staleRead = cache.holdNext('getWithExpiry');
    const reading = store.getOrLoad('k', async () => 'loaded-after-the-write');
    await flush();
    await store.set('k', 'v2'); // overlaps the walk, which has not answered yet
    staleRead.open();
    expect(await reading).toBe('v1');
    await store.drain();
    expect(cache.data.get('k')).toBe('v2');
    expect(store.stats().layers[0].refreshes).toBe(0);
  });
});
