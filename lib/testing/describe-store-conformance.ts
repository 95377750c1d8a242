import { CONFORMANCE_GROUPS } from './checks/index.js';
import { resolveOptions, type StoreConformanceOptions } from './conformance-options.js';
import { resolveRunner, type ConformanceRunner } from './conformance-runner.js';
import { ConformanceSuite } from './conformance-suite.js';
import type { StoreUnderTest } from './store-under-test.js';

/**
 * Declares the conformance suite of a `Store` in your test runner: one `describe` with a test per rule of
 * the contract (get/set/delete, misses and `null`, ttl, the batch forms, getWithExpiry, has, getSet,
 * clear, keys, concurrent writes), the same suite the stores of this package pass.
 *
 * `make` runs once, before the first test (so it may connect, create a table...); what it gives is
 * released after the last one (`cleanup`, or the store's `close()`). Every test writes under keys of its
 * own and deletes them after it, so the suite may run against a shared server. The checks of an optional
 * method the store lacks are skipped (marked skipped under node:test and vitest; passing under jest), or
 * fail when `options.require` lists it. A failure says what the store did wrong, in the contract's
 * words: `get after set returned undefined; a Store must return the value it was given`.
 *
 * Throws a `TypeError` at once for invalid options or a runner that lacks a function.
 *
 * @param name - Names the suite: `${name}: Store conformance`.
 * @param make - Makes the store under test, or `{ store, cleanup }`.
 * @param options - What the store holds and may do; `{}` for a store of any string key and JSON value.
 * @param runner - Your test runner's functions: `{ describe, it, beforeAll, afterAll, beforeEach,
 *   afterEach }` (node:test: `before` and `after` for the suite hooks).
 *
 * @example
 * ```ts
 * import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from '@jest/globals';
 * import { MemoryStore } from 'nestjs-delegated-store';
 * import { describeStoreConformance } from 'nestjs-delegated-store/testing';
 *
 * describeStoreConformance('MemoryStore', () => new MemoryStore<string, unknown>(), { isolated: true }, {
 *   describe, it, beforeAll, afterAll, beforeEach, afterEach,
 * });
 * ```
 */
export function describeStoreConformance<K, V>(
  name: string,
  make: () => StoreUnderTest<K, V> | Promise<StoreUnderTest<K, V>>,
  options: NoInfer<StoreConformanceOptions<K, V>>,
  runner: ConformanceRunner,
): void {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError('describeStoreConformance: name must be a non-empty string (it names the suite)');
  }
  if (typeof make !== 'function') {
    throw new TypeError('describeStoreConformance: make must be a function that gives the store under test');
  }
  const settings = resolveOptions<K, V>(options);
  const run = resolveRunner(runner);
  run.describe(`${name}: Store conformance`, () => {
    const suite = new ConformanceSuite<K, V>(name, make, settings);
    run.beforeAll(() => suite.open());
    run.afterAll(() => suite.close());
    run.afterEach(() => suite.cleanUp());
    for (const group of CONFORMANCE_GROUPS) {
      run.describe(group.title, () => {
        for (const check of group.checks) {
          run.it(check.name, (...context: unknown[]) => suite.run(check, context[0]));
        }
      });
    }
  });
}
