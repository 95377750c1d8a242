import { describe, expect, it } from '@jest/globals';
import {
  DelegatedStore,
  WriteFailedError,
  withInvalidationBus,
  type InvalidationBus,
} from '../../lib/index.js';
import { flush, FullTestStore, TestStore } from '../support/test-store.js';
import { LocalBus } from '../support/local-bus.js';

function setup(
  entries: { l0?: Record<string, string>; l1?: Record<string, string>; db?: Record<string, string> } = {},
) {
  const l0 = new TestStore<string>(entries.l0);
  const l1 = new TestStore<string>(entries.l1);
  const db = new TestStore<string>(entries.db);
  const store = new DelegatedStore<string, string>([
    { store: l0, name: 'memory', ttl: 1000 },
    { store: l1, name: 'redis', ttl: 5000 },
    { store: db, name: 'db', primary: true, ttl: 99_000 },
  ]);
  return { l0, l1, db, store };
}

describe('cachesOnly reads', () => {
  it('get walks the cache layers only: a value only in the primary is a miss', async () => {
    const { db, store } = setup({ db: { k: 'row' } });
    expect(await store.get('k', { cachesOnly: true })).toBeUndefined();
    expect(db.calls).toEqual([]);
    expect(await store.get('k')).toBe('row');
  });

  it('get backfills a value found in a lower cache into the caches above it', async () => {
    const { l0, db, store } = setup({ l1: { k: 'cached' } });
    expect(await store.get('k', { cachesOnly: true })).toBe('cached');
    await store.drain();
    expect(l0.data.get('k')).toBe('cached');
    expect(db.calls).toEqual([]);
  });

  it('getOrLoad calls its loader when the caches miss, even when the primary has the key, and never writes the primary', async () => {
    const { l0, l1, db, store } = setup({ db: { k: 'row' } });
    expect(await store.getOrLoad('k', async () => 'computed', { cachesOnly: true })).toBe('computed');
    await store.drain();
    expect(l0.data.get('k')).toBe('computed');
    expect(l1.data.get('k')).toBe('computed');
    expect(db.data.get('k')).toBe('row');
    expect(db.calls).toEqual([]);
  });

  it('a cachesOnly getOrLoad does not share the walk of a full get (which may read the primary)', async () => {
    const { db, store } = setup({ db: { k: 'row' } });
    const dbRead = db.holdNext('get');
    const full = store.get('k');
    await flush();
    const cachesOnly = store.getOrLoad('k', async () => 'computed', { cachesOnly: true });
    dbRead.open();
    expect(await full).toBe('row');
    expect(await cachesOnly).toBe('computed');
  });

  it('getMany with cachesOnly reads the caches only', async () => {
    const { db, store } = setup({ l1: { a: '1' }, db: { a: '1', b: '2' } });
    expect(await store.getMany(['a', 'b'], { cachesOnly: true })).toEqual(['1', undefined]);
    expect(db.calls).toEqual([]);
  });

  it('a backfill from a layer below the primary never writes the primary when cachesOnly', async () => {
    const l0 = new TestStore<string>();
    const db = new TestStore<string>();
    const l2 = new TestStore<string>({ k: 'v' });
    const store = new DelegatedStore<string, string>([
      { store: l0 },
      { store: db, primary: true },
      { store: l2 },
    ]);
    expect(await store.get('k', { cachesOnly: true })).toBe('v');
    await store.drain();
    expect(l0.data.get('k')).toBe('v');
    expect(db.calls).toEqual([]);
  });

  it('without a primary, cachesOnly reads every layer', async () => {
    const l0 = new TestStore<string>();
    const l1 = new TestStore<string>({ k: 'v' });
    const store = new DelegatedStore<string, string>([{ store: l0 }, { store: l1 }]);
    expect(await store.get('k', { cachesOnly: true })).toBe('v');
  });
});

describe('cachesOnly writes', () => {
  it('set writes the cache layers only, each with its ttl (or options.ttl)', async () => {
    const { l0, l1, db, store } = setup({ db: { k: 'row' } });
    await store.set('k', 'cached', { cachesOnly: true });
    expect(db.calls).toEqual([]);
    expect(l0.calls[0]).toEqual({ method: 'set', key: 'k', value: 'cached', ttl: 1000 });
    expect(l1.calls[0]).toEqual({ method: 'set', key: 'k', value: 'cached', ttl: 5000 });
    await store.set('k', 'short', { cachesOnly: true, ttl: 10 });
    expect(l0.calls[1].ttl).toBe(10);
  });

  it('set cachesOnly is a fenced write: it drops the backfill of a walk that overlapped it', async () => {
    const { l0, l1, store } = setup({ l1: { k: 'old' } });
    const l1Read = l1.holdNext('get');
    const reading = store.get('k');
    await flush();
    await store.set('k', 'new', { cachesOnly: true });
    l1Read.open();
    expect(await reading).toBe('old');
    await store.drain();
    expect(l0.data.get('k')).toBe('new');
    expect(await store.get('k')).toBe('new');
  });

  it('a failing cache layer deletes the key there and resolves; it rejects only when that delete fails too', async () => {
    const { l0, l1, store } = setup({ l1: { k: 'old' } });
    l1.failures.set = new Error('redis down');
    await expect(store.set('k', 'new', { cachesOnly: true })).resolves.toBeUndefined();
    expect(l1.data.has('k')).toBe(false);
    expect(l0.data.get('k')).toBe('new');
    l1.data.set('k', 'old');
    l1.failures.delete = new Error('still down');
    await expect(store.set('k', 'newer', { cachesOnly: true })).rejects.toThrow('still down');
  });

  it('delete cachesOnly removes the key from the caches and leaves the primary', async () => {
    const { l0, l1, db, store } = setup({ l0: { k: 'v' }, l1: { k: 'v' }, db: { k: 'v' } });
    await store.delete('k', { cachesOnly: true });
    expect(l0.data.has('k')).toBe(false);
    expect(l1.data.has('k')).toBe(false);
    expect(db.data.get('k')).toBe('v');
    expect(db.calls).toEqual([]);
  });
});

describe('invalidate', () => {
  it('removes one key from every non-primary layer, never touching the primary', async () => {
    const { l0, l1, db, store } = setup({ l0: { k: 'v' }, l1: { k: 'v' }, db: { k: 'v' } });
    await store.invalidate('k');
    expect(l0.data.has('k')).toBe(false);
    expect(l1.data.has('k')).toBe(false);
    expect(db.data.get('k')).toBe('v');
    expect(db.calls).toEqual([]);
    expect(await store.get('k')).toBe('v'); // read-your-writes: the next read goes to the primary
  });

  it('removes several keys, with one deleteMany per layer that has it', async () => {
    const l0 = new FullTestStore<string>({ a: '1', b: '2', c: '3' });
    const db = new FullTestStore<string>({ a: '1', b: '2', c: '3' });
    const store = new DelegatedStore<string, string>([{ store: l0 }, { store: db, primary: true }]);
    await store.invalidate(['a', 'b', 'a']);
    expect(l0.calls).toEqual([{ method: 'deleteMany', key: ['a', 'b'] }]);
    expect([...l0.data.keys()]).toEqual(['c']);
    expect(db.data.size).toBe(3);
  });

  it('is fenced like a write: a backfill whose walk overlapped it is dropped (no resurrection)', async () => {
    const { l0, l1, store } = setup({ l1: { k: 'old' }, db: { k: 'new' } });
    const l1Read = l1.holdNext('get');
    const reading = store.get('k');
    await flush();
    await store.invalidate('k');
    l1Read.open();
    expect(await reading).toBe('old');
    await store.drain();
    expect(l0.data.has('k')).toBe(false);
    expect(await store.get('k')).toBe('new');
  });

  it('waits for the key turn of a write in progress, so that it lands after it', async () => {
    const { l0, db, store } = setup({ db: { k: 'old' } });
    const dbWrite = db.holdNext('set');
    const writing = store.set('k', 'new');
    await flush();
    const invalidating = store.invalidate('k');
    await flush();
    expect(l0.count('delete')).toBe(0);
    dbWrite.open();
    await Promise.all([writing, invalidating]);
    expect(l0.data.has('k')).toBe(false);
  });

  it('two invalidations of the same keys in opposite orders, with busy keys, both finish (no deadlock)', async () => {
    const { db, store } = setup({ db: { a: '1', b: '2' } });
    const dbWrite = db.holdNext('set');
    const writing = store.set('a', 'x');
    await flush();
    const first = store.invalidate(['a', 'b']);
    const second = store.invalidate(['b', 'a']);
    dbWrite.open();
    await Promise.all([writing, first, second]);
    expect(await store.get('a')).toBe('x');
  });

  it('a failed layer delete rejects the call after every layer was tried', async () => {
    const { l0, l1, store } = setup({ l0: { k: 'v' }, l1: { k: 'v' } });
    l0.failures.delete = new Error('memory broken');
    l1.failures.delete = new Error('redis down');
    const error = await store.invalidate('k').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WriteFailedError);
    expect((error as Error).message).toContain('"memory"');
    expect((error as Error).message).toContain('"redis"');
    expect(l0.count('delete') + l1.count('delete')).toBe(2);
  });

  it('passes the chain once as "invalidate" with the key as given', async () => {
    const seen: Array<[string, unknown]> = [];
    const { store } = setup();
    store.use((next) => (ctx, key, value) => {
      seen.push([ctx.operation, key]);
      return next(ctx, key, value);
    });
    await store.invalidate('k');
    await store.invalidate(['a', 'b']);
    expect(seen).toEqual([
      ['invalidate', 'k'],
      ['invalidate', ['a', 'b']],
    ]);
  });

  it('rejects bad keys with a TypeError and touches no layer', async () => {
    const { l0, store } = setup();
    await expect(store.invalidate(['a', undefined as unknown as string])).rejects.toThrow('keys[1]');
    await expect(store.invalidate(null as unknown as string)).rejects.toThrow(TypeError);
    expect(l0.calls).toEqual([]);
  });

  it('is published on the bus, and another instance drops its local copy', async () => {
    const bus = new LocalBus();
    const localA = new TestStore<string>({ k: 'v' });
    const localB = new TestStore<string>({ k: 'v' });
    const db = new TestStore<string>({ k: 'v' });
    const a = new DelegatedStore<string, string>(
      [
        { store: localA, local: true },
        { store: db, primary: true },
      ],
      withInvalidationBus(bus.connect()),
    );
    new DelegatedStore<string, string>(
      [
        { store: localB, local: true },
        { store: db, primary: true },
      ],
      withInvalidationBus(bus.connect()),
    );
    await a.invalidate('k');
    await flush();
    expect(bus.published).toEqual([['k']]);
    expect(localB.data.has('k')).toBe(false);
  });
});

describe('clear across instances', () => {
  it('with a bus, clear empties the other instances local layers too', async () => {
    const listeners: Array<(keys: string[]) => void> = [];
    const connect = (): InvalidationBus => {
      let own: ((keys: string[]) => void) | undefined;
      return {
        publish: async (keys) =>
          listeners.filter((l) => l !== own).forEach((listener) => listener([...keys])),
        subscribe: async (onKeys) => void listeners.push((own = onKeys)),
        close: async () => {},
      };
    };
    const localA = new FullTestStore<string>({ a: '1' });
    const localB = new FullTestStore<string>({ a: '1', b: '2' });
    const shared = new FullTestStore<string>({ a: '1', b: '2' });
    const db = new FullTestStore<string>({ a: '1', b: '2' });
    const a = new DelegatedStore<string, string>(
      [{ store: localA, local: true }, { store: shared }, { store: db, primary: true }],
      withInvalidationBus(connect()),
    );
    new DelegatedStore<string, string>(
      [{ store: localB, local: true }, { store: shared }, { store: db, primary: true }],
      withInvalidationBus(connect()),
    );
    await a.clear({ cachesOnly: true });
    await flush();
    expect(localA.data.size).toBe(0);
    expect(localB.data.size).toBe(0);
    expect(shared.data.size).toBe(0);
    expect(db.data.size).toBe(2);
  });
});

describe('cachesOnly in the chain', () => {
  it('a middleware that passes { ...ctx } down keeps cachesOnly', async () => {
    const { db, store } = setup({ db: { k: 'row' } });
    store.use((next) => (ctx, key, value) => next({ ...ctx }, key, value));
    expect(await store.get('k', { cachesOnly: true })).toBeUndefined();
    expect(db.calls).toEqual([]);
  });
});

describe('found by the property suite', () => {
  it('a multi-key invalidate fences every key until the whole call resolved (rule 5)', async () => {
    const l0 = new TestStore<string>();
    const l1 = new TestStore<string>({ b: 'old' });
    const store = new DelegatedStore<string, string>([{ store: l0 }, { store: l1 }]);
    // A write of a holds a's turn, so the invalidation of [a, b] finishes b first and waits for a.
    const aWrite = l0.holdNext('set');
    const writingA = store.set('a', 'x');
    await flush();
    const invalidating = store.invalidate(['a', 'b']);
    await flush();
    expect(l1.data.has('b')).toBe(false); // b is done...
    l1.data.set('b', 'old'); // ...but a copy can still appear below (another writer, a late write)
    const reading = store.get('b'); // a walk that starts while the invalidation is still in progress
    await flush();
    aWrite.open();
    await Promise.all([writingA, invalidating]);
    await reading;
    await store.drain();
    expect(l0.data.has('b')).toBe(false); // its backfill was dropped
  });
});
