import type { Redis } from 'ioredis';

/** Past this many keys, a RedisStore with a prefix clears its whole namespace on recovery instead. */
const MAX_UNSURE_KEYS = 100_000;
const DELETE_CHUNK = 1000;

/**
 * Keys whose last write failed or was refused while Redis was unreachable. Redis may still hold an old
 * value for them (the core's cleanup delete failed too), and that value would be served once Redis is
 * back: so they are deleted on reconnection, before the store sends anything else.
 */
export class UnsureKeys {
  readonly #keys = new Set<string>();
  #overflowed = false;

  constructor(
    /** `<prefix>:` or ''; without a prefix an overflow cannot be repaired, only bounded. */
    readonly namespace: string,
  ) {}

  get size(): number {
    return this.#keys.size;
  }

  add(key: string): void {
    if (this.#keys.size < MAX_UNSURE_KEYS) this.#keys.add(key);
    else this.#overflowed = true;
  }

  addAll(keys: readonly string[]): void {
    for (const key of keys) this.add(key);
  }

  /** Deletes the keys from Redis (or, after an overflow, the whole namespace); keeps them on failure. */
  async repair(client: Redis): Promise<void> {
    if (this.#overflowed && this.namespace !== '') {
      await clearNamespace(client, this.namespace);
      this.#overflowed = false;
      this.#keys.clear();
      return;
    }
    this.#overflowed = false;
    const keys = [...this.#keys];
    for (let i = 0; i < keys.length; i += DELETE_CHUNK) {
      const chunk = keys.slice(i, i + DELETE_CHUNK);
      await client.del(...chunk);
      // Writes go out during the repair (see ConnectionGate), on this same connection: one sent before
      // this DEL is deleted by it, one sent after lands after it. Once it succeeded, no key of the chunk
      // holds a value from before the outage. A write that failed meanwhile wrote nothing (a server
      // error), or failed with the connection, and then so did this DEL: its keys stay to repair.
      for (const key of chunk) this.#keys.delete(key);
    }
  }
}

async function clearNamespace(client: Redis, namespace: string): Promise<void> {
  const pattern = `${namespace.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', DELETE_CHUNK);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
