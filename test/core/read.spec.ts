import { describe, expect, it } from '@jest/globals';
import { DelegatedStore, NotFoundError, type BackFillEvent } from '../../lib/index.js';
import { flush, gate, TestStore } from '../support/test-store.js';

function threeLayers(entries: {
  l0?: Record<string, unknown>;
  l1?: Record<string, unknown>;
  l2?: Record<string, unknown>;
}) {
  const l0 = new TestStore<unknown>(entries.l0);
  const l1 = new TestStore<unknown>(entries.l1);
  const l2 = new TestStore<unknown>(entries.l2);
  const store = new DelegatedStore<string, unknown>([
    { store: l0, name: 'memory', ttl: 1000 },
    { store: l1, name: 'redis', ttl: 5000 },
    { store: l2, name: 'db', primary: true },
  ]);
  return { l0, l1, l2, store };
}

describe('get: reading', () => {
  it('rule 1: reads layers in index order and the first value wins', async () => {
    const { l0, l1, l2, store } = threeLayers({ l1: { k: 'from-1' }, l2: { k: 'from-2' } });
    expect(await store.get('k')).toBe('from-1');
    expect(l0.count('get')).toBe(1);
    expect(l1.count('get') + l1.count('getWithExpiry')).toBe(1);
    expect(l2.count('get')).toBe(0);
  });

  it('rule 1: null, 0, false and "" are values, not misses', async () => {
    for (const value of [null, 0, false, '']) {
      const { l2, store } = threeLayers({ l1: { k: value }, l2: { k: 'primary' } });
      expect(await store.get('k')).toBe(value);
      expect(l2.count('get')).toBe(0);
    }
  });

  it('rule 2: a cache layer that rejects counts as a miss and the walk goes on', async () => {
    const { l0, store } = threeLayers({ l2: { k: 'v' } });
    l0.failures.get = new Error('memory exploded');
    expect(await store.get('k')).toBe('v');
    expect(store.stats().layers[0].errors).toBe(1);
  });

  it('rule 2: NotFoundError is a miss, also from the primary', async () => {
    const { l1, l2, store } = threeLayers({});
    l1.missAsNotFound = true;
    l2.missAsNotFound = true;
    expect(await store.get('k')).toBeUndefined();
    expect(store.stats().layers.map((layer) => layer.errors)).toEqual([0, 0, 0]);
  });

  it('rule 2: a primary that rejects rejects the get with that error', async () => {
    const { l2, store } = threeLayers({});
    const failure = new Error('db down');
    l2.failures.get = failure;
    await expect(store.get('k')).rejects.toBe(failure);
  });

  it('rule 3: a value found in layer i is written into every layer above, each with its own ttl', async () => {
    const { l0, l1, store } = threeLayers({ l2: { k: 'v' } });
    expect(await store.get('k')).toBe('v');
    await store.drain();
    expect(l0.calls.filter((c) => c.method === 'set')).toEqual([
      { method: 'set', key: 'k', value: 'v', ttl: 1000 },
    ]);
    expect(l1.calls.filter((c) => c.method === 'set')).toEqual([
      { method: 'set', key: 'k', value: 'v', ttl: 5000 },
    ]);
  });

  it('rule 3: get resolves without waiting for the backfill', async () => {
    const { l0, store } = threeLayers({ l1: { k: 'v' } });
    const hold = gate();
    l0.gates.set = hold.promise;
    expect(await store.get('k')).toBe('v');
    expect(l0.data.has('k')).toBe(false);
    hold.open();
    await store.drain();
    expect(l0.data.get('k')).toBe('v');
  });

  it('rule 4: a value in layer 0 starts no backfill', async () => {
    const { l1, l2, store } = threeLayers({ l0: { k: 'v' }, l2: { k: 'v' } });
    const events: BackFillEvent<string, unknown>[] = [];
    store.backFill$.subscribe((event) => events.push(event));
    expect(await store.get('k')).toBe('v');
    await store.drain();
    expect(l1.count('set') + l2.count('set')).toBe(0);
    expect(events).toEqual([]);
  });

  it('rule 4: a miss resolves undefined and starts no backfill', async () => {
    const { l0, l1, l2, store } = threeLayers({});
    expect(await store.get('k')).toBeUndefined();
    await store.drain();
    expect(l0.count('set') + l1.count('set') + l2.count('set')).toBe(0);
  });

  it('counts hits, misses and backfills per layer', async () => {
    const { store } = threeLayers({ l2: { k: 'v' } });
    await store.get('k');
    await store.drain();
    await store.get('k');
    await store.get('none');
    const stats = store.stats();
    expect(stats.layers).toEqual([
      {
        name: 'memory',
        hits: 1,
        misses: 2,
        errors: 0,
        backFills: 1,
        staleHits: 0,
        refreshes: 0,
        refreshFailures: 0,
      },
      {
        name: 'redis',
        hits: 0,
        misses: 2,
        errors: 0,
        backFills: 1,
        staleHits: 0,
        refreshes: 0,
        refreshFailures: 0,
      },
      {
        name: 'db',
        hits: 1,
        misses: 1,
        errors: 0,
        backFills: 0,
        staleHits: 0,
        refreshes: 0,
        refreshFailures: 0,
      },
    ]);
    expect(stats.loads).toBe(0);
  });
});

describe('get: one walk for concurrent readers (rule 6)', () => {
  it('concurrent gets of one key read each layer once', async () => {
    const { l0, l1, l2, store } = threeLayers({ l2: { k: 'v' } });
    const hold = gate();
    l2.gates.get = hold.promise;
    const reads = Array.from({ length: 20 }, () => store.get('k'));
    await flush();
    hold.open();
    expect(await Promise.all(reads)).toEqual(Array(20).fill('v'));
    expect(l0.count('get')).toBe(1);
    expect(l1.count('get') + l1.count('getWithExpiry')).toBe(1);
    expect(l2.count('get')).toBe(1);
  });

  it('each caller still passes through the middleware chain', async () => {
    const { l2, store } = threeLayers({ l2: { k: 'v' } });
    let calls = 0;
    store.use((next) => (ctx, key, value) => {
      calls++;
      return next(ctx, key, value);
    });
    const hold = gate();
    l2.gates.get = hold.promise;
    const reads = [store.get('k'), store.get('k'), store.get('k')];
    await flush();
    hold.open();
    await Promise.all(reads);
    expect(calls).toBe(3);
    expect(l2.count('get')).toBe(1);
  });

  it('different keys walk separately', async () => {
    const { l2, store } = threeLayers({ l2: { a: 1, b: 2 } });
    expect(await Promise.all([store.get('a'), store.get('b')])).toEqual([1, 2]);
    expect(l2.count('get')).toBe(2);
  });

  it('a read that starts after a write resolved starts a fresh walk', async () => {
    const { l2, store } = threeLayers({ l2: { k: 'old' } });
    const hold = gate();
    l2.gates.get = hold.promise;
    const before = store.get('k');
    await flush();
    l2.gates.get = undefined;
    await store.set('k', 'new');
    const after = store.get('k');
    hold.open();
    expect(await after).toBe('new');
    await before; // the overlapping read may return either value
    await store.drain();
    expect(await store.get('k')).toBe('new');
  });

  it('a failing primary rejects every caller sharing the walk', async () => {
    const { l2, store } = threeLayers({});
    const hold = gate();
    l2.gates.get = hold.promise;
    l2.failures.get = new Error('db down');
    const reads = [store.get('k'), store.get('k')];
    hold.open();
    const outcomes = await Promise.allSettled(reads);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(l2.count('get')).toBe(1);
  });
});

describe('get: a layer timeout', () => {
  it('a cache layer slower than its timeout counts as a miss', async () => {
    const slow = new TestStore<unknown>({ k: 'stale' });
    slow.gates.get = new Promise(() => {});
    const db = new TestStore<unknown>({ k: 'v' });
    const store = new DelegatedStore<string, unknown>([
      { store: slow, timeout: 20 },
      { store: db, primary: true },
    ]);
    expect(await store.get('k')).toBe('v');
    expect(store.stats().layers[0].errors).toBe(1);
  });

  it('a primary slower than its timeout rejects with LayerTimeoutError', async () => {
    const db = new TestStore<unknown>({ k: 'v' });
    db.gates.get = new Promise(() => {});
    const store = new DelegatedStore<string, unknown>([
      { store: db, primary: true, name: 'db', timeout: 20 },
    ]);
    await expect(store.get('k')).rejects.toMatchObject({
      name: 'LayerTimeoutError',
      code: 'LAYER_TIMEOUT',
      layerName: 'db',
    });
  });

  it('a miss reported with NotFoundError from a cache layer is not an error', async () => {
    const l0 = new TestStore<unknown>();
    l0.missAsNotFound = true;
    const store = new DelegatedStore<string, unknown>([{ store: l0 }, { store: new TestStore({ k: 1 }) }]);
    expect(await store.get('k')).toBe(1);
    expect(store.stats().layers[0]).toMatchObject({ errors: 0, misses: 1 });
    expect(new NotFoundError()).toBeInstanceOf(Error);
  });
});

describe('options.onServed', () => {
  it('names the layer that served a get, the loader, or undefined for a miss', async () => {
    const { store } = threeLayers({ l1: { a: 1 }, l2: { b: 2 } });
    const served: Array<string | undefined> = [];
    const onServed = (name: string | undefined) => void served.push(name);
    await store.get('a', { onServed });
    await store.drain();
    await store.get('a', { onServed });
    await store.get('b', { onServed });
    await store.get('none', { onServed });
    await store.getOrLoad('c', async () => 3, { onServed });
    await store.getOrLoad('b', async () => 3, { onServed });
    expect(served).toEqual(['redis', 'memory', 'db', undefined, 'loader', 'memory']);
  });
});
