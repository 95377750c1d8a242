/**
 * Type tests of nestjs-delegated-store/testing: the key and value types of the store under test flow
 * into the factories; a store whose keys are not strings needs a key factory, and one that does not take
 * any JSON value needs a value factory; every runner's functions fit. The `@ts-expect-error` lines must
 * not compile.
 */
import * as jestGlobals from '@jest/globals';
import * as nodeTest from 'node:test';
import * as vitest from 'vitest';
import { MemoryStore, type Store } from '../../lib/index.js';
import {
  describeStoreConformance,
  type ConformanceRunner,
  type StoreCapability,
} from '../../lib/testing/index.js';

interface User {
  id: string;
  name: string;
}
declare const users: Store<string, User>;
declare const products: Store<number, { sku: number }>;
declare const runner: ConformanceRunner;

// Any string key and JSON value: no factory needed.
describeStoreConformance('memory', () => new MemoryStore<string, unknown>(), {}, runner);
describeStoreConformance(
  'memory',
  async () => ({ store: new MemoryStore<string, unknown>(), cleanup: () => {} }),
  { isolated: true },
  runner,
);

// A users table: the factories are typed from the store (key: string, value: User).
describeStoreConformance(
  'users',
  () => users,
  {
    key: (n) => `user:${1000 + n}`,
    value: (key, variant) => ({ id: key.slice(5), name: `User ${variant}` }),
    equals: (actual, expected) => actual.id === expected.id && actual.name === expected.name,
    skip: ['ttl'],
  },
  runner,
);
// @ts-expect-error: a Store<string, User> needs a value factory (the default values are not Users)
describeStoreConformance('users', () => users, {}, runner);
describeStoreConformance(
  'users',
  () => users,
  {
    key: (n) => `user:${n}`,
    // @ts-expect-error: the value factory must make a User
    value: (key) => ({ id: key }),
  },
  runner,
);

// Keys that are not strings need a key factory, typed from the store.
describeStoreConformance('products', () => products, { key: (n) => n, value: (sku) => ({ sku }) }, runner);
// @ts-expect-error: number keys need options.key
describeStoreConformance('products', () => products, { value: (sku) => ({ sku }) }, runner);
describeStoreConformance(
  'products',
  () => products,
  // @ts-expect-error: the key factory must make a number
  { key: (n) => `p${n}`, value: () => ({ sku: 1 }) },
  runner,
);

// Capabilities are names from a fixed list.
const capability: StoreCapability = 'getSet';
void capability;
// @ts-expect-error: not a capability
describeStoreConformance('memory', () => new MemoryStore<string, unknown>(), { require: ['getset'] }, runner);

// The runners' own functions fit as they are.
describeStoreConformance(
  'memory',
  () => new MemoryStore<string, unknown>(),
  {},
  {
    describe: jestGlobals.describe,
    it: jestGlobals.it,
    beforeAll: jestGlobals.beforeAll,
    afterAll: jestGlobals.afterAll,
    beforeEach: jestGlobals.beforeEach,
    afterEach: jestGlobals.afterEach,
  },
);
describeStoreConformance(
  'memory',
  () => new MemoryStore<string, unknown>(),
  {},
  {
    describe: vitest.describe,
    it: vitest.it,
    beforeAll: vitest.beforeAll,
    afterAll: vitest.afterAll,
    beforeEach: vitest.beforeEach,
    afterEach: vitest.afterEach,
  },
);
describeStoreConformance(
  'memory',
  () => new MemoryStore<string, unknown>(),
  {},
  {
    describe: nodeTest.describe,
    it: nodeTest.it,
    before: nodeTest.before,
    after: nodeTest.after,
    beforeEach: nodeTest.beforeEach,
    afterEach: nodeTest.afterEach,
  },
);
describeStoreConformance(
  'memory',
  () => new MemoryStore<string, unknown>(),
  {},
  // @ts-expect-error: a runner needs it()
  { describe: jestGlobals.describe, afterEach: jestGlobals.afterEach },
);
