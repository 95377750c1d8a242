import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { ConfigurationError } from '../core/errors.js';
import type { Store, ValueWithExpiry } from '../core/store.js';
import { ClusterCommands } from './cluster-commands.js';
import { ClusterReadBatcher } from './cluster-read-batcher.js';
import {
  connect,
  connectCluster,
  isCluster,
  quit,
  type RedisClient,
  type RedisClusterConnection,
} from './connection.js';
import { ConnectionGate } from './connection-gate.js';
import { decodeEntry, decodeValue, encodeValue } from './json-codec.js';
import { escapeGlob, SingleNodeCommands, type KeyCommands, type SetCommand } from './key-commands.js';
import { WriteCoalescer } from './write-coalescer.js';
import { ReadBatcher, type Reads } from './read-batcher.js';
import { redactCommand, redactUrl, throwRedacted } from './redis-errors.js';
import { clearNamespace, UnsureKeys } from './unsure-keys.js';
import { checkClusterOptions, describeValue, isClient } from './client-options.js';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` (TLS). Omitted (and no client): ioredis's default, localhost:6379. */
  url?: string;
  /**
   * An existing connection to use instead of `url`: a `Redis` (standalone or Sentinel) or a `Cluster`.
   * The store does not close it, and keeps its options.
   */
  client?: Redis | Cluster;
  /** A Redis Cluster to connect to: some of its nodes, and ioredis Cluster options (merged over FAIL_FAST_CLUSTER_OPTIONS). */
  cluster?: RedisClusterConnection;
  /**
   * A namespace, e.g. the store's name: keys are stored as `<prefix>:<key>`. It cannot contain `:`, so two
   * stores with different prefixes on one Redis can never read each other's keys. `clear()` needs one.
   */
  prefix?: string;
  /** ioredis options for the connection the store opens (e.g. `{ sentinels, name }`); they replace the fail-fast defaults. */
  redisOptions?: RedisOptions;
}

/** SCAN's COUNT hint, and how many keys one UNLINK removes. */
const SCAN_COUNT = 1000;
/** How soon, then how often at most, keys whose writes failed are deleted when no reconnection does it. */
const REPAIR_FIRST_MS = 100;
const REPAIR_MAX_MS = 1000;

/**
 * A layer on Redis through ioredis: a single server, a master found through Sentinel, or a Redis
 * Cluster. Values are stored as JSON; `get` is one GET, `getMany` one MGET (on a cluster, one MGET per
 * hash slot, pipelined per node), `getWithExpiry` one GET too (the expiry travels with the value). While
 * Redis is unreachable every command rejects at once with RedisUnavailableError, and the connection
 * recovers by itself; keys whose writes failed meanwhile read as misses until they are deleted, which
 * happens on reconnection or on a timer, so that no old value outlives the outage.
 */
export class RedisStore<V> implements Store<string, V> {
  readonly #client: RedisClient;
  readonly #owned: boolean;
  readonly #gate: ConnectionGate;
  /** `<prefix>:`, or '' without a prefix. */
  readonly #namespace: string;
  readonly #unsure: UnsureKeys;
  /** Single reads issued together go to Redis as one MGET (one per slot on a cluster). */
  readonly #reads: Reads;
  readonly #commands: KeyCommands;
  #repairTimer: ReturnType<typeof setTimeout> | undefined;
  /** Coalesces the socket writes of the writes sent in one tick (a single-node connection of its own). */
  #writes: WriteCoalescer | undefined;
  #repairDelay = REPAIR_FIRST_MS;
  #repairing: Promise<void> | undefined;
  /** Set once the server refused `SET … GET` (Redis < 6.2): getSet then runs a script. */
  #setGetByScript = false;
  #closing: Promise<void> | undefined;

  constructor(options: RedisStoreOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError(
        `RedisStore options must be an object { url?, client?, cluster?, prefix?, redisOptions? }, got ${describeValue(options)}`,
      );
    }
    const { url, client, cluster, prefix, redisOptions } = options;
    const ways = [
      client !== undefined,
      url !== undefined || redisOptions !== undefined,
      cluster !== undefined,
    ];
    if (ways.filter(Boolean).length > 1) {
      throw new ConfigurationError(
        'RedisStore: give either a client, or a url (and redisOptions), or cluster options, not several',
      );
    }
    if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) {
      throw new ConfigurationError(
        `RedisStore: url must start with redis:// or rediss://, got ${redactUrl(url)}`,
      );
    }
    if (cluster !== undefined) checkClusterOptions('RedisStore', cluster);
    if (client !== undefined && !isClient(client)) {
      throw new ConfigurationError(
        `RedisStore: client must be an ioredis Redis or Cluster, got ${describeValue(client)}`,
      );
    }
    if (prefix !== undefined && (typeof prefix !== 'string' || prefix === '' || prefix.includes(':'))) {
      throw new ConfigurationError(
        `RedisStore: prefix must be a non-empty string without ':', got ${JSON.stringify(prefix)}`,
      );
    }
    this.#namespace = prefix === undefined ? '' : `${prefix}:`;
    this.#owned = client === undefined;
    this.#client = client ?? (cluster ? connectCluster(cluster) : connect(url, redisOptions));
    this.#unsure = new UnsureKeys(this.#namespace);
    const keyPrefix = this.#client.options.keyPrefix ?? '';
    if (isCluster(this.#client)) {
      this.#reads = new ClusterReadBatcher(this.#client, keyPrefix);
      this.#commands = new ClusterCommands(this.#client, keyPrefix);
    } else {
      this.#reads = new ReadBatcher(this.#client);
      this.#commands = new SingleNodeCommands(this.#client, keyPrefix);
      // Only on a connection of the store's own: an application's client is written as it writes it.
      if (this.#owned) this.#writes = new WriteCoalescer(this.#client);
    }
    this.#gate = new ConnectionGate(this.#client, this.#owned, this.#recover);
  }

  /** The underlying connection (a `Redis`, or a `Cluster`), e.g. for health checks. */
  get client(): RedisClient {
    return this.#client;
  }

  get(key: string): Promise<V | undefined> {
    if (typeof key !== 'string') return Promise.reject(keyError('get', key));
    if (!this.#gate.open) return this.#whenOpen(() => this.get(key));
    const name = this.#namespace + key;
    if (this.#unsure.size !== 0 && this.#unsure.has(name)) return Promise.resolve(undefined);
    return this.#reads.read(name, decodeValue<V>);
  }

  getWithExpiry(key: string): Promise<ValueWithExpiry<V> | undefined> {
    if (typeof key !== 'string') return Promise.reject(keyError('getWithExpiry', key));
    if (!this.#gate.open) return this.#whenOpen(() => this.getWithExpiry(key));
    const name = this.#namespace + key;
    if (this.#unsure.size !== 0 && this.#unsure.has(name)) return Promise.resolve(undefined);
    return this.#reads.read(name, decodeEntry<V>);
  }

  /** EXISTS: whether Redis holds a live entry for the key (false for a key whose last write is in doubt). */
  has(key: string): Promise<boolean> {
    if (typeof key !== 'string') return Promise.reject(keyError('has', key));
    if (!this.#gate.open) return this.#whenOpen(() => this.has(key));
    const name = this.#namespace + key;
    if (this.#unsure.size !== 0 && this.#unsure.has(name)) return Promise.resolve(false);
    return this.#client.exists(name).then((count) => count > 0, throwRedacted);
  }

  set(key: string, value: V, ttl?: number): Promise<void> {
    try {
      const args = this.#setArgs('set', key, value, ttl);
      if (!this.#gate.writable) return this.#refuseWrite([args[0]], () => this.set(key, value, ttl));
      this.#writes?.beforeWrite();
      const written =
        args.length === 2
          ? this.#client.set(args[0], args[1])
          : this.#client.set(args[0], args[1], args[2], args[3]);
      return this.#tracked(written, [args[0]]);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Writes the value (with the same ttl and expiry rules as `set`) and resolves the value it replaced, in
   * one atomic command (`SET … GET`; a script on Redis before 6.2): two concurrent swaps, even from two
   * processes, each see the other's value exactly once. `undefined` when there was none (or when the
   * key's last write is in doubt: what Redis holds for it then is not known to be current).
   */
  async getSet(key: string, value: V, ttl?: number): Promise<V | undefined> {
    const args = this.#setArgs('getSet', key, value, ttl);
    const name = args[0];
    if (!this.#gate.open) return this.#refuseWrite([name], () => this.getSet(key, value, ttl));
    const doubtful = this.#unsure.size !== 0 && this.#unsure.has(name);
    let old: string | null = null;
    await this.#tracked(
      this.#swap(args).then((found) => (old = found)),
      [name],
    );
    return doubtful ? undefined : decodeValue<V>(old);
  }

  delete(key: string): Promise<void> {
    if (typeof key !== 'string') return Promise.reject(keyError('delete', key));
    const name = this.#namespace + key;
    if (!this.#gate.writable) return this.#refuseWrite([name], () => this.delete(key));
    this.#writes?.beforeWrite();
    return this.#tracked(this.#client.del(name), [name]);
  }

  getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    return this.#mget('getMany', keys, decodeValue<V>);
  }

  getManyWithExpiry(keys: readonly string[]): Promise<Array<ValueWithExpiry<V> | undefined>> {
    return this.#mget('getManyWithExpiry', keys, decodeEntry<V>);
  }

  /**
   * On one Redis, one MULTI: every entry is written, or (on a Redis error) none. On a cluster, one SET
   * per key, pipelined per node: a key whose write failed reads as a miss until repaired. Values are
   * all checked before anything is sent.
   */
  async setMany(entries: ReadonlyArray<{ key: string; value: V; ttl?: number }>): Promise<void> {
    if (!Array.isArray(entries))
      throw new TypeError(`RedisStore.setMany: entries must be an array, got ${describeValue(entries)}`);
    if (entries.length === 0) return;
    const commands = entries.map((entry) => this.#setArgs('setMany', entry.key, entry.value, entry.ttl));
    const names = commands.map((args) => args[0]);
    if (!this.#gate.writable) return this.#refuseWrite(names, () => this.setMany(entries));
    const sentAt = this.#unsure.now;
    this.#settle(await this.#commands.setMany(commands), names, sentAt);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const names = this.#keys('deleteMany', keys);
    if (names.length === 0) return;
    if (!this.#gate.writable) return this.#refuseWrite(names, () => this.deleteMany(keys));
    const sentAt = this.#unsure.now;
    this.#settle(await this.#commands.deleteMany(names), names, sentAt);
  }

  /**
   * Deletes every key of this store's prefix: SCAN (of every master, on a cluster) and UNLINK in batches,
   * never FLUSHDB, so that the rest of a shared Redis survives. A store without a prefix refuses: it
   * cannot tell its keys from anyone else's. Keys written while it runs may survive it.
   */
  async clear(): Promise<void> {
    if (this.#namespace === '') {
      throw new ConfigurationError(
        'RedisStore.clear() needs a prefix: without one it cannot tell its keys from the rest of the database. ' +
          "Give the store a prefix (new RedisStore({ ..., prefix: 'users' })); to empty a database that is " +
          "the store's alone, run FLUSHDB on it yourself.",
      );
    }
    if (!this.#gate.open) await this.#whenOpen(noopAsync);
    await clearNamespace(this.#commands, this.#namespace).catch(throwRedacted);
  }

  /**
   * The keys of this store (without the prefix), each once, by SCAN of its own prefix (of every master,
   * on a cluster). Without a prefix: every key of the database. Keys written or deleted while it runs may
   * or may not be listed. It remembers the keys it listed, to list each once.
   */
  async *keys(): AsyncIterable<string> {
    if (!this.#gate.open) await this.#whenOpen(noopAsync);
    const namespace = this.#namespace;
    const seen = new Set<string>();
    try {
      for await (const names of this.#commands.scan(`${escapeGlob(namespace)}*`, SCAN_COUNT)) {
        for (const name of names) {
          if (seen.has(name)) continue;
          seen.add(name);
          yield name.slice(namespace.length);
        }
      }
    } catch (error) {
      throw redactCommand(error);
    }
  }

  /** Quits the connection the store opened; a client given in the options stays open. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#repairTimer);
      this.#repairTimer = undefined;
      this.#gate.detach();
      if (this.#owned) await quit(this.#client);
    })();
    return this.#closing;
  }

  /** A write whose outcome is unknown leaves its keys to be deleted later, and read as misses until then. */
  #tracked(write: Promise<unknown>, names: string[]): Promise<void> {
    const sentAt = this.#unsure.now;
    return write.then(
      () => {
        if (this.#unsure.size !== 0) this.#unsure.confirm(names, sentAt);
      },
      (error: unknown) => {
        this.#markUnsure(names);
        throw redactCommand(error);
      },
    );
  }

  /** The outcome of a batch write: the keys in doubt are marked, the others confirmed. */
  #settle(failure: { names: string[]; error: unknown } | undefined, names: string[], sentAt: number): void {
    if (failure === undefined) {
      if (this.#unsure.size !== 0) this.#unsure.confirm(names, sentAt);
      return;
    }
    const failed = new Set(failure.names);
    if (this.#unsure.size !== 0)
      this.#unsure.confirm(
        names.filter((name) => !failed.has(name)),
        sentAt,
      );
    this.#markUnsure(failure.names);
    throw redactCommand(failure.error);
  }

  /** A command that finds the gate shut: it waits for a cluster's first connection, or is refused at once. */
  #whenOpen<T>(retry: () => Promise<T>): Promise<T> {
    const starting = this.#gate.starting;
    return starting === undefined ? Promise.reject(this.#gate.refusal()) : starting.then(retry);
  }

  /** The same for a write; a write refused leaves its keys in doubt (the core's cleanup fails too). */
  #refuseWrite<T>(names: string[], retry: () => Promise<T>): Promise<T> {
    const starting = this.#gate.starting;
    if (starting !== undefined) {
      return starting.then(retry, (error: unknown) => {
        this.#markUnsure(names);
        throw error;
      });
    }
    this.#markUnsure(names);
    return Promise.reject(this.#gate.refusal());
  }

  #markUnsure(names: string[]): void {
    this.#unsure.addAll(names);
    this.#scheduleRepair();
  }

  /**
   * The repair also runs on a timer: a cluster stays connected while one of its masters is down, so no
   * reconnection may ever come to trigger it. It backs off to once a second while it fails.
   */
  #scheduleRepair(): void {
    if (this.#repairTimer !== undefined || this.#closing !== undefined) return;
    this.#repairTimer = setTimeout(this.#onRepairTimer, this.#repairDelay);
    this.#repairTimer.unref?.();
  }

  readonly #onRepairTimer = (): void => {
    this.#repairTimer = undefined;
    if (this.#unsure.size === 0 || this.#closing !== undefined) return;
    const backOff = () => {
      this.#repairDelay = Math.min(this.#repairDelay * 2, REPAIR_MAX_MS);
      if (this.#unsure.size !== 0) this.#scheduleRepair();
    };
    // While the connection is down, its recovery runs the repair before anything else is sent.
    if (!this.#gate.open) return backOff();
    this.#repair().then(() => {
      this.#repairDelay = REPAIR_FIRST_MS;
      if (this.#unsure.size !== 0) this.#scheduleRepair();
    }, backOff);
  };

  /** One repair at a time. */
  #repair(): Promise<void> {
    this.#repairing ??= this.#unsure.repair(this.#commands).finally(() => (this.#repairing = undefined));
    return this.#repairing;
  }

  /** On each (re)connection, before the gate opens: a repair started before the drop would not do. */
  readonly #recover = async (): Promise<void> => {
    await this.#repairing?.catch(noop);
    await this.#repair();
  };

  #swap(args: SetCommand): Promise<string | null> {
    if (!this.#setGetByScript) {
      const swapped =
        args.length === 2
          ? this.#client.set(args[0], args[1], 'GET')
          : this.#client.set(args[0], args[1], args[2], args[3], 'GET');
      return swapped.catch((error: unknown) => {
        // Redis before 6.2 has no GET option on SET: a syntax error, and nothing was written.
        if (!/syntax error/i.test(String((error as Error)?.message))) throw error;
        this.#setGetByScript = true;
        return this.#swap(args);
      });
    }
    const extra = args.length === 2 ? [] : [args[3]];
    return this.#client.eval(SWAP_SCRIPT, 1, args[0], args[1], ...extra) as Promise<string | null>;
  }

  /** One MGET (per slot on a cluster), decoded in one loop; a key whose last write is in doubt is a miss. */
  #mget<T>(
    operation: string,
    keys: readonly string[],
    decode: (raw: string | null) => T | undefined,
  ): Promise<Array<T | undefined>> {
    let names: string[];
    try {
      names = this.#keys(operation, keys);
    } catch (error) {
      return Promise.reject(error);
    }
    if (names.length === 0) return Promise.resolve([]);
    if (!this.#gate.open) return this.#whenOpen(() => this.#mget(operation, keys, decode));
    return this.#commands.mget(names).then((raw) => {
      // Decoded in place: the array of texts becomes the array of values.
      const values = raw as unknown as Array<T | undefined>;
      const unsure = this.#unsure.size !== 0 ? this.#unsure : undefined;
      for (let i = 0; i < raw.length; i++) {
        values[i] = unsure !== undefined && unsure.has(names[i]) ? undefined : decode(raw[i]);
      }
      return values;
    }, throwRedacted);
  }

  #keys(operation: string, keys: readonly string[]): string[] {
    if (!Array.isArray(keys))
      throw new TypeError(`RedisStore.${operation}: keys must be an array, got ${describeValue(keys)}`);
    const names = new Array<string>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key: unknown = keys[i];
      if (typeof key !== 'string') throw keyError(operation, key);
      names[i] = this.#namespace + key;
    }
    return names;
  }

  /** `[key, text]` or `[key, text, 'PX', ttl]`; throws a TypeError for a bad key, value or ttl. */
  #setArgs(operation: string, key: string, value: V, ttl: number | undefined): SetCommand {
    if (typeof key !== 'string') throw keyError(operation, key);
    const where = `RedisStore.${operation}(${JSON.stringify(key)})`;
    if (ttl === undefined) return [this.#namespace + key, encodeValue(value, undefined, where)];
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
      throw new TypeError(
        `${where}: ttl must be a finite number of milliseconds > 0, got ${typeof ttl === 'string' ? JSON.stringify(ttl) : String(ttl)} (${typeof ttl})`,
      );
    }
    // Redis takes whole milliseconds; rounding up keeps a ttl of 0.5 from becoming an invalid 0.
    const ms = Math.ceil(ttl);
    return [this.#namespace + key, encodeValue(value, Date.now() + ms, where), 'PX', ms];
  }
}

/** getSet on a Redis without `SET … GET`: the same swap, atomic as a script. */
const SWAP_SCRIPT = `local old = redis.call('GET', KEYS[1])
if ARGV[2] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) else redis.call('SET', KEYS[1], ARGV[1]) end
return old`;

function keyError(operation: string, key: unknown): TypeError {
  return new TypeError(
    `RedisStore.${operation}: keys must be strings, got ${key === null ? 'null' : typeof key}`,
  );
}

function noop(): void {}

async function noopAsync(): Promise<void> {}
