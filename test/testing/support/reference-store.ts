import type { Store, ValueWithExpiry } from '../../../lib/index.js';

interface Entry {
  value: unknown;
  /** Epoch ms; undefined: never expires. */
  expiresAt?: number;
}

/**
 * A correct store with every optional method, over a Map: the yardstick of the suite's own tests. Each
 * operation runs in one synchronous step, so getSet is atomic. Its protected steps (`read`, `write`,
 * `entries`) are where the broken variants (broken-stores.ts) put their one defect each.
 */
export class ReferenceStore implements Store<string, unknown> {
  protected readonly map = new Map<string, Entry>();

  /** The live entry of a key, or undefined (an expired one is dropped). */
  protected read(key: string): Entry | undefined {
    const entry = this.map.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return entry;
  }

  /** The entry as stored, expired or not. */
  protected raw(key: string): Entry | undefined {
    return this.map.get(key);
  }

  protected write(key: string, value: unknown, ttl?: number): void {
    this.map.set(key, { value, expiresAt: ttl === undefined ? undefined : Date.now() + ttl });
  }

  protected remove(key: string): void {
    this.map.delete(key);
  }

  protected withExpiry(entry: Entry | undefined): ValueWithExpiry<unknown> | undefined {
    if (entry === undefined) return undefined;
    return entry.expiresAt === undefined
      ? { value: entry.value }
      : { value: entry.value, expiresAt: entry.expiresAt };
  }

  async get(key: string): Promise<unknown> {
    return this.read(key)?.value;
  }

  async set(key: string, value: unknown, ttl?: number): Promise<void> {
    this.write(key, value, ttl);
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }

  async getMany(keys: readonly string[]): Promise<unknown[]> {
    return keys.map((key) => this.read(key)?.value);
  }

  async setMany(entries: ReadonlyArray<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
    for (const { key, value, ttl } of entries) this.write(key, value, ttl);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.remove(key);
  }

  async getWithExpiry(key: string): Promise<ValueWithExpiry<unknown> | undefined> {
    return this.withExpiry(this.read(key));
  }

  async getManyWithExpiry(keys: readonly string[]): Promise<Array<ValueWithExpiry<unknown> | undefined>> {
    return keys.map((key) => this.withExpiry(this.read(key)));
  }

  async has(key: string): Promise<boolean> {
    return this.read(key) !== undefined;
  }

  async getSet(key: string, value: unknown, ttl?: number): Promise<unknown> {
    const old = this.read(key)?.value;
    this.write(key, value, ttl);
    return old;
  }

  async clear(): Promise<void> {
    this.map.clear();
  }

  async *keys(): AsyncGenerator<string> {
    for (const key of [...this.map.keys()]) if (this.read(key) !== undefined) yield key;
  }

  /** How many entries the map holds, expired ones included (for the tests of the suite's cleanup). */
  get size(): number {
    return this.map.size;
  }
}
