import { describe, expect, it } from '@jest/globals';
import {
  DelegatedStore,
  withBackFillCallback,
  withBackFillCallbacks,
  withErrorHandler,
  withMiddlewares,
  type BackFillCallback,
  type BackFillEvent,
  type OperationContext,
} from '../../lib/index.js';
import { TestStore } from '../support/test-store.js';

type CallbackCall = [string, string, unknown, number, boolean];

describe('NewDelegatedStore with options', () => {
  it('builds a store from layers, withBackFillCallbacks and withMiddlewares, working end to end', async () => {
    const cache = new TestStore<string>();
    const db = new TestStore<string>({ user: 'alice' });
    const calls: CallbackCall[] = [];
    const log: string[] = [];
    const first: BackFillCallback<string, string> = (_ctx, key, value, layerIndex, isPrimary) => {
      calls.push(['first', key, value, layerIndex, isPrimary]);
    };
    const second: BackFillCallback<string, string> = (_ctx, key, value, layerIndex, isPrimary) => {
      calls.push(['second', key, value, layerIndex, isPrimary]);
    };
    const store = new DelegatedStore<string, string>(
      [
        { store: cache, ttl: 60_000, name: 'cache' },
        { store: db, primary: true, name: 'db' },
      ],
      withBackFillCallbacks(first, second),
      withMiddlewares<string, string>(
        (next) => async (ctx, key, value) => {
          log.push(`inner ${ctx.operation} ${String(key)}`);
          return next(ctx, key, value);
        },
        (next) => async (ctx, key, value) => {
          log.push(`outer ${ctx.operation} ${String(key)}`);
          return next(ctx, key, value);
        },
      ),
    );

    expect(await store.get('user')).toBe('alice');
    await store.drain();
    expect(cache.data.get('user')).toBe('alice');
    expect(calls).toEqual([
      ['first', 'user', 'alice', 0, false],
      ['second', 'user', 'alice', 0, false],
    ]);
    expect(await store.get('user')).toBe('alice');
    await store.set('user', 'bob');
    expect(db.data.get('user')).toBe('bob');
    expect(await store.get('user')).toBe('bob');
    expect(log).toEqual([
      'outer get user',
      'inner get user',
      'outer get user',
      'inner get user',
      'outer set user',
      'inner set user',
      'outer get user',
      'inner get user',
    ]);
    expect(store.stats().layers.map((l) => [l.name, l.hits, l.backFills])).toEqual([
      ['cache', 2, 1],
      ['db', 1, 0],
    ]);
  });
});

describe('OnBackFill callback', () => {
  it('reports layer 0 (not primary) and layer 1 (primary) for a value only in persist, in registration order', async () => {
    const cache = new TestStore<string>();
    const primary = new TestStore<string>();
    const persist = new TestStore<string>({ key: 'value' });
    const store = new DelegatedStore<string, string>([
      { store: cache, ttl: 60_000 },
      { store: primary, primary: true },
      { store: persist, ttl: 3_600_000 },
    ]);
    const calls: CallbackCall[] = [];
    const contexts: OperationContext[] = [];
    store.onBackFill((ctx, key, value, layerIndex, isPrimary) => {
      contexts.push(ctx);
      calls.push(['a', key, value, layerIndex, isPrimary]);
    });
    store.onBackFill((_ctx, key, value, layerIndex, isPrimary) => {
      calls.push(['b', key, value, layerIndex, isPrimary]);
    });

    expect(await store.get('key', { metadata: { requestId: 'r1' } })).toBe('value');
    await store.drain();

    const forLayer = (index: number) => calls.filter((call) => call[3] === index);
    expect(forLayer(0)).toEqual([
      ['a', 'key', 'value', 0, false],
      ['b', 'key', 'value', 0, false],
    ]);
    expect(forLayer(1)).toEqual([
      ['a', 'key', 'value', 1, true],
      ['b', 'key', 'value', 1, true],
    ]);
    expect(calls).toHaveLength(4);
    expect(cache.calls.find((c) => c.method === 'set')).toMatchObject({
      key: 'key',
      value: 'value',
      ttl: 60_000,
    });
    expect(primary.calls.find((c) => c.method === 'set')).toMatchObject({
      key: 'key',
      value: 'value',
      ttl: undefined,
    });
    expect(contexts[0]).toMatchObject({ operation: 'get', metadata: { requestId: 'r1' } });
  });

  it('a callback runs only after the write succeeded, and never for a failed write', async () => {
    const cache = new TestStore<string>();
    cache.failures.set = new Error('cache down');
    const store = new DelegatedStore<string, string>([
      { store: cache },
      { store: new TestStore({ k: 'v' }) },
    ]);
    const calls: number[] = [];
    store.onBackFill((_ctx, _key, _value, layerIndex) => void calls.push(layerIndex));
    await store.get('k');
    await store.drain();
    expect(calls).toEqual([]);
    expect(store.stats().layers[0]).toMatchObject({ errors: 1, backFills: 0 });
  });

  it('a callback that throws or rejects affects neither the backfill, nor the other callbacks, nor the caller', async () => {
    const cache = new TestStore<string>();
    const reported: unknown[] = [];
    const store = new DelegatedStore<string, string>(
      [{ store: cache }, { store: new TestStore({ k: 'v' }) }],
      withBackFillCallback(() => {
        throw new Error('sync bug');
      }),
      withBackFillCallback(async () => {
        throw new Error('async bug');
      }),
      withErrorHandler((error, source) => reported.push([(error as Error).message, source.kind])),
    );
    const after: string[] = [];
    store.onBackFill((_ctx, key) => void after.push(key));
    expect(await store.get('k')).toBe('v');
    await store.drain();
    await new Promise((resolve) => setImmediate(resolve));
    expect(cache.data.get('k')).toBe('v');
    expect(after).toEqual(['k']);
    expect(reported).toEqual([
      ['sync bug', 'callback'],
      ['async bug', 'callback'],
    ]);
  });

  it('clearBackFillCallbacks removes every callback, those given as options too', async () => {
    const calls: string[] = [];
    const store = new DelegatedStore<string, string>(
      [{ store: new TestStore() }, { store: new TestStore({ k: 'v' }) }],
      withBackFillCallback(() => void calls.push('option')),
    );
    store.onBackFill(() => void calls.push('added'));
    store.clearBackFillCallbacks();
    await store.get('k');
    await store.drain();
    expect(calls).toEqual([]);
    store.onBackFill(() => void calls.push('after-clear'));
    await store.delete('k');
    await store.get('k');
    await store.drain();
    expect(calls).toEqual([]); // deleted everywhere: nothing to backfill
  });
});

describe('backFill$', () => {
  it('emits one event per layer written, with the source layer', async () => {
    const store = new DelegatedStore<string, string>([
      { store: new TestStore(), name: 'l1' },
      { store: new TestStore(), name: 'l2' },
      { store: new TestStore({ k: 'v' }), name: 'db', primary: true },
    ]);
    const events: BackFillEvent<string, string>[] = [];
    store.backFill$.subscribe((event) => events.push(event));
    await store.get('k');
    await store.drain();
    expect(events).toEqual([
      { key: 'k', value: 'v', layerIndex: 0, layerName: 'l1', isPrimary: false, sourceLayerIndex: 2 },
      { key: 'k', value: 'v', layerIndex: 1, layerName: 'l2', isPrimary: false, sourceLayerIndex: 2 },
    ]);
  });

  it('completes on close()', async () => {
    const store = new DelegatedStore<string, string>([{ store: new TestStore() }]);
    let completed = false;
    store.backFill$.subscribe({ complete: () => (completed = true) });
    await store.close();
    expect(completed).toBe(true);
  });
});
