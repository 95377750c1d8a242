import { describe, expect, it } from '@jest/globals';
import { DelegatedStore, type BackFillEvent } from '../../lib/index.js';
import { flush, gate, TestStore } from '../support/test-store.js';

function setup() {
  const l0 = new TestStore<unknown>();
  const l1 = new TestStore<unknown>();
  const db = new TestStore<unknown>();
  const store = new DelegatedStore<string, unknown>([
    { store: l0, ttl: 1000 },
    { store: l1, ttl: 5000 },
    { store: db, primary: true },
  ]);
  return { l0, l1, db, store };
}

describe('getOrLoad', () => {
  it('returns a cached value without calling the loader', async () => {
    const { l1, store } = setup();
    l1.data.set('k', 'cached');
    let calls = 0;
    expect(await store.getOrLoad('k', async () => (calls++, 'loaded'))).toBe('cached');
    expect(calls).toBe(0);
  });

  it('on a miss, loads and writes the result to every non-primary layer, reported from layers.length', async () => {
    const { l0, l1, db, store } = setup();
    const events: BackFillEvent<string, unknown>[] = [];
    store.backFill$.subscribe((event) => events.push(event));
    expect(await store.getOrLoad('k', async (key) => `loaded:${key}`)).toBe('loaded:k');
    await store.drain();
    expect(l0.data.get('k')).toBe('loaded:k');
    expect(l1.data.get('k')).toBe('loaded:k');
    expect(db.count('set')).toBe(0);
    expect(events.map((e) => [e.layerIndex, e.sourceLayerIndex, e.isPrimary])).toEqual([
      [0, 3, false],
      [1, 3, false],
    ]);
    expect(store.stats().loads).toBe(1);
  });

  it('does not delay the caller with the write', async () => {
    const { l0, store } = setup();
    const held = l0.holdNext('set');
    expect(await store.getOrLoad('k', async () => 'v')).toBe('v');
    expect(l0.data.has('k')).toBe(false);
    held.open();
    await store.drain();
    expect(l0.data.get('k')).toBe('v');
  });

  it('calls the loader once for concurrent callers, who all get its result', async () => {
    const { store } = setup();
    const release = gate();
    let calls = 0;
    const loader = async () => {
      calls++;
      await release.promise;
      return 'v';
    };
    const callers = Array.from({ length: 50 }, () => store.getOrLoad('k', loader));
    await flush();
    release.open();
    expect(await Promise.all(callers)).toEqual(Array(50).fill('v'));
    expect(calls).toBe(1);
    expect(store.stats().loads).toBe(1);
  });

  it('concurrent plain callers (no options) share one call: one read of each layer, one loader call', async () => {
    const { l0, l1, db, store } = setup();
    const release = gate();
    let calls = 0;
    const loader = async () => {
      calls++;
      await release.promise;
      return 'v';
    };
    const first = store.getOrLoad('k', loader);
    await flush();
    // Callers that arrive while the load is in flight, and others while its walk was.
    const callers = [first, ...Array.from({ length: 20 }, () => store.getOrLoad('k', loader))];
    release.open();
    expect(await Promise.all(callers)).toEqual(Array(21).fill('v'));
    expect([l0.count('get'), l1.count('get'), db.count('get'), calls]).toEqual([1, 1, 1, 1]);
    // Settled: the next caller reads the layers again (and finds the written value).
    await store.drain();
    expect(await store.getOrLoad('k', loader)).toBe('v');
    expect(calls).toBe(1);
  });

  it('a caller that begins after a write of the key does not share a call in flight from before it', async () => {
    const { db, store } = setup();
    const release = gate();
    const first = store.getOrLoad('k', async () => {
      await release.promise;
      return 'old';
    });
    await flush();
    await store.set('k', 'new');
    expect(db.data.get('k')).toBe('new');
    const second = store.getOrLoad('k', async () => 'loaded after the write');
    release.open();
    expect(await second).toBe('new');
    expect(await first).toBe('old');
    await store.drain();
    // The load that the write overlapped wrote nothing back.
    expect(await store.get('k')).toBe('new');
  });

  it('shares the walk with concurrent gets', async () => {
    const { db, store } = setup();
    const held = db.holdNext('get');
    const a = store.get('k');
    const b = store.getOrLoad('k', async () => 'v');
    await flush();
    held.open();
    expect(await a).toBeUndefined();
    expect(await b).toBe('v');
    expect(db.count('get')).toBe(1);
  });

  it('a rejection reaches every concurrent caller and caches nothing', async () => {
    const { l0, l1, store } = setup();
    const release = gate();
    const failure = new Error('source down');
    let calls = 0;
    const loader = async () => {
      calls++;
      await release.promise;
      throw failure;
    };
    const callers = [store.getOrLoad('k', loader), store.getOrLoad('k', loader)];
    await flush();
    release.open();
    const outcomes = await Promise.allSettled(callers);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    expect(calls).toBe(1);
    await store.drain();
    expect(l0.count('set') + l1.count('set')).toBe(0);
    expect(await store.getOrLoad('k', async () => 'later')).toBe('later');
  });

  it('a loader that throws synchronously rejects, and the next call loads again', async () => {
    const { store } = setup();
    const failure = new Error('sync');
    await expect(
      store.getOrLoad('k', () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await store.getOrLoad('k', async () => 'v')).toBe('v');
  });

  it('undefined from the loader is a miss: nothing cached', async () => {
    const { l0, l1, store } = setup();
    expect(await store.getOrLoad('k', async () => undefined)).toBeUndefined();
    await store.drain();
    expect(l0.count('set') + l1.count('set')).toBe(0);
  });

  it('null from the loader is a value and is cached', async () => {
    const { l0, store } = setup();
    expect(await store.getOrLoad('k', async () => null)).toBeNull();
    await store.drain();
    expect(l0.data.get('k')).toBeNull();
  });

  it('options.ttl replaces the layers ttl for the write', async () => {
    const { l0, l1, store } = setup();
    await store.getOrLoad('k', async () => 'v', { ttl: 7 });
    await store.drain();
    expect(l0.calls.find((c) => c.method === 'set')?.ttl).toBe(7);
    expect(l1.calls.find((c) => c.method === 'set')?.ttl).toBe(7);
  });

  it('a failing primary rejects before any load', async () => {
    const { db, store } = setup();
    db.failures.get = new Error('db down');
    let calls = 0;
    await expect(store.getOrLoad('k', async () => (calls++, 'v'))).rejects.toThrow('db down');
    expect(calls).toBe(0);
  });
});
