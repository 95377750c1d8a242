import type { Redis, RedisOptions } from 'ioredis';
import { ConfigurationError } from '../core/errors.js';
import type { Store, ValueWithExpiry } from '../core/store.js';
import { connect, quit } from './connection.js';
import { ConnectionGate } from './connection-gate.js';
import { decodeEntry, decodeValue, encodeValue } from './json-codec.js';
import { redactCommand, redactUrl, throwRedacted } from './redis-errors.js';
import { ReadBatcher } from './read-batcher.js';
import { UnsureKeys } from './unsure-keys.js';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` (TLS). Omitted (and no client): ioredis's default, localhost:6379. */
  url?: string;
  /** An existing connection to use instead of `url`. The store does not close it, and keeps its options. */
  client?: Redis;
  /**
   * A namespace, e.g. the store's name: keys are stored as `<prefix>:<key>`. It cannot contain `:`, so two
   * stores with different prefixes on one Redis can never read each other's keys.
   */
  prefix?: string;
  /** ioredis options for the connection the store opens; they replace the store's fail-fast defaults. */
  redisOptions?: RedisOptions;
}

/**
 * A layer on Redis through ioredis. Values are stored as JSON; `get` is one GET, `getMany` one MGET,
 * `getWithExpiry` one GET too (the expiry travels with the value). While Redis is unreachable every
 * command rejects at once with RedisUnavailableError, and the connection recovers by itself; keys whose
 * writes failed meanwhile are deleted on recovery, so that no old value outlives the outage.
 */
export class RedisStore<V> implements Store<string, V> {
  readonly #client: Redis;
  readonly #owned: boolean;
  readonly #gate: ConnectionGate;
  /** `<prefix>:`, or '' without a prefix. */
  readonly #namespace: string;
  readonly #unsure: UnsureKeys;
  /** Single reads issued together go to Redis as one MGET. */
  readonly #reads: ReadBatcher;
  #closing: Promise<void> | undefined;

  constructor(options: RedisStoreOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError('RedisStore options must be an object { url?, client?, prefix? }');
    }
    const { url, client, prefix, redisOptions } = options;
    if (client !== undefined && (url !== undefined || redisOptions !== undefined)) {
      throw new ConfigurationError('RedisStore: give either a client, or a url and redisOptions, not both');
    }
    if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) {
      throw new ConfigurationError(
        `RedisStore: url must start with redis:// or rediss://, got ${redactUrl(url)}`,
      );
    }
    if (prefix !== undefined && (typeof prefix !== 'string' || prefix === '' || prefix.includes(':'))) {
      throw new ConfigurationError(
        `RedisStore: prefix must be a non-empty string without ':', got ${JSON.stringify(prefix)}`,
      );
    }
    this.#namespace = prefix === undefined ? '' : `${prefix}:`;
    this.#owned = client === undefined;
    this.#client = client ?? connect(url, redisOptions);
    this.#unsure = new UnsureKeys(this.#namespace);
    this.#reads = new ReadBatcher(this.#client);
    this.#gate = new ConnectionGate(this.#client, this.#owned, () => this.#unsure.repair(this.#client));
  }

  /** The underlying connection, e.g. for health checks. */
  get client(): Redis {
    return this.#client;
  }

  get(key: string): Promise<V | undefined> {
    if (typeof key !== 'string') return Promise.reject(keyError('get', key));
    if (!this.#gate.open) return Promise.reject(this.#gate.refusal());
    return this.#reads.read(this.#namespace + key).then(decodeValue<V>);
  }

  getWithExpiry(key: string): Promise<ValueWithExpiry<V> | undefined> {
    if (typeof key !== 'string') return Promise.reject(keyError('getWithExpiry', key));
    if (!this.#gate.open) return Promise.reject(this.#gate.refusal());
    return this.#reads.read(this.#namespace + key).then(decodeEntry<V>);
  }

  set(key: string, value: V, ttl?: number): Promise<void> {
    try {
      const args = this.#setArgs('set', key, value, ttl);
      if (!this.#gate.writable) return this.#refuseWrite([args[0]]);
      const written =
        args.length === 2
          ? this.#client.set(args[0], args[1])
          : this.#client.set(args[0], args[1], args[2], args[3]);
      return this.#tracked(written, [args[0]]);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  delete(key: string): Promise<void> {
    if (typeof key !== 'string') return Promise.reject(keyError('delete', key));
    const name = this.#namespace + key;
    if (!this.#gate.writable) return this.#refuseWrite([name]);
    return this.#tracked(this.#client.del(name), [name]);
  }

  async getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    const raw = await this.#mget('getMany', keys);
    return raw.map(decodeValue<V>);
  }

  async getManyWithExpiry(keys: readonly string[]): Promise<Array<ValueWithExpiry<V> | undefined>> {
    const raw = await this.#mget('getManyWithExpiry', keys);
    return raw.map(decodeEntry<V>);
  }

  /** One MULTI: every entry is written, or (on a Redis error) none. Values are all checked before sending. */
  async setMany(entries: ReadonlyArray<{ key: string; value: V; ttl?: number }>): Promise<void> {
    if (!Array.isArray(entries)) throw new TypeError('RedisStore.setMany: entries must be an array');
    if (entries.length === 0) return;
    const commands = entries.map((entry) => this.#setArgs('setMany', entry.key, entry.value, entry.ttl));
    const names = commands.map((args) => args[0]);
    if (!this.#gate.writable) return this.#refuseWrite(names);
    const written = this.#client
      .multi(commands.map((args) => ['set', ...args]))
      .exec()
      .then((results) => {
        if (results === null) throw new Error('RedisStore.setMany: the transaction was aborted');
        const failed = results.find(([error]) => error !== null);
        if (failed) throw failed[0];
      });
    return this.#tracked(written, names);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const names = this.#keys('deleteMany', keys);
    if (names.length === 0) return;
    if (!this.#gate.writable) return this.#refuseWrite(names);
    return this.#tracked(this.#client.del(...names), names);
  }

  /** Quits the connection the store opened; a client given in the options stays open. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#gate.detach();
      if (this.#owned) await quit(this.#client);
    })();
    return this.#closing;
  }

  /** A write whose outcome is unknown leaves its keys to be deleted when Redis is back. */
  #tracked(write: Promise<unknown>, names: string[]): Promise<void> {
    return write.then(noop, (error: unknown) => {
      this.#unsure.addAll(names);
      throw redactCommand(error);
    });
  }

  #refuseWrite(names: string[]): Promise<never> {
    this.#unsure.addAll(names);
    return Promise.reject(this.#gate.refusal());
  }

  async #mget(operation: string, keys: readonly string[]): Promise<Array<string | null>> {
    const names = this.#keys(operation, keys);
    if (names.length === 0) return [];
    if (!this.#gate.open) throw this.#gate.refusal();
    return this.#client.mget(names).catch(throwRedacted);
  }

  #keys(operation: string, keys: readonly string[]): string[] {
    if (!Array.isArray(keys)) throw new TypeError(`RedisStore.${operation}: keys must be an array`);
    return keys.map((key) => {
      if (typeof key !== 'string') throw keyError(operation, key);
      return this.#namespace + key;
    });
  }

  /** `[key, text]` or `[key, text, 'PX', ttl]`; throws a TypeError for a bad key, value or ttl. */
  #setArgs(operation: string, key: string, value: V, ttl: number | undefined): SetArgs {
    if (typeof key !== 'string') throw keyError(operation, key);
    const where = `RedisStore.${operation}(${JSON.stringify(key)})`;
    if (ttl === undefined) return [this.#namespace + key, encodeValue(value, undefined, where)];
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
      throw new TypeError(`${where}: ttl must be a finite number of milliseconds > 0, got ${String(ttl)}`);
    }
    // Redis takes whole milliseconds; rounding up keeps a ttl of 0.5 from becoming an invalid 0.
    const ms = Math.ceil(ttl);
    return [this.#namespace + key, encodeValue(value, Date.now() + ms, where), 'PX', ms];
  }
}

type SetArgs = [key: string, text: string] | [key: string, text: string, px: 'PX', ttl: number];

function keyError(operation: string, key: unknown): TypeError {
  return new TypeError(
    `RedisStore.${operation}: keys must be strings, got ${key === null ? 'null' : typeof key}`,
  );
}

function noop(): void {}
