import { RedisStore } from '../../lib/redis/index.js';

/**
 * A RedisStore with `keys()` and `clear()` by SCAN of its own prefix, for the tests of code that lists or
 * clears cache layers (the Keyv adapter, the HTTP cache) while RedisStore itself gains them (issue 13).
 * When the store already has them, its own methods are used.
 */
export class ListableRedisStore<V> extends RedisStore<V> {
  readonly #prefix: string;

  constructor(url: string, prefix: string) {
    super({ url, prefix });
    this.#prefix = `${prefix}:`;
  }

  /** Every key under the prefix, without it. */
  async *keys(): AsyncGenerator<string> {
    const own = (RedisStore.prototype as { keys?: () => AsyncIterable<string> }).keys;
    if (own) {
      yield* own.call(this);
      return;
    }
    let cursor = '0';
    do {
      const [next, names] = await this.client.scan(cursor, 'MATCH', `${this.#prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const name of names) yield name.slice(this.#prefix.length);
    } while (cursor !== '0');
  }

  async clear(): Promise<void> {
    const own = (RedisStore.prototype as { clear?: () => Promise<void> }).clear;
    if (own) return own.call(this);
    const names: string[] = [];
    for await (const key of this.keys()) names.push(this.#prefix + key);
    for (let start = 0; start < names.length; start += 500) {
      await this.client.unlink(...names.slice(start, start + 500));
    }
  }
}
