import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from '@jest/globals';
import {
  Global,
  Injectable,
  Module,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EMPTY, Observable, TimeoutError, map, of, retry, tap, timeout } from 'rxjs';
import {
  DelegatedStore,
  DelegatedStoreModule,
  interceptorMiddleware,
  type Layer,
  type Middleware,
  type OperationContext,
  type Store,
} from '../../lib/index.js';
import { TestStore } from '../support/test-store.js';

/** A provider that interceptor classes inject: they are built by Nest's DI. */
@Injectable()
class CallLog {
  readonly entries: string[] = [];
}

@Global()
@Module({ providers: [CallLog], exports: [CallLog] })
class CallLogModule {}

@Injectable()
class LoggingInterceptor implements NestInterceptor {
  constructor(private readonly log: CallLog) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const [key] = context.getArgs<[string, unknown, OperationContext]>();
    this.log.entries.push(`${context.getArgByIndex<OperationContext>(2).operation} ${key}`);
    return next.handle();
  }
}

function recorder(name: string, order: string[]): NestInterceptor {
  return {
    intercept: (_context, next) => {
      order.push(name);
      return next.handle();
    },
  };
}

function recordingMiddleware(name: string, order: string[]): Middleware<string, string> {
  return (next) => (ctx, key, value) => {
    order.push(name);
    return next(ctx, key, value);
  };
}

/** A primary layer whose reads fail `failures` times, then answer. */
function flakyPrimary(failures: number, value: string): Store<string, string> & { reads: number } {
  const store = {
    reads: 0,
    async get() {
      store.reads++;
      if (store.reads <= failures) throw new Error(`read ${store.reads} failed`);
      return value;
    },
    async set() {},
    async delete() {},
  };
  return store;
}

async function storeWith(
  interceptors: NonNullable<Parameters<typeof DelegatedStoreModule.forRoot>[0]['interceptors']>,
  layers: Layer<string, string>[] = [{ store: new TestStore<string>({ a: 'A' }) }],
  middlewares: Middleware<string, string>[] = [],
) {
  const moduleRef = await Test.createTestingModule({
    imports: [CallLogModule, DelegatedStoreModule.forRoot({ layers, interceptors, middlewares })],
  }).compile();
  return { moduleRef, store: moduleRef.get<DelegatedStore<string, string>>(DelegatedStore) };
}

describe('interceptors on a store', () => {
  it('builds an interceptor class with Nest DI, injecting a provider', async () => {
    const { moduleRef, store } = await storeWith([LoggingInterceptor]);
    await store.get('a');
    await store.set('b', 'B');
    expect(moduleRef.get(CallLog).entries).toEqual(['get a', 'set b']);
    await moduleRef.close();
  });

  it('uses an interceptor instance as it is', async () => {
    const order: string[] = [];
    const { moduleRef, store } = await storeWith([recorder('instance', order)]);
    expect(await store.get('a')).toBe('A');
    expect(order).toEqual(['instance']);
    await moduleRef.close();
  });

  it('runs the interceptors first (first listed outermost), then the middlewares (last listed outermost)', async () => {
    const order: string[] = [];
    const { moduleRef, store } = await storeWith([recorder('i1', order), recorder('i2', order)], undefined, [
      recordingMiddleware('m1', order),
      recordingMiddleware('m2', order),
    ]);
    await store.get('a');
    expect(order).toEqual(['i1', 'i2', 'm2', 'm1']);
    await moduleRef.close();
  });

  it('gives the interceptor a delegated-store execution context', async () => {
    const seen: ExecutionContext[] = [];
    const { moduleRef, store } = await storeWith([
      { intercept: (context, next) => (seen.push(context), next.handle()) },
    ]);
    await store.set('k', 'V', { metadata: { tenant: 't1' } });
    await store.get('k');
    const [set, get] = seen;
    expect(set.getType()).toBe('delegated-store');
    expect(set.getArgs()).toEqual([
      'k',
      'V',
      expect.objectContaining({ operation: 'set', metadata: { tenant: 't1' } }),
    ]);
    expect(set.getArgByIndex(1)).toBe('V');
    expect(set.getClass()).toBe(DelegatedStore);
    expect(set.getHandler()).toBe(DelegatedStore.prototype.set);
    expect(get.getHandler()).toBe(DelegatedStore.prototype.get);
    expect(get.getArgs()).toEqual(['k', undefined, expect.objectContaining({ operation: 'get' })]);
    // An interceptor written for HTTP that switches before it checks the type gets nothing, safely.
    expect(get.switchToHttp().getRequest()).toBeUndefined();
    expect(get.switchToRpc().getData()).toBeUndefined();
    expect(get.switchToWs().getClient()).toBeUndefined();
    await moduleRef.close();
  });

  it('retry() re-runs the rest of the chain: a primary that fails twice recovers', async () => {
    const primary = flakyPrimary(2, 'P');
    const { moduleRef, store } = await storeWith(
      [{ intercept: (_context, next) => next.handle().pipe(retry(2)) }],
      [{ store: new TestStore<string>() }, { store: primary, primary: true }],
    );
    expect(await store.get('a')).toBe('P');
    expect(primary.reads).toBe(3);
    await moduleRef.close();
  });

  it('timeout() bounds a slow read', async () => {
    const slow: Store<string, string> = {
      get: () => new Promise((resolve) => setTimeout(() => resolve('late'), 500)),
      set: async () => {},
      delete: async () => {},
    };
    const { moduleRef, store } = await storeWith(
      [{ intercept: (_context, next) => next.handle().pipe(timeout(50)) }],
      [{ store: slow, primary: true }],
    );
    const started = Date.now();
    await expect(store.get('a')).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(400);
    await moduleRef.close();
  });

  it('short-circuits when the interceptor answers without calling next: the layers are untouched', async () => {
    const layer = new TestStore<string>({ a: 'A' });
    const { moduleRef, store } = await storeWith(
      [{ intercept: () => of('from interceptor') }],
      [{ store: layer }],
    );
    expect(await store.get('a')).toBe('from interceptor');
    expect(layer.calls).toEqual([]);
    await moduleRef.close();
  });

  it('resolves the last value emitted, transformed by map(); undefined when nothing is emitted', async () => {
    const { moduleRef, store } = await storeWith([
      {
        intercept: (context, next) =>
          context.getArgByIndex<string>(0) === 'none' ? EMPTY : next.handle().pipe(map((v) => `${v}!`)),
      },
    ]);
    expect(await store.get('a')).toBe('A!');
    expect(await store.get('none')).toBeUndefined();
    await moduleRef.close();
  });

  it('accepts an intercept() that returns a Promise of an Observable, and rejects on an error', async () => {
    const { moduleRef, store } = await storeWith([
      {
        intercept: async (context, next) => {
          if (context.getArgByIndex(0) === 'forbidden') throw new Error('forbidden key');
          return next.handle();
        },
      },
    ]);
    expect(await store.get('a')).toBe('A');
    await expect(store.get('forbidden')).rejects.toThrow('forbidden key');
    await moduleRef.close();
  });

  it('keeps the caller’s async context inside the store, even across a retry delay', async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    let reads = 0;
    const layer: Store<string, string> = {
      get: async () => {
        seen.push(als.getStore());
        if (++reads === 1) throw new Error('first read fails');
        return 'V';
      },
      set: async () => {},
      delete: async () => {},
    };
    const { moduleRef, store } = await storeWith(
      [{ intercept: (_context, next) => next.handle().pipe(retry({ count: 1, delay: 5 })) }],
      [{ store: layer, primary: true }],
    );
    expect(await als.run('request-1', () => store.get('a'))).toBe('V');
    expect(seen).toEqual(['request-1', 'request-1']);
    await moduleRef.close();
  });
  it('runs the store in the caller’s async context when the interceptor subscribes from another one', async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    const layer: Store<string, string> = {
      get: async () => (seen.push(als.getStore()), 'V'),
      set: async () => {},
      delete: async () => {},
    };
    const { moduleRef, store } = await storeWith(
      [
        {
          // As a batching or queueing interceptor would: the subscription starts in a foreign context.
          intercept: (_context, next) =>
            new Observable((subscriber) => als.run('elsewhere', () => next.handle().subscribe(subscriber))),
        },
      ],
      [{ store: layer, primary: true }],
    );
    expect(await als.run('request-1', () => store.get('a'))).toBe('V');
    expect(seen).toEqual(['request-1']);
    await moduleRef.close();
  });
});

describe('interceptorMiddleware', () => {
  it('adapts an interceptor for a store built without Nest', async () => {
    const calls: string[] = [];
    const store = new DelegatedStore<string, string>([{ store: new TestStore<string>({ a: 'A' }) }]);
    store.use(
      interceptorMiddleware({
        intercept: (context, next) => next.handle().pipe(tap(() => calls.push(context.getType()))),
      }),
    );
    expect(await store.get('a')).toBe('A');
    expect(calls).toEqual(['delegated-store']);
  });

  it('runs the rest of the chain only when subscribed (a cold handle)', async () => {
    const layer = new TestStore<string>({ a: 'A' });
    const store = new DelegatedStore<string, string>([{ store: layer }]);
    let handled: Observable<unknown> | undefined;
    store.use(
      interceptorMiddleware({
        intercept: (_context, next) => {
          handled = next.handle();
          return of('skipped');
        },
      }),
    );
    expect(await store.get('a')).toBe('skipped');
    expect(handled).toBeDefined();
    expect(layer.calls).toEqual([]);
  });

  it('refuses what is not an interceptor instance', () => {
    expect(() => interceptorMiddleware(LoggingInterceptor as never)).toThrow(/NestInterceptor instance/);
    expect(() => interceptorMiddleware({} as never)).toThrow(/NestInterceptor instance/);
  });

  it('rejects when intercept() returns something other than an Observable', async () => {
    const store = new DelegatedStore<string, string>([{ store: new TestStore<string>() }]);
    store.use(interceptorMiddleware({ intercept: () => 'oops' as never }));
    await expect(store.get('a')).rejects.toThrow(/must return an Observable/);
  });
});
