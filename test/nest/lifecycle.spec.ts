import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DelegatedStore,
  DelegatedStoreModule,
  StoreClosedError,
  getDelegatedStoreToken,
  type Store,
} from '../../lib/index.js';
import { TestStore, gate } from '../support/test-store.js';

/** A LoggerService that keeps what it was given. */
class RecordingLogger implements LoggerService {
  readonly errors: Array<{ message: string; context: string | undefined }> = [];
  log() {}
  warn() {}
  debug() {}
  verbose() {}
  error(message: string, ...rest: unknown[]) {
    const context = rest.length > 0 ? (rest[rest.length - 1] as string | undefined) : undefined;
    this.errors.push({ message, context });
  }
}

describe('store lifecycle in a Nest application', () => {
  it('app.close() waits for a slow pending backfill, then closes the layers', async () => {
    const l0 = new TestStore<string>();
    const l1 = new TestStore<string>({ a: 'A' });
    const slowWrite = gate();
    l0.gates.set = slowWrite.promise;
    const moduleRef = await Test.createTestingModule({
      imports: [DelegatedStoreModule.forRoot({ layers: [{ store: l0 }, { store: l1, primary: true }] })],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    const store = app.get<DelegatedStore<string, string>>(DelegatedStore);

    expect(await store.get('a')).toBe('A');
    expect(l0.data.has('a')).toBe(false);
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    slowWrite.open();
    await closing;

    expect(l0.data.get('a')).toBe('A');
    expect(l0.closed).toBe(true);
    expect(l1.closed).toBe(true);
    await expect(store.get('a')).rejects.toBeInstanceOf(StoreClosedError);
  });

  it('logs a backfill callback that throws, under the store name, and goes on', async () => {
    const logger = new RecordingLogger();
    const l0 = new TestStore<string>();
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot({
          name: 'users',
          layers: [{ store: l0 }, { store: new TestStore<string>({ a: 'secret value' }), primary: true }],
          backFillCallbacks: [
            () => {
              throw new Error('callback broke');
            },
          ],
        }),
      ],
    })
      .setLogger(logger)
      .compile();
    const store = moduleRef.get<DelegatedStore<string, string>>(getDelegatedStoreToken('users'));

    expect(await store.get('a')).toBe('secret value');
    await store.drain();
    expect(l0.data.get('a')).toBe('secret value');
    expect(logger.errors).toEqual([{ message: expect.stringContaining('callback broke'), context: 'users' }]);
    expect(logger.errors[0].message).not.toContain('secret value');
    await moduleRef.close();
  });

  it('logs a backFill$ subscriber that throws, at ERROR under the store name; it keeps its events', async () => {
    const logger = new RecordingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot({
          name: 'users',
          layers: [
            { store: new TestStore<string>() },
            { store: new TestStore<string>({ a: 'secret A', b: 'secret B' }), primary: true },
          ],
        }),
      ],
    })
      .setLogger(logger)
      .compile();
    const store = moduleRef.get<DelegatedStore<string, string>>(getDelegatedStoreToken('users'));
    const seen: string[] = [];
    store.backFill$.subscribe((event) => {
      seen.push(event.key);
      throw new Error(`subscriber broke on ${event.key}`);
    });

    expect(await store.get('a')).toBe('secret A');
    await store.drain();
    expect(await store.get('b')).toBe('secret B');
    await store.drain();

    expect(seen).toEqual(['a', 'b']);
    expect(logger.errors).toEqual([
      { message: 'a backFill$ subscriber threw; the store went on: subscriber broke on a', context: 'users' },
      { message: 'a backFill$ subscriber threw; the store went on: subscriber broke on b', context: 'users' },
    ]);
    await moduleRef.close();
  });

  it('logs a failing cache layer under "DelegatedStore" for the default store and still answers', async () => {
    const logger = new RecordingLogger();
    const broken: Store<string, string> = {
      get: async () => {
        throw new Error('cache down');
      },
      set: async () => {},
      delete: async () => {},
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot({
          layers: [
            { store: broken, name: 'redis' },
            { store: new TestStore<string>({ a: 'A' }), primary: true },
          ],
        }),
      ],
    })
      .setLogger(logger)
      .compile();
    const store = moduleRef.get<DelegatedStore<string, string>>(DelegatedStore);

    expect(await store.get('a')).toBe('A');
    expect(logger.errors).toEqual([
      {
        message: expect.stringMatching(/layer "redis" failed during get.*cache down/),
        context: 'DelegatedStore',
      },
    ]);
    await moduleRef.close();
  });

  it('subscribers of backFill$ see every backfilled layer', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot({
          layers: [
            { store: new TestStore<string>(), name: 'memory' },
            { store: new TestStore<string>({ a: 'A' }), primary: true, name: 'db' },
          ],
        }),
      ],
    }).compile();
    const store = moduleRef.get<DelegatedStore<string, string>>(DelegatedStore);
    const events: unknown[] = [];
    store.backFill$.subscribe((event) => events.push(event));
    await store.get('a');
    await store.drain();
    expect(events).toEqual([
      { key: 'a', value: 'A', layerIndex: 0, layerName: 'memory', isPrimary: false, sourceLayerIndex: 1 },
    ]);
    await moduleRef.close();
  });
});

describe('two Nest applications in one process', () => {
  it('share neither stores nor registrations', async () => {
    const layersA = [new TestStore<string>({ k: 'A' })];
    const layersB = [new TestStore<string>({ k: 'B' })];
    const build = (layer: TestStore<string>) =>
      Test.createTestingModule({
        imports: [DelegatedStoreModule.forRoot({ name: 'users', layers: [{ store: layer }] })],
      }).compile();
    // The same name in two applications is not a duplicate: each application checks its own modules.
    const appA = await build(layersA[0]);
    const appB = await build(layersB[0]);
    const storeA = appA.get<DelegatedStore<string, string>>(getDelegatedStoreToken('users'));
    const storeB = appB.get<DelegatedStore<string, string>>(getDelegatedStoreToken('users'));
    expect(storeA).not.toBe(storeB);
    expect(await storeA.get('k')).toBe('A');
    expect(await storeB.get('k')).toBe('B');

    await appA.close();
    expect(storeA.closed).toBe(true);
    expect(storeB.closed).toBe(false);
    expect(await storeB.get('k')).toBe('B');
    await appB.close();
  });

  it('build their own stores from one shared module definition', async () => {
    const definition = DelegatedStoreModule.forRootAsync({
      name: 'users',
      useFactory: () => ({ layers: [{ store: new TestStore<string>() }] }),
    });
    const appA = await Test.createTestingModule({ imports: [definition] }).compile();
    const appB = await Test.createTestingModule({ imports: [definition] }).compile();
    const storeA = appA.get<DelegatedStore<string, string>>(getDelegatedStoreToken('users'));
    const storeB = appB.get<DelegatedStore<string, string>>(getDelegatedStoreToken('users'));
    await storeA.set('k', 'only in A');
    expect(await storeB.get('k')).toBeUndefined();
    await appA.close();
    await appB.close();
  });
});
