import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError } from '../core/errors.js';
import type { Store, ValueWithExpiry } from '../core/store.js';
import { fail, reasonOf, show } from './assertions.js';
import type { ConformanceSettings } from './conformance-options.js';
import type { KeySource } from './key-source.js';

/** How much later than `ttl + expiryTolerance` the suite reads an entry it expects gone: timer slack. */
const TIMER_SLACK_MS = 25;

/**
 * What a check works with: the store, fresh keys, values, and the store's methods wrapped so that a
 * rejection fails the check with a message naming the call (and a `NotFoundError` from a read is a miss,
 * as the contract allows). Every key it hands out is deleted after the test.
 */
export class StoreProbe<K, V> {
  readonly store: Store<K, V>;
  readonly settings: ConformanceSettings<K, V>;
  readonly #keys: KeySource<K>;
  readonly #written: K[];

  constructor(store: Store<K, V>, settings: ConformanceSettings<K, V>, keys: KeySource<K>, written: K[]) {
    this.store = store;
    this.settings = settings;
    this.#keys = keys;
    this.#written = written;
  }

  /** A key no test of this run used before; deleted after the test. */
  key(): K {
    const key = this.#keys.next();
    this.#written.push(key);
    return key;
  }

  /** `count` fresh keys. */
  keys(count: number): K[] {
    return Array.from({ length: count }, () => this.key());
  }

  /** A value the store accepts under the key; different variants differ. */
  value(key: K, variant: number): V {
    return this.settings.value(key, variant);
  }

  /** Whether a value read back is the one written (options.equals). */
  same(actual: V | undefined, expected: V | undefined): boolean {
    if (actual === undefined || expected === undefined) return actual === expected;
    return this.settings.equals(actual, expected);
  }

  /** Fails with the message unless `actual` is `expected`; the message is built only on failure. */
  expectSame(actual: V | undefined, expected: V | undefined, message: () => string): void {
    if (!this.same(actual, expected)) fail(message(), { actual, expected });
  }

  // The store's methods, wrapped.

  get(key: K): Promise<V | undefined> {
    return this.#call(
      `get(${show(key)})`,
      () => this.store.get(key),
      () => undefined,
    );
  }

  set(key: K, value: V, ttl?: number): Promise<void> {
    const args = ttl === undefined ? '' : `, ${ttl}`;
    return this.#call(`set(${show(key)}, ${show(value)}${args})`, () => this.store.set(key, value, ttl));
  }

  delete(key: K): Promise<void> {
    return this.#call(`delete(${show(key)})`, () => this.store.delete(key));
  }

  getMany(keys: readonly K[]): Promise<Array<V | undefined>> {
    return this.#call(
      `getMany(${show(keys)})`,
      () => this.#method('getMany')(keys),
      () => keys.map(() => undefined),
    );
  }

  setMany(entries: ReadonlyArray<{ key: K; value: V; ttl?: number }>): Promise<void> {
    return this.#call(`setMany(${show(entries)})`, () => this.#method('setMany')(entries));
  }

  deleteMany(keys: readonly K[]): Promise<void> {
    return this.#call(`deleteMany(${show(keys)})`, () => this.#method('deleteMany')(keys));
  }

  getWithExpiry(key: K): Promise<ValueWithExpiry<V> | undefined> {
    return this.#call(
      `getWithExpiry(${show(key)})`,
      () => this.#method('getWithExpiry')(key),
      () => undefined,
    );
  }

  getManyWithExpiry(keys: readonly K[]): Promise<Array<ValueWithExpiry<V> | undefined>> {
    return this.#call(
      `getManyWithExpiry(${show(keys)})`,
      () => this.#method('getManyWithExpiry')(keys),
      () => keys.map(() => undefined),
    );
  }

  async has(key: K): Promise<boolean> {
    const answer: unknown = await this.#call(`has(${show(key)})`, () => this.#method('has')(key));
    if (typeof answer !== 'boolean') {
      fail(`has(${show(key)}) resolved ${show(answer)}; has must resolve true or false`);
    }
    return answer;
  }

  getSet(key: K, value: V, ttl?: number): Promise<V | undefined> {
    const args = ttl === undefined ? '' : `, ${ttl}`;
    return this.#call(`getSet(${show(key)}, ${show(value)}${args})`, () =>
      this.#method('getSet')(key, value, ttl),
    );
  }

  clear(): Promise<void> {
    return this.#call('clear()', () => this.#method('clear')());
  }

  /**
   * Every key `keys()` yields, in order, duplicates kept. With a `limit`, an iteration that goes past it
   * fails (a cursor that never ends) instead of running until the test times out.
   */
  async listKeys(limit?: number): Promise<K[]> {
    let iterable: unknown;
    try {
      iterable = this.#method('keys')();
    } catch (error) {
      fail(`keys() threw ${reasonOf(error)}`);
    }
    const iterator = (iterable as { [Symbol.asyncIterator]?: unknown } | null | undefined)?.[
      Symbol.asyncIterator
    ];
    if (typeof iterator !== 'function') {
      fail(`keys() returned ${show(iterable)}; it must return an AsyncIterable (an async generator, say)`);
    }
    const found: K[] = [];
    try {
      for await (const key of iterable as AsyncIterable<K>) {
        found.push(key);
        if (limit !== undefined && found.length > limit) {
          fail(
            `keys() yielded more than ${limit} keys from a store that holds fewer; its iteration must end`,
          );
        }
      }
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      fail(`iterating keys() rejected with ${reasonOf(error)} after ${found.length} keys`);
    }
    return found;
  }

  // Time.

  /** Whether a read that started at `since` and ends now still fell well inside a `ttl` from `since`. */
  early(since: number, ttl: number): boolean {
    return Date.now() - since < ttl / 2;
  }

  /** Waits until an entry written at `since` with `ttl` must be gone; resolves the ms since `since`. */
  async waitPastTtl(since: number, ttl: number): Promise<number> {
    const due = since + ttl + this.settings.expiryTolerance + TIMER_SLACK_MS;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    return Date.now() - since;
  }

  /** The failure message of an entry still read after its ttl. */
  stillReadable(ttl: number, elapsed: number, what: string): string {
    return (
      `ttl ${ttl} ms: still readable after ${elapsed} ms (${what}); an entry must expire once its ttl ` +
      `has passed (options.expiryTolerance allows ${this.settings.expiryTolerance} ms)`
    );
  }

  /** The method, bound; the gate of the check made sure the store has it. */
  #method<
    M extends
      | 'getMany'
      | 'setMany'
      | 'deleteMany'
      | 'getWithExpiry'
      | 'getManyWithExpiry'
      | 'has'
      | 'getSet'
      | 'clear'
      | 'keys',
  >(name: M): NonNullable<Store<K, V>[M]> {
    const method = this.store[name];
    if (typeof method !== 'function') fail(`the store has no ${name}()`);
    return (method as Function).bind(this.store) as NonNullable<Store<K, V>[M]>;
  }

  async #call<T>(description: string, run: () => Promise<T>, miss?: () => T): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      if (miss && error instanceof NotFoundError) return miss();
      const hint =
        /^(set|setMany|getSet)\(/.test(description) && !(this.settings.ownKeys && this.settings.ownValues)
          ? '. If the store holds only some keys or values, give options.key and options.value'
          : '';
      const failure = new assert.AssertionError({
        message: `${description} rejected with ${reasonOf(error)}${hint}`,
        actual: error,
        operator: 'fail',
      });
      throw Object.assign(failure, { cause: error });
    }
  }
}
