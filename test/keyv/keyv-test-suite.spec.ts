import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import { Keyv, type KeyvOptions, type KeyvStoreAdapter } from 'keyv';
import { randomUUID } from 'node:crypto';
import { DelegatedStore, KeyvDelegatedStore, MemoryStore, type Layer } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis/index.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';
import { TestStore } from '../support/test-store.js';

type SuiteApi = Parameters<typeof keyvTestSuite>[0];

/**
 * The suite is written for vitest: `test.it(name, async (t) => { t.expect(...) })`. Jest reads a test
 * function with a parameter as one that takes a `done` callback, so each test is wrapped in one without,
 * and given jest's `expect` as its context.
 */
const jestApi = {
  it: (name: string, fn: (context: { expect: typeof expect }) => unknown) =>
    it(name, async () => fn({ expect })),
  beforeEach: (fn: () => unknown) => beforeEach(async () => fn()),
  afterEach: (fn: () => unknown) => afterEach(async () => fn()),
} as unknown as SuiteApi;

/** Keyv 5 wires `keyv.iterator()` only for adapters it knows by name: this one wires the adapter's. */
class IterableKeyv extends Keyv {
  constructor(options?: KeyvOptions) {
    super(options);
    const store = this.store as KeyvStoreAdapter;
    if (this.iterator === undefined && typeof store.iterator === 'function') {
      this.iterator = this.generateIterator(store.iterator.bind(store));
    }
  }
}

describeWithRedis('@keyv/test-suite against KeyvDelegatedStore', () => {
  const redisStores: Array<RedisStore<unknown>> = [];
  const stores: Array<DelegatedStore<string, unknown>> = [];

  /** MemoryStore → RedisStore on real Redis, under a prefix of the run's own; `extra` below them. */
  function layeredStore(extra: Array<Layer<string, unknown>> = []): DelegatedStore<string, unknown> {
    const redis = new RedisStore<unknown>({ url: REDIS_URL, prefix: `keyv-suite-${randomUUID()}` });
    redisStores.push(redis);
    const store = new DelegatedStore<string, unknown>([
      { name: 'memory', store: new MemoryStore() },
      { name: 'redis', store: redis },
      ...extra,
    ]);
    stores.push(store);
    return store;
  }

  afterAll(async () => {
    await Promise.all(redisStores.map((redis) => redis.clear()));
    await Promise.all(stores.map((store) => store.close()));
  });

  describe('over memory → redis (no primary: every layer is a cache)', () => {
    let store: DelegatedStore<string, unknown>;
    beforeAll(() => {
      store = layeredStore();
    });
    keyvTestSuite(jestApi, Keyv, () => new KeyvDelegatedStore(store));
    keyvIteratorTests(jestApi, IterableKeyv, () => new KeyvDelegatedStore(store));
  });

  describe('over memory → redis → a primary layer, which Keyv never reaches', () => {
    const primary = new TestStore<unknown>();
    let store: DelegatedStore<string, unknown>;
    beforeAll(() => {
      store = layeredStore([{ name: 'database', store: primary, primary: true }]);
    });
    afterAll(() => {
      // After every test of the suite: not one read, write, delete or clear reached the source of truth.
      expect(primary.calls).toEqual([]);
    });
    keyvTestSuite(jestApi, Keyv, () => new KeyvDelegatedStore(store));
  });

  describe('with a namespace of the adapter', () => {
    let store: DelegatedStore<string, unknown>;
    beforeAll(() => {
      store = layeredStore();
    });
    keyvTestSuite(jestApi, Keyv, () => new KeyvDelegatedStore(store, { namespace: 'http' }));
  });
});
