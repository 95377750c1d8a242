import { describe, expect, it } from '@jest/globals';
import {
  ConfigurationError,
  DelegatedStore,
  NotFoundError,
  StoreClosedError,
  withInvalidationBus,
  withMiddleware,
  type Middleware,
  type OperationContext,
} from '../../lib/index.js';
import { flush, FullTestStore, TestStore } from '../support/test-store.js';
import { LocalBus } from '../support/local-bus.js';

/** [l0 cache, l1 cache, db primary], every store with has/clear/keys/getSet. */
function setup(
  entries: { l0?: Record<string, string>; l1?: Record<string, string>; db?: Record<string, string> } = {},
) {
  const l0 = new FullTestStore<string>(entries.l0);
  const l1 = new FullTestStore<string>(entries.l1);
  const db = new FullTestStore<string>(entries.db);
  const store = new DelegatedStore<string, string>([
    { store: l0, name: 'memory', ttl: 1000 },
    { store: l1, name: 'redis', ttl: 5000 },
    { store: db, name: 'db', primary: true },
  ]);
  return { l0, l1, db, store };
}

/** Records every operation that passes through the chain. */
function recorder() {
  const seen: Array<{ operation: string; key: unknown; value: unknown; result?: unknown }> = [];
  const middleware: Middleware<string, string> = (next) => async (ctx, key, value) => {
    const entry: (typeof seen)[number] = { operation: ctx.operation, key, value };
    seen.push(entry);
    entry.result = await next(ctx, key, value);
    return entry.result as string | undefined;
  };
  return { seen, middleware };
}

describe('has', () => {
  it('is true when some layer holds the key, asking the layers in order and stopping at the first', async () => {
    const { l0, l1, db, store } = setup({ l1: { k: 'v' }, db: { k: 'v' } });
    expect(await store.has('k')).toBe(true);
    expect(l0.count('has')).toBe(1);
    expect(l1.count('has')).toBe(1);
    expect(db.count('has')).toBe(0);
    expect(await store.has('missing')).toBe(false);
    expect(db.count('has')).toBe(1);
  });

  it('reads the value of a layer whose store has no has(), and starts no backfill', async () => {
    const l0 = new TestStore<string>();
    const db = new TestStore<string>({ k: 'v' });
    const store = new DelegatedStore<string, string>([{ store: l0 }, { store: db, primary: true }]);
    expect(await store.has('k')).toBe(true);
    await store.drain();
    expect(l0.count('set')).toBe(0);
    expect(db.count('get')).toBe(1);
  });

  it('a failing cache layer counts as a miss; a failing primary rejects', async () => {
    const { l0, db, store } = setup({ db: { k: 'v' } });
    l0.failures.has = new Error('cache down');
    expect(await store.has('k')).toBe(true);
    db.failures.has = new Error('db down');
    await expect(store.has('k')).rejects.toThrow('db down');
  });

  it('a NotFoundError is a miss', async () => {
    const { l0, store } = setup({ db: { k: 'v' } });
    l0.failures.has = new NotFoundError();
    expect(await store.has('k')).toBe(true);
    expect(store.stats().layers[0].errors).toBe(0);
  });

  it('cachesOnly asks the cache layers only', async () => {
    const { db, store } = setup({ db: { k: 'v' } });
    expect(await store.has('k', { cachesOnly: true })).toBe(false);
    expect(db.calls).toEqual([]);
  });

  it('passes the chain once as operation "has", whose result is the boolean', async () => {
    const { seen, middleware } = recorder();
    const db = new FullTestStore<string>({ k: 'v' });
    const store = new DelegatedStore<string, string>(
      [{ store: db, primary: true }],
      withMiddleware(middleware),
    );
    expect(await store.has('k')).toBe(true);
    expect(seen).toEqual([{ operation: 'has', key: 'k', value: undefined, result: true }]);
  });

  it('rejects a bad key with a TypeError and touches no layer', async () => {
    const { l0, store } = setup();
    await expect(store.has(undefined as unknown as string)).rejects.toThrow(TypeError);
    expect(l0.calls).toEqual([]);
  });
});

describe('getSet', () => {
  it('resolves the value a get would have returned, then writes like set (primary first)', async () => {
    const { l0, l1, db, store } = setup({ l1: { k: 'old' }, db: { k: 'old' } });
    expect(await store.getSet('k', 'new')).toBe('old');
    expect(db.data.get('k')).toBe('new');
    expect(l0.data.get('k')).toBe('new');
    expect(l1.data.get('k')).toBe('new');
    expect(await store.get('k')).toBe('new');
  });

  it('uses the primary store getSet as the swap when it has one (the old value is its answer)', async () => {
    const { l0, db, store } = setup({ l0: { k: 'cached' }, db: { k: 'truth' } });
    expect(await store.getSet('k', 'new')).toBe('truth');
    expect(db.calls.map((call) => call.method)).toEqual(['getSet']);
    expect(l0.data.get('k')).toBe('new');
  });

  it('resolves undefined when there was no value', async () => {
    const { store } = setup();
    expect(await store.getSet('k', 'v')).toBeUndefined();
    expect(await store.get('k')).toBe('v');
  });

  it('concurrent getSets of a key take turns: each sees the value the previous one wrote', async () => {
    const l0 = new TestStore<string>();
    const db = new TestStore<string>({ k: 'v0' });
    const store = new DelegatedStore<string, string>([{ store: l0 }, { store: db, primary: true }]);
    const held = db.holdNext('set');
    const swaps = ['v1', 'v2', 'v3', 'v4'].map((value) => store.getSet('k', value));
    await flush();
    held.open();
    const olds = await Promise.all(swaps);
    expect(olds).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect(await store.get('k')).toBe('v4');
  });

  it('n concurrent getSets return the initial value and n-1 of the new values, each exactly once', async () => {
    const { store } = setup({ db: { k: 'initial' } });
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
    const olds = await Promise.all(values.map((value) => store.getSet('k', value)));
    const final = await store.get('k');
    expect([...olds, final].sort()).toEqual(['initial', ...values].sort());
  });

  it('a failing primary rejects and writes no cache', async () => {
    const { l0, db, store } = setup({ db: { k: 'old' } });
    db.failures.getSet = new Error('db down');
    await expect(store.getSet('k', 'new')).rejects.toThrow('db down');
    expect(l0.count('set')).toBe(0);
  });

  it('passes the chain once as "getSet" with the new value; the chain resolves the old value', async () => {
    const { seen, middleware } = recorder();
    const db = new FullTestStore<string>({ k: 'old' });
    const store = new DelegatedStore<string, string>(
      [{ store: db, primary: true }],
      withMiddleware(middleware),
    );
    expect(await store.getSet('k', 'new')).toBe('old');
    expect(seen).toEqual([{ operation: 'getSet', key: 'k', value: 'new', result: 'old' }]);
  });

  it('drops a backfill whose walk overlapped it (rule 5)', async () => {
    const { l0, l1, store } = setup({ l1: { k: 'old' }, db: { k: 'old' } });
    const l1Read = l1.holdNext('get');
    const reading = store.get('k');
    await flush();
    await store.getSet('k', 'new');
    l1Read.open();
    await reading;
    await store.drain();
    expect(l0.data.get('k')).toBe('new');
  });

  it('publishes its key on the bus once written, and another instance drops its local copy', async () => {
    const bus = new LocalBus();
    const localA = new FullTestStore<string>();
    const localB = new FullTestStore<string>({ k: 'old' });
    const db = new FullTestStore<string>({ k: 'old' });
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
    expect(await a.getSet('k', 'new')).toBe('old');
    await flush();
    expect(bus.published).toEqual([['k']]);
    expect(localB.data.has('k')).toBe(false);
  });

  it('options.ttl replaces the cache layers ttl, as for set', async () => {
    const { l0, l1, db, store } = setup({ db: { k: 'old' } });
    await store.getSet('k', 'new', { ttl: 42 });
    expect(l0.calls.filter((call) => call.method === 'set').map((call) => call.ttl)).toEqual([42]);
    expect(l1.calls.filter((call) => call.method === 'set').map((call) => call.ttl)).toEqual([42]);
    await store.getSet('k', 'newer');
    expect(l0.calls.filter((call) => call.method === 'set').map((call) => call.ttl)).toEqual([42, 1000]);
    expect(db.data.get('k')).toBe('newer');
  });

  it('options.ttl replaces the layers ttl in a store without a primary too', async () => {
    const l0 = new FullTestStore<string>();
    const l1 = new FullTestStore<string>({ k: 'old' });
    const store = new DelegatedStore<string, string>([
      { store: l0, ttl: 1000 },
      { store: l1, ttl: 5000 },
    ]);
    expect(await store.getSet('k', 'new', { ttl: 42 })).toBe('old');
    expect(l0.calls.filter((call) => call.method === 'set').map((call) => call.ttl)).toEqual([42]);
    expect(l1.calls.filter((call) => call.method === 'set').map((call) => call.ttl)).toEqual([42]);
  });
  it('rejects an undefined value with a TypeError', async () => {
    const { store } = setup();
    await expect(store.getSet('k', undefined as unknown as string)).rejects.toThrow(TypeError);
  });
});

describe('clear', () => {
  it('empties every layer, the primary first then the others concurrently', async () => {
    const { l0, l1, db, store } = setup({ l0: { a: '1' }, l1: { a: '1' }, db: { a: '1', b: '2' } });
    const primaryClear = db.holdNext('clear');
    const clearing = store.clear();
    await flush();
    expect(l0.count('clear') + l1.count('clear')).toBe(0);
    primaryClear.open();
    const l0Clear = l0.holdNext('clear');
    await flush();
    expect(l1.count('clear')).toBe(1); // l1 cleared while l0 is still in flight
    l0Clear.open();
    await clearing;
    expect([l0.data.size, l1.data.size, db.data.size]).toEqual([0, 0, 0]);
  });

  it('cachesOnly empties every layer but the primary', async () => {
    const { l0, l1, db, store } = setup({ l0: { a: '1' }, l1: { a: '1' }, db: { a: '1' } });
    await store.clear({ cachesOnly: true });
    expect([l0.data.size, l1.data.size, db.data.size]).toEqual([0, 0, 1]);
    expect(db.count('clear')).toBe(0);
    expect(await store.get('a')).toBe('1');
  });

  it('a layer without clear() rejects with a ConfigurationError naming it, before any layer is touched', async () => {
    const l0 = new FullTestStore<string>({ a: '1' });
    const l1 = new TestStore<string>({ a: '1' });
    const store = new DelegatedStore<string, string>([
      { store: l0, name: 'memory' },
      { store: l1, name: 'legacy' },
    ]);
    const error = await store.clear().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('"legacy"');
    expect(l0.count('clear')).toBe(0);
    expect(l0.data.size).toBe(1);
  });

  it('a failing layer makes the call reject once every layer was tried', async () => {
    const { l0, l1, db, store } = setup({ l0: { a: '1' }, l1: { a: '1' }, db: { a: '1' } });
    l0.failures.clear = new Error('memory broken');
    await expect(store.clear()).rejects.toThrow('memory broken');
    expect(db.data.size).toBe(0);
    expect(l1.data.size).toBe(0);
  });

  it('fences every key: a backfill whose walk overlapped the clear does not write after it', async () => {
    const { l0, l1, store } = setup({ l1: { a: 'old', b: 'old' }, db: { a: 'old', b: 'old' } });
    const held = l1.holdNext('get');
    const reading = store.get('a');
    await flush();
    await store.clear({ cachesOnly: true });
    held.open();
    expect(await reading).toBe('old');
    await store.drain();
    expect(l0.data.has('a')).toBe(false);
    expect(store.droppedBackFills).toBe(1);
  });

  it('fences a walk that begins while the clear is in progress', async () => {
    const { l0, l1, store } = setup({ l1: { k: 'old' }, db: { k: 'old' } });
    const l0Clear = l0.holdNext('clear');
    const clearing = store.clear({ cachesOnly: true });
    await flush(); // l1 is cleared, l0's clear is still in flight
    expect(await store.get('k')).toBe('old'); // read from the primary while the clear runs
    await flush();
    l0Clear.open();
    await clearing;
    await store.drain();
    expect(l0.data.has('k')).toBe(false);
    expect(l1.data.has('k')).toBe(false);
  });

  it('fences a load that overlapped it, and a read after it starts a fresh walk', async () => {
    const { l0, l1, store } = setup();
    let release!: (value: string) => void;
    const loading = store.getOrLoad('k', () => new Promise<string>((resolve) => (release = resolve)));
    await flush();
    await store.clear({ cachesOnly: true });
    release('loaded-before-clear');
    expect(await loading).toBe('loaded-before-clear');
    await store.drain();
    expect(l0.data.has('k')).toBe(false);
    expect(l1.data.has('k')).toBe(false);
    let calls = 0;
    expect(await store.getOrLoad('k', async () => `fresh${++calls}`)).toBe('fresh1');
  });

  it('a full clear does not bring back a value: a walk that ends while a layer is still clearing backfills nothing', async () => {
    const { l0, l1, db, store } = setup({ l1: { k: 'old' }, db: { k: 'old' } });
    const l1Read = l1.holdNext('get');
    const reading = store.get('k'); // a walk begun before the clear, held at l1
    await flush();
    const l1Clear = l1.holdNext('clear');
    const clearing = store.clear();
    await flush(); // db and l0 are cleared, l1's clear is still in flight
    expect(db.data.size).toBe(0);
    l1Read.open();
    expect(await reading).toBe('old'); // it read l1 before l1 was cleared
    await flush();
    l1Clear.open();
    await clearing;
    await store.drain();
    expect(l0.data.has('k')).toBe(false);
    expect(await store.get('k')).toBeUndefined();
  });

  it('a read issued after the clear resolved does not join a walk begun during it', async () => {
    const { l0, db, store } = setup({ l0: { k: 'old' }, db: { k: 'old' } });
    const dbClear = db.holdNext('clear');
    const clearing = store.clear();
    await flush(); // the primary's clear is in flight, l0 still holds the value
    const l0Read = l0.holdNext('get');
    const during = store.get('k'); // a walk born during the clear, held at l0
    await flush();
    dbClear.open();
    await clearing;
    const after = store.get('k');
    await flush();
    l0Read.open();
    await during;
    expect(await after).toBeUndefined();
  });

  it('waits for a backfill write in flight, so that it cannot land after the clear', async () => {
    const { l0, l1, store } = setup({ l1: { k: 'old' } });
    const l0Write = l0.holdNext('set');
    expect(await store.get('k')).toBe('old'); // backfill into l0 is now in flight
    await flush();
    const clearing = store.clear({ cachesOnly: true });
    let cleared = false;
    void clearing.then(() => (cleared = true));
    await flush();
    expect(cleared).toBe(false);
    l0Write.open();
    await clearing;
    expect(l0.data.has('k')).toBe(false);
    expect(l1.data.has('k')).toBe(false);
  });

  it('clears and writes land in issue order: a write issued before the clear ends before it', async () => {
    const { l0, db, store } = setup({ db: { k: 'old' } });
    const dbWrite = db.holdNext('set');
    const writing = store.set('k', 'before-clear');
    await flush();
    const clearing = store.clear();
    await flush();
    expect(db.count('clear')).toBe(0); // the clear waits for the write issued before it
    dbWrite.open();
    await Promise.all([writing, clearing]);
    expect(db.data.size).toBe(0);
    expect(l0.data.size).toBe(0);
    expect(await store.get('k')).toBeUndefined();
  });

  it('a write issued during a clear waits for it, so that the clear cannot wipe it', async () => {
    const { l0, db, store } = setup({ db: { k: 'old' } });
    const dbClear = db.holdNext('clear');
    const clearing = store.clear();
    await flush();
    const writing = store.set('k', 'after-clear');
    await flush();
    expect(db.count('set')).toBe(0);
    dbClear.open();
    await Promise.all([clearing, writing]);
    expect(db.data.get('k')).toBe('after-clear');
    expect(l0.data.get('k')).toBe('after-clear');
  });

  it('passes the chain once as "clear" with key undefined', async () => {
    const { seen, middleware } = recorder();
    const db = new FullTestStore<string>({ k: 'v' });
    const store = new DelegatedStore<string, string>(
      [{ store: db, primary: true }],
      withMiddleware(middleware),
    );
    await store.clear();
    expect(seen).toEqual([{ operation: 'clear', key: undefined, value: undefined, result: undefined }]);
  });
});

describe('keys', () => {
  it('iterates the keys of the primary layer, each once', async () => {
    const l0 = new FullTestStore<string>({ onlyInCache: 'x' });
    const db = new FullTestStore<string>({ a: '1', b: '2' });
    db.keys = async function* () {
      yield* ['a', 'b', 'a'];
    };
    const store = new DelegatedStore<string, string>([{ store: l0 }, { store: db, primary: true }]);
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    expect(keys).toEqual(['a', 'b']);
  });

  it('uses the last layer when none is primary', async () => {
    const l0 = new FullTestStore<string>({ a: '1' });
    const l1 = new FullTestStore<string>({ b: '2' });
    const store = new DelegatedStore<string, string>([{ store: l0 }, { store: l1 }]);
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    expect(keys).toEqual(['b']);
  });

  it('a primary without keys() rejects the iteration with a ConfigurationError naming the layer', async () => {
    const store = new DelegatedStore<string, string>([
      { store: new TestStore<string>(), name: 'db', primary: true },
    ]);
    const iterator = store.keys()[Symbol.asyncIterator]();
    const error = await iterator.next().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('"db"');
  });

  it('enters the chain once, when the iteration starts; a rejection there ends it with that error', async () => {
    const operations: string[] = [];
    const failure = new Error('not allowed');
    const store = new DelegatedStore<string, string>(
      [{ store: new FullTestStore<string>({ a: '1', b: '2' }), primary: true }],
      withMiddleware<string, string>((next) => async (ctx, key, value) => {
        operations.push(ctx.operation);
        if (ctx.metadata.deny) throw failure;
        return next(ctx, key, value);
      }),
    );
    const iterable = store.keys();
    expect(operations).toEqual([]);
    const keys: string[] = [];
    for await (const key of iterable) keys.push(key);
    expect(keys.sort()).toEqual(['a', 'b']);
    expect(operations).toEqual(['keys']);
    const denied = store.keys({ metadata: { deny: true } })[Symbol.asyncIterator]();
    await expect(denied.next()).rejects.toBe(failure);
  });

  it('rejects after close()', async () => {
    const { store } = setup();
    await store.close();
    await expect(store.keys()[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(StoreClosedError);
  });
});

describe('getLayer', () => {
  it('returns the layer as configured, with its effective name', () => {
    const { l0, db, store } = setup();
    expect(store.getLayer(0)).toMatchObject({ store: l0, name: 'memory', ttl: 1000 });
    expect(store.getLayer(2)).toMatchObject({ store: db, primary: true, name: 'db' });
    const unnamed = new DelegatedStore<string, string>([{ store: new TestStore<string>() }]);
    expect(unnamed.getLayer(0).name).toBe('layer0');
  });

  it('throws a RangeError for an index that is not a whole number in range', () => {
    const { store } = setup();
    for (const index of [-1, 3, 1.5, NaN, '0' as unknown as number]) {
      expect(() => store.getLayer(index)).toThrow(RangeError);
    }
  });
});

describe('operation types reach the middleware', () => {
  it('every public operation passes the chain with its name in ctx.operation', async () => {
    const operations: OperationContext['operation'][] = [];
    const { store } = setup({ db: { k: 'v' } });
    store.use((next) => (ctx, key, value) => {
      operations.push(ctx.operation);
      return next(ctx, key, value);
    });
    await store.get('k');
    await store.getOrLoad('k2', async () => 'v2');
    await store.getMany(['k']);
    await store.has('k');
    await store.set('k', 'v');
    await store.getSet('k', 'w');
    await store.delete('k');
    await store.invalidate('k');
    await store.clear({ cachesOnly: true });
    for await (const key of store.keys()) void key;
    expect(operations).toEqual([
      'get',
      'getOrLoad',
      'getMany',
      'has',
      'set',
      'getSet',
      'delete',
      'invalidate',
      'clear',
      'keys',
    ]);
  });

  it('a middleware that rewrites the value of a set changes what is stored', async () => {
    const { db, store } = setup();
    store.use(
      (next) => (ctx, key, value) =>
        next(ctx, key, ctx.operation === 'set' && value !== undefined ? value.toUpperCase() : value),
    );
    await store.set('k', 'quiet');
    expect(db.data.get('k')).toBe('QUIET');
  });
});

describe('getSet and cachesOnly', () => {
  it('refuses cachesOnly: the swap happens at the source of truth', async () => {
    const { db, store } = setup({ db: { k: 'old' } });
    await expect(store.getSet('k', 'new', { cachesOnly: true })).rejects.toThrow(
      /cachesOnly is not supported/,
    );
    expect(db.calls).toEqual([]);
  });
});
