import { describe, expect, it } from '@jest/globals';
import {
  DelegatedStore,
  NotFoundError,
  retryMiddleware,
  withMiddleware,
  withMiddlewares,
  type Middleware,
} from '../../lib/index.js';
import { TestStore } from '../support/test-store.js';

const recorder =
  (name: string, log: string[]): Middleware<string, unknown> =>
  (next) =>
  async (ctx, key, value) => {
    log.push(`${name}>`);
    const result = await next(ctx, key, value);
    log.push(`<${name}`);
    return result;
  };

describe('middleware', () => {
  it('the middleware registered last runs first: withMiddlewares(a, b) then use(c) runs c → b → a', async () => {
    const log: string[] = [];
    const store = new DelegatedStore<string, unknown>(
      [{ store: new TestStore({ k: 1 }) }],
      withMiddlewares(recorder('a', log), recorder('b', log)),
    );
    store.use(recorder('c', log));
    await store.get('k');
    expect(log).toEqual(['c>', 'b>', 'a>', '<a', '<b', '<c']);
  });

  it('withMiddleware options apply in the order given, before use()', async () => {
    const log: string[] = [];
    const store = new DelegatedStore<string, unknown>(
      [{ store: new TestStore({ k: 1 }) }],
      withMiddleware(recorder('a', log)),
      withMiddleware(recorder('b', log)),
    );
    await store.get('k');
    expect(log).toEqual(['b>', 'a>', '<a', '<b']);
  });

  it('wraps every public operation with its context and arguments', async () => {
    const seen: unknown[] = [];
    const store = new DelegatedStore<string, unknown>([{ store: new TestStore() }]);
    store.use((next) => (ctx, key, value) => {
      seen.push([ctx.operation, key, value, ctx.metadata]);
      return next(ctx, key, value);
    });
    await store.set('k', 'v', { metadata: { traceId: 't1' } });
    await store.get('k');
    await store.getOrLoad('x', async () => 'loaded');
    await store.getMany(['k']);
    await store.delete('k');
    expect(seen).toEqual([
      ['set', 'k', 'v', { traceId: 't1' }],
      ['get', 'k', undefined, {}],
      ['getOrLoad', 'x', undefined, {}],
      ['getMany', ['k'], undefined, {}],
      ['delete', 'k', undefined, {}],
    ]);
  });

  it('backfill writes are not wrapped', async () => {
    const operations: string[] = [];
    const l0 = new TestStore<unknown>();
    const store = new DelegatedStore<string, unknown>([{ store: l0 }, { store: new TestStore({ k: 1 }) }]);
    store.use((next) => (ctx, key, value) => {
      operations.push(ctx.operation);
      return next(ctx, key, value);
    });
    await store.get('k');
    await store.drain();
    expect(l0.data.get('k')).toBe(1);
    expect(operations).toEqual(['get']);
  });

  it('can transform a read and short-circuit the store', async () => {
    const db = new TestStore<unknown>({ k: 1 });
    const store = new DelegatedStore<string, unknown>([{ store: db }]);
    store.use((next) => async (ctx, key, value) => {
      if (key === 'short') return 'from-middleware';
      const result = await next(ctx, key, value);
      return typeof result === 'number' ? result * 10 : result;
    });
    expect(await store.get('k')).toBe(10);
    expect(await store.get('short')).toBe('from-middleware');
    expect(db.calls.map((c) => c.key)).toEqual(['k']);
  });

  it('a middleware that passes a spread context down keeps getOrLoad working', async () => {
    const store = new DelegatedStore<string, unknown>([{ store: new TestStore() }]);
    store.use((next) => (ctx, key, value) => next({ ...ctx, metadata: { added: true } }, key, value));
    expect(await store.getOrLoad('k', async () => 'v')).toBe('v');
  });

  it('a middleware that throws synchronously rejects the call, and the store keeps working', async () => {
    const store = new DelegatedStore<string, unknown>([{ store: new TestStore({ k: 1 }) }]);
    let fail = true;
    store.use((next) => (ctx, key, value) => {
      if (fail) throw new Error('middleware bug');
      return next(ctx, key, value);
    });
    await expect(Promise.resolve().then(() => store.get('k'))).rejects.toThrow('middleware bug');
    fail = false;
    expect(await store.get('k')).toBe(1);
  });
});

describe('retryMiddleware', () => {
  it('calls next again after a rejection, at most n more times, and rejects with the last error', async () => {
    const db = new TestStore<unknown>();
    let calls = 0;
    db.get = async () => {
      calls++;
      throw new Error(`failure ${calls}`);
    };
    const store = new DelegatedStore<string, unknown>(
      [{ store: db, primary: true }],
      withMiddleware(retryMiddleware(2)),
    );
    await expect(store.get('k')).rejects.toThrow('failure 3');
    expect(calls).toBe(3);
  });

  it('recovers when a retry succeeds', async () => {
    const db = new TestStore<unknown>({ k: 'v' });
    let failuresLeft = 2;
    const get = db.get.bind(db);
    db.get = async (key) => {
      if (failuresLeft-- > 0) throw new Error('flaky');
      return get(key);
    };
    const store = new DelegatedStore<string, unknown>(
      [{ store: db, primary: true }],
      withMiddleware(retryMiddleware(3)),
    );
    expect(await store.get('k')).toBe('v');
  });

  it('by default does not retry NotFoundError', async () => {
    let calls = 0;
    const store = new DelegatedStore<string, unknown>([{ store: new TestStore() }]);
    store.use(() => async () => {
      calls++;
      throw new NotFoundError();
    });
    store.use(retryMiddleware(5));
    await expect(store.get('k')).rejects.toBeInstanceOf(NotFoundError);
    expect(calls).toBe(1);
    store.use(retryMiddleware(2, () => true));
    await expect(store.get('k')).rejects.toBeInstanceOf(NotFoundError);
    expect(calls).toBe(1 + 3); // an explicit shouldRetry may retry it: 3 outer attempts, the inner default never retries
  });

  it('asks shouldRetry about each error', async () => {
    let calls = 0;
    const store = new DelegatedStore<string, unknown>([{ store: new TestStore() }]);
    store.use(() => async () => {
      calls++;
      throw new Error(calls < 3 ? 'retry me' : 'fatal');
    });
    store.use(retryMiddleware(5, (error) => (error as Error).message === 'retry me'));
    await expect(store.get('k')).rejects.toThrow('fatal');
    expect(calls).toBe(3);
  });

  it('retryMiddleware(0) calls once', async () => {
    let calls = 0;
    const store = new DelegatedStore<string, unknown>([{ store: new TestStore() }]);
    store.use(() => async () => {
      calls++;
      throw new Error('x');
    });
    store.use(retryMiddleware(0));
    await expect(store.get('k')).rejects.toThrow('x');
    expect(calls).toBe(1);
  });
});
