import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import {
  Injectable,
  Module,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { tap } from 'rxjs';
import {
  ConfigurationError,
  DelegatedCached,
  DelegatedStore,
  DelegatedStoreModule,
  type DelegatedStoreFactoryOptions,
  type DelegatedStoreOptionsFactory,
  type StoreErrorSource,
} from '../../lib/index.js';
import { flush, TestStore } from '../support/test-store.js';

/** A service that is not global: reachable only through a module that exports it. */
@Injectable()
class OperationCounter {
  readonly operations: string[] = [];
}

@Module({ providers: [OperationCounter], exports: [OperationCounter] })
class CounterModule {}

@Injectable()
class CountingInterceptor implements NestInterceptor {
  constructor(private readonly counter: OperationCounter) {}

  intercept(context: ExecutionContext, next: CallHandler) {
    const [key] = context.getArgs<[string]>();
    return next.handle().pipe(tap(() => this.counter.operations.push(`op ${key}`)));
  }
}

describe('forRoot options', () => {
  it('imports: an interceptor class can inject a provider of an imported (non-global) module', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CounterModule,
        DelegatedStoreModule.forRoot<string, string>({
          layers: [{ store: new TestStore<string>({ a: 'A' }) }],
          imports: [CounterModule],
          interceptors: [CountingInterceptor],
        }),
      ],
    }).compile();
    const store = moduleRef.get(DelegatedStore);
    expect(await store.get('a')).toBe('A');
    expect(moduleRef.get(OperationCounter).operations).toEqual(['op a']);
    await moduleRef.close();
  });

  it('errorHandler gets what the store contained, besides the log', async () => {
    const contained: Array<[unknown, StoreErrorSource]> = [];
    const failing = new TestStore<string>();
    failing.failures.get = new Error('cache down');
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot<string, string>({
          layers: [
            { store: failing, name: 'cache' },
            { store: new TestStore<string>({ a: 'A' }), primary: true },
          ],
          errorHandler: (error, source) => void contained.push([error, source]),
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    const store = moduleRef.get(DelegatedStore);
    expect(await store.get('a')).toBe('A');
    expect(contained).toEqual([
      [failing.failures.get, { kind: 'layer', layerName: 'cache', operation: 'get' }],
    ]);
    await moduleRef.close();
  });

  it('maxPendingBackFills bounds the backfills in flight', async () => {
    const cache = new TestStore<string>();
    const held = cache.holdNext('set');
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot<string, string>({
          layers: [{ store: cache }, { store: new TestStore<string>({ a: 'A', b: 'B' }), primary: true }],
          maxPendingBackFills: 1,
        }),
      ],
    }).compile();
    const store = moduleRef.get(DelegatedStore);
    await store.get('a'); // its backfill is held
    await flush();
    await store.get('b'); // past the bound: dropped
    expect(store.droppedBackFills).toBe(1);
    held.open();
    await moduleRef.close();
  });

  it('onChange and onDelete callbacks are given to the store', async () => {
    const events: string[] = [];
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot<string, string>({
          layers: [{ store: new TestStore<string>({ a: 'old' }), primary: true }],
          onChange: [
            (_ctx, key, oldValue, newValue) => void events.push(`${key}: ${oldValue} -> ${newValue}`),
          ],
          onDelete: [(_ctx, key, oldValue) => void events.push(`${key}: ${oldValue} deleted`)],
        }),
      ],
    }).compile();
    const store = moduleRef.get(DelegatedStore);
    await store.set('a', 'new');
    await store.delete('a');
    expect(events).toEqual(['a: old -> new', 'a: new deleted']);
    await moduleRef.close();
  });

  it('a string ttl (read from the environment) is refused with a message naming its type', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot<string, string>({
          layers: [{ store: new TestStore<string>(), ttl: '60000' as unknown as number }],
        }),
      ],
    }).compile();
    await expect(compiling).rejects.toThrow('got "60000" (string)');
  });
});

@Injectable()
class StoreOptions implements DelegatedStoreOptionsFactory<string, string> {
  constructor(private readonly counter: OperationCounter) {}

  createDelegatedStoreOptions(): DelegatedStoreFactoryOptions<string, string> {
    this.counter.operations.push('options built');
    return { layers: [{ store: new TestStore<string>({ a: 'A' }) }] };
  }
}

@Module({ imports: [CounterModule], providers: [StoreOptions], exports: [StoreOptions] })
class StoreOptionsModule {}

describe('forRootAsync options', () => {
  it('useClass builds the options with a class of the store module, which injects imported providers', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRootAsync<string, string>({
          imports: [CounterModule],
          useClass: StoreOptions,
        }),
      ],
    }).compile();
    expect(await moduleRef.get(DelegatedStore).get('a')).toBe('A');
    await moduleRef.close();
  });

  it('useExisting uses a provider of an imported module', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        StoreOptionsModule,
        DelegatedStoreModule.forRootAsync<string, string>({
          imports: [StoreOptionsModule],
          useExisting: StoreOptions,
        }),
      ],
    }).compile();
    expect(await moduleRef.get(DelegatedStore).get('a')).toBe('A');
    await moduleRef.close();
  });

  it('needs exactly one of useFactory, useClass and useExisting', () => {
    expect(() => DelegatedStoreModule.forRootAsync({})).toThrow(ConfigurationError);
    expect(() =>
      DelegatedStoreModule.forRootAsync({
        useClass: StoreOptions,
        useFactory: () => ({ layers: [] }),
      }),
    ).toThrow('exactly one of useFactory, useClass and useExisting, got 2');
  });
});

describe('default keys of cached methods', () => {
  /** A class named ReportsService; each call declares another one. */
  function declareReportsService() {
    @Injectable()
    class ReportsService {
      @DelegatedCached()
      async find(id: string): Promise<string> {
        return id;
      }
    }
    return ReportsService;
  }

  it('two classes of the same name that use default keys in one store fail at bootstrap', async () => {
    const [first, second] = [declareReportsService(), declareReportsService()];
    const compiling = Test.createTestingModule({
      imports: [DelegatedStoreModule.forRoot({ layers: [{ store: new TestStore() }] })],
      providers: [
        { provide: 'first', useClass: first },
        { provide: 'second', useClass: second },
      ],
    }).compile();
    await expect(compiling).rejects.toThrow(/ReportsService\.find.*collide.*namespace/s);
  });

  it('a namespace keeps them apart', async () => {
    @Injectable()
    class Reports {
      @DelegatedCached({ namespace: 'reports-v2' })
      async find(id: string): Promise<string> {
        return id;
      }
    }
    const cache = new TestStore();
    const moduleRef = await Test.createTestingModule({
      imports: [DelegatedStoreModule.forRoot({ layers: [{ store: cache }] })],
      providers: [Reports],
    }).compile();
    await moduleRef.get(Reports).find('x');
    await flush();
    expect([...cache.data.keys()]).toEqual(['reports-v2.find:["x"]']);
    await moduleRef.close();
  });

  it('an anonymous class has no stable name: a default key is refused where the class is defined', () => {
    expect(() => {
      const decorate = DelegatedCached();
      const anonymous = (() =>
        class {
          async find(): Promise<number> {
            return 1;
          }
        })();
      decorate(anonymous.prototype, 'find', Object.getOwnPropertyDescriptor(anonymous.prototype, 'find')!);
    }).toThrow(/no name.*namespace/);
  });
});

describe('shutdown order', () => {
  /** A database connection that refuses queries once closed, and records when it closed. */
  @Injectable()
  class Database implements OnApplicationShutdown {
    closed = false;
    readonly events: string[];

    constructor() {
      this.events = Database.events;
    }

    static events: string[] = [];

    async write(key: string): Promise<void> {
      await flush();
      if (this.closed) throw new Error(`write of ${key} after the database closed`);
      this.events.push(`wrote ${key}`);
    }

    async onApplicationShutdown(): Promise<void> {
      this.closed = true;
      this.events.push('database closed');
    }
  }

  @Module({ providers: [Database], exports: [Database] })
  class DatabaseModule {}

  it('a store module that imports the database module closes first: a write in flight lands', async () => {
    Database.events = [];
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRootAsync<string, string>({
          imports: [DatabaseModule],
          inject: [Database],
          useFactory: (database: Database) => ({
            layers: [
              {
                primary: true,
                store: {
                  get: async () => undefined,
                  set: (key: string) => database.write(key),
                  delete: (key: string) => database.write(key),
                },
              },
            ],
          }),
        }),
      ],
    }).compile();
    await moduleRef.init();
    const store = moduleRef.get(DelegatedStore);
    const writing = store.set('k', 'v');
    await moduleRef.close();
    await writing;
    expect(Database.events).toEqual(['wrote k', 'database closed']);
  });

  // docs/nest-module.md ("Shutdown") tells users not to make such a store global, because of this.
  it('a global store module closes after the database module it imports (Nest closes global modules last)', async () => {
    Database.events = [];
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRootAsync<string, string>({
          isGlobal: true,
          imports: [DatabaseModule],
          inject: [Database],
          useFactory: () => ({
            layers: [
              {
                primary: true,
                store: {
                  get: async () => undefined,
                  set: async () => {},
                  delete: async () => {},
                  close: async () => void Database.events.push('store closed'),
                },
              },
            ],
          }),
        }),
      ],
    }).compile();
    await moduleRef.init();
    await moduleRef.close();
    expect(Database.events).toEqual(['database closed', 'store closed']);
  });
});
