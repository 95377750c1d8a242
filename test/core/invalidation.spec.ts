import { describe, expect, it } from '@jest/globals';
import {
  DelegatedStore,
  withErrorHandler,
  withInvalidationBus,
  type InvalidationBus,
} from '../../lib/index.js';
import { LocalBus } from '../support/local-bus.js';
import { flush, TestStore } from '../support/test-store.js';

function instance(bus: InvalidationBus, shared: TestStore<string>) {
  const local = new TestStore<string>();
  const store = new DelegatedStore<string, string>(
    [
      { store: local, local: true },
      { store: shared, primary: true },
    ],
    withInvalidationBus(bus),
  );
  return { local, store };
}

describe('invalidation bus', () => {
  it('a write on one instance removes the key from the other instances local layers', async () => {
    const network = new LocalBus();
    const db = new TestStore<string>({ k: 'old' });
    const a = instance(network.connect(), db);
    const b = instance(network.connect(), db);
    await flush();
    expect(await b.store.get('k')).toBe('old');
    await b.store.drain();
    expect(b.local.data.get('k')).toBe('old');
    await a.store.set('k', 'new');
    await flush();
    expect(b.local.data.has('k')).toBe(false);
    expect(await b.store.get('k')).toBe('new');
    expect(network.published).toEqual([['k']]);
  });

  it('drops the other instance backfill in flight for the key', async () => {
    const network = new LocalBus();
    const db = new TestStore<string>({ k: 'old' });
    const a = instance(network.connect(), db);
    const b = instance(network.connect(), db);
    await flush();
    const held = db.holdNext('get');
    const reading = b.store.get('k');
    await flush();
    await a.store.set('k', 'new');
    await flush();
    held.open();
    expect(await reading).toBe('old');
    await b.store.drain();
    expect(b.local.data.has('k')).toBe(false);
    expect(await b.store.get('k')).toBe('new');
  });

  it('publishes deletes too, only after the write resolved, and close() closes the bus', async () => {
    const network = new LocalBus();
    const db = new TestStore<string>();
    const bus = network.connect();
    let closed = false;
    const close = bus.close.bind(bus);
    bus.close = async () => ((closed = true), close());
    const a = instance(bus, db);
    db.failures.delete = new Error('db down');
    await expect(a.store.delete('k')).rejects.toThrow('db down');
    expect(network.published).toEqual([]);
    delete db.failures.delete;
    await a.store.delete('k');
    expect(network.published).toEqual([['k']]);
    await a.store.close();
    expect(closed).toBe(true);
  });

  it('a bus whose publish rejects does not fail the write', async () => {
    const errors: unknown[] = [];
    const bus: InvalidationBus = {
      publish: async () => {
        throw new Error('bus down');
      },
      subscribe: async () => {},
      close: async () => {},
    };
    const { withErrorHandler } = await import('../../lib/index.js');
    const store = new DelegatedStore<string, string>(
      [{ store: new TestStore(), primary: true }],
      withInvalidationBus(bus),
      withErrorHandler((error, source) => errors.push([(error as Error).message, source.kind])),
    );
    await expect(store.set('k', 'v')).resolves.toBeUndefined();
    await flush();
    expect(errors).toEqual([['bus down', 'bus']]);
  });
});

describe('a synchronous layer 0', () => {
  it('answers a hit from getSync, and falls back to the walk on a miss', async () => {
    const l0 = new TestStore<string>({ hot: 'h' });
    let syncCalls = 0;
    const sync = Object.assign(l0, {
      getSync: (key: string) => {
        syncCalls++;
        return l0.data.get(key);
      },
    });
    const db = new TestStore<string>({ cold: 'c' });
    const store = new DelegatedStore<string, string>([{ store: sync }, { store: db, primary: true }]);
    expect(await store.get('hot')).toBe('h');
    expect(await store.get('cold')).toBe('c');
    await store.drain();
    expect(l0.count('get')).toBe(0);
    expect(syncCalls).toBe(2);
    expect(l0.data.get('cold')).toBe('c');
    expect(store.stats().layers[0]).toMatchObject({ hits: 1, misses: 1, backFills: 1 });
  });
});

describe('closing a store with a bus', () => {
  /** A bus whose publishes and subscription settle when the test says, and that rejects them on close. */
  function slowBus() {
    const pending: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
    const events: string[] = [];
    let closed = false;
    const bus: InvalidationBus = {
      publish: (keys) =>
        new Promise<void>((resolve, reject) => {
          events.push(`publish ${keys.join(',')}`);
          pending.push({ resolve: () => (events.push('published'), resolve()), reject });
        }),
      subscribe: () =>
        new Promise<void>((_resolve, reject) => {
          pending.push({ resolve: () => {}, reject });
        }),
      close: async () => {
        closed = true;
        events.push('bus closed');
        for (const call of pending.splice(0)) call.reject(new Error('Connection is closed.'));
      },
    };
    return { bus, pending, events, isClosed: () => closed };
  }

  it('lets the publishes of the last writes finish before it closes the bus', async () => {
    const { bus, pending, events } = slowBus();
    const errors: unknown[] = [];
    const store = new DelegatedStore<string, string>(
      [{ store: new TestStore<string>(), local: true }],
      withInvalidationBus(bus),
      withErrorHandler((error) => void errors.push(error)),
    );
    await store.set('k', 'v');
    const closing = store.close();
    await flush();
    expect(events).toEqual(['publish k']);
    pending[1].resolve(); // [0] is the subscription, [1] the publish
    await closing;
    expect(events).toEqual(['publish k', 'published', 'bus closed']);
    expect(errors).toEqual([]);
  });

  it('reports no error for a subscription that the close itself ended', async () => {
    const { bus } = slowBus();
    const errors: unknown[] = [];
    const store = new DelegatedStore<string, string>(
      [{ store: new TestStore<string>(), local: true }],
      withInvalidationBus(bus),
      withErrorHandler((error) => void errors.push(error)),
    );
    await store.close();
    await flush();
    expect(errors).toEqual([]);
  });
});
