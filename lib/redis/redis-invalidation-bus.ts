import { randomUUID } from 'node:crypto';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { ConfigurationError } from '../core/errors.js';
import type { InvalidationBus } from '../core/invalidation-bus.js';
import {
  connect,
  connectCluster,
  isCluster,
  quit,
  type RedisClient,
  type RedisClusterConnection,
} from './connection.js';
import { ConnectionGate } from './connection-gate.js';
import { redactUrl, throwRedacted } from './redis-errors.js';
import { checkClusterOptions, isClient } from './client-options.js';

/** The options of a RedisInvalidationBus that do not depend on where it connects. */
export interface RedisInvalidationBusBaseOptions {
  /** The Pub/Sub channel; stores that share data must share it. Default `delegated-store:invalidation`. */
  channel?: string;
  /**
   * Sharded Pub/Sub (SPUBLISH/SSUBSCRIBE, Redis 7): on a cluster, a message then travels to the nodes
   * of the channel's shard only, instead of being broadcast over the whole cluster bus. `'auto'`
   * (default): on a cluster whose servers support it; classic Pub/Sub on a single Redis. All instances
   * on a channel must agree: set `false` to talk with publishers that use classic PUBLISH.
   */
  sharded?: boolean | 'auto';
}

/**
 * Where the bus connects: a `url` (as before), ioredis `redisOptions` alone (e.g. Sentinel:
 * `{ sentinels, name }`), a Redis Cluster (`cluster: { nodes, options? }`), or a `client` of yours
 * (`Redis` or `Cluster`), which the bus publishes on and duplicates to subscribe.
 */
export type RedisInvalidationBusOptions = RedisInvalidationBusBaseOptions &
  (
    | {
        /** `redis://[user:password@]host:port[/db]` or `rediss://` (TLS). */
        url: string;
        /** ioredis options for both connections (e.g. `tls: { ca }` for a private CA). */
        redisOptions?: RedisOptions;
        /** Not with `url`: give one way to connect. */
        client?: never;
        /** Not with `url`: give one way to connect. */
        cluster?: never;
      }
    | {
        /** ioredis options alone, e.g. Sentinel: `{ sentinels, name }`. */
        redisOptions: RedisOptions;
        /** Not with `redisOptions` alone: give one way to connect. */
        url?: never;
        /** Not with `redisOptions`: give one way to connect. */
        client?: never;
        /** Not with `redisOptions`: give one way to connect. */
        cluster?: never;
      }
    | {
        /** A Redis Cluster: its seed nodes and ioredis Cluster options. */
        cluster: RedisClusterConnection;
        /** Not with `cluster`: give one way to connect. */
        url?: never;
        /** Not with `cluster`: put ioredis options in `cluster.options`. */
        redisOptions?: never;
        /** Not with `cluster`: give one way to connect. */
        client?: never;
      }
    | {
        /** Your ioredis client: the bus publishes on it and subscribes on a duplicate of it. */
        client: Redis | Cluster;
        /** Not with `client`: give one way to connect. */
        url?: never;
        /** Not with `client`: the client has its options. */
        redisOptions?: never;
        /** Not with `client`: give one way to connect. */
        cluster?: never;
      }
  );

/** The channel a bus uses when its options name none. */
export const DEFAULT_INVALIDATION_CHANNEL = 'delegated-store:invalidation';

/** What travels on the channel: who wrote, and which keys. */
interface InvalidationMessage {
  origin: string;
  keys: string[];
}

/** Options of the subscribing connection: it waits for Redis as long as it takes, and re-subscribes. */
const SUBSCRIBER_OPTIONS: RedisOptions = {
  // It is idle between messages, so no socketTimeout; and an unanswered SUBSCRIBE is sent again.
  maxRetriesPerRequest: null,
  socketTimeout: undefined,
  autoResendUnfulfilledCommands: true,
  enableOfflineQueue: true,
};

/**
 * Carries written keys between store instances over Redis Pub/Sub, so that each instance drops its
 * process-local copies. Two connections: Redis does not allow other commands on a subscribed one.
 * Pub/Sub delivers at most once: an instance disconnected while a key was written misses that message,
 * which is why local layers should keep a short ttl.
 */
export class RedisInvalidationBus implements InvalidationBus {
  /** The Pub/Sub channel this bus publishes and subscribes on. */
  readonly channel: string;
  /** Tells this instance's messages apart from the others'. */
  readonly #origin = randomUUID();
  readonly #publisher: RedisClient;
  readonly #ownsPublisher: boolean;
  readonly #publisherGate: ConnectionGate;
  readonly #subscriber: RedisClient;
  readonly #sharded: boolean | 'auto';
  /** Whether this bus uses SPUBLISH/SSUBSCRIBE, once known. */
  #shardedDecision: Promise<boolean> | undefined;
  readonly #listeners: Array<(keys: string[]) => void> = [];
  readonly #inFlight = new Set<Promise<void>>();
  #subscribing: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: RedisInvalidationBusOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError(
        'RedisInvalidationBus needs options { url } (or { redisOptions }, { cluster }, { client }), and channel?',
      );
    }
    const {
      url,
      client,
      cluster,
      redisOptions,
      channel = DEFAULT_INVALIDATION_CHANNEL,
      sharded = 'auto',
    } = options;
    const ways = [url !== undefined, client !== undefined, cluster !== undefined].filter(Boolean).length;
    if (ways > 1 || (redisOptions !== undefined && (client !== undefined || cluster !== undefined))) {
      throw new ConfigurationError(
        'RedisInvalidationBus: give one of a url (and redisOptions), redisOptions alone, cluster options or a client, not several',
      );
    }
    if (ways === 0 && redisOptions === undefined) {
      throw new ConfigurationError(
        'RedisInvalidationBus: say where Redis is: a url, redisOptions (e.g. { sentinels, name }), cluster: { nodes } or a client',
      );
    }
    if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) {
      throw new ConfigurationError(
        `RedisInvalidationBus: url must start with redis:// or rediss://, got ${redactUrl(url)}`,
      );
    }
    if (redisOptions !== undefined && (redisOptions === null || typeof redisOptions !== 'object')) {
      throw new ConfigurationError('RedisInvalidationBus: redisOptions must be ioredis options (an object)');
    }
    if (cluster !== undefined) checkClusterOptions('RedisInvalidationBus', cluster);
    if (client !== undefined && !isClient(client)) {
      throw new ConfigurationError('RedisInvalidationBus: client must be an ioredis Redis or Cluster');
    }
    if (typeof channel !== 'string' || channel === '') {
      throw new ConfigurationError(
        `RedisInvalidationBus: channel must be a non-empty string, got ${JSON.stringify(channel) ?? String(channel)}`,
      );
    }
    if (sharded !== true && sharded !== false && sharded !== 'auto') {
      throw new ConfigurationError(
        `RedisInvalidationBus: sharded must be true, false or 'auto', got ${JSON.stringify(sharded) ?? String(sharded)}`,
      );
    }
    this.channel = channel;
    this.#sharded = sharded;
    if (client !== undefined) {
      this.#publisher = client;
      this.#ownsPublisher = false;
      this.#subscriber = isCluster(client)
        ? client.duplicate([], { shardedSubscribers: true, enableOfflineQueue: true })
        : client.duplicate(SUBSCRIBER_OPTIONS);
    } else if (cluster !== undefined) {
      this.#ownsPublisher = true;
      this.#publisher = connectCluster(cluster, { enableAutoPipelining: true });
      this.#subscriber = connectCluster(cluster, { shardedSubscribers: true });
    } else {
      this.#ownsPublisher = true;
      // Publishing fails fast while Redis is down: the store reports it and goes on.
      this.#publisher = connect(url, { enableAutoPipelining: true, ...redisOptions });
      this.#subscriber = connect(url, { ...SUBSCRIBER_OPTIONS, ...redisOptions });
    }
    this.#publisherGate = new ConnectionGate(this.#publisher, this.#ownsPublisher);
    this.#subscriber.on('error', noop);
    this.#subscriber.on('node error', noop);
    this.#subscriber.on('message', this.#onMessage);
    this.#subscriber.on('smessage', this.#onMessage);
  }

  /**
   * Publishes the keys to the other instances. `close()` waits for the publishes in flight, so a write
   * that resolved just before the close still reaches them.
   */
  publish(keys: readonly string[]): Promise<void> {
    if (this.#closing) return Promise.reject(new Error('RedisInvalidationBus: publish after close()'));
    if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string')) {
      return Promise.reject(new TypeError('RedisInvalidationBus.publish: keys must be an array of strings'));
    }
    if (keys.length === 0) return Promise.resolve();
    const text = JSON.stringify({ origin: this.#origin, keys: [...keys] } satisfies InvalidationMessage);
    const send = () =>
      this.#isSharded()
        .then((sharded) =>
          sharded
            ? this.#publisher.spublish(this.channel, text)
            : this.#publisher.publish(this.channel, text),
        )
        .then(noop, throwRedacted);
    let sent: Promise<void>;
    if (this.#publisherGate.open) sent = send();
    else if (this.#publisherGate.starting) sent = this.#publisherGate.starting.then(send);
    else return Promise.reject(this.#publisherGate.refusal());
    this.#inFlight.add(sent);
    const forget = () => void this.#inFlight.delete(sent);
    sent.then(forget, forget);
    return sent;
  }

  /**
   * Resolves once Redis confirmed the subscription; `onKeys` then gets the keys other instances wrote.
   * A `close()` before that resolves it too: the close ended it, which is no failure.
   */
  subscribe(onKeys: (keys: string[]) => void): Promise<void> {
    if (typeof onKeys !== 'function') {
      return Promise.reject(new TypeError('RedisInvalidationBus.subscribe: onKeys must be a function'));
    }
    if (this.#closing) return Promise.reject(new Error('RedisInvalidationBus: subscribe after close()'));
    this.#listeners.push(onKeys);
    this.#subscribing ??= this.#isSharded()
      .then((sharded) =>
        sharded ? this.#subscriber.ssubscribe(this.channel) : this.#subscriber.subscribe(this.channel),
      )
      .then(noop, (error: unknown) => {
        if (this.#closing) return;
        this.#subscribing = undefined; // the next subscribe() tries again
        throwRedacted(error);
      });
    return this.#subscribing;
  }

  /** Waits for the publishes in flight, then quits both connections (not a client given in the options). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      this.#subscriber.off('message', this.#onMessage);
      this.#subscriber.off('smessage', this.#onMessage);
      this.#publisherGate.detach();
      await Promise.all([this.#ownsPublisher ? quit(this.#publisher) : undefined, quit(this.#subscriber)]);
    })();
    return this.#closing;
  }

  /**
   * Whether to use sharded Pub/Sub: asked of the server once (COMMAND INFO SPUBLISH) when the option is
   * 'auto' and the bus is on a cluster. A failed question is asked again next time.
   */
  #isSharded(): Promise<boolean> {
    if (this.#sharded !== 'auto') return Promise.resolve(this.#sharded);
    if (!isCluster(this.#publisher)) return Promise.resolve(false);
    if (this.#shardedDecision === undefined) {
      const decision = (this.#publisher.call('COMMAND', 'INFO', 'SPUBLISH') as Promise<unknown[]>).then(
        (info) => Array.isArray(info) && info[0] !== null && info[0] !== undefined,
      );
      this.#shardedDecision = decision;
      decision.catch(() => {
        if (this.#shardedDecision === decision) this.#shardedDecision = undefined;
      });
    }
    return this.#shardedDecision;
  }

  readonly #onMessage = (channel: string, text: string): void => {
    if (channel !== this.channel) return;
    const keys = parseMessage(text, this.#origin);
    if (keys === undefined) return;
    for (const listener of this.#listeners) {
      try {
        listener(keys);
      } catch {
        // A listener that throws must not take the subscriber connection's event loop down with it.
      }
    }
  };
}

/** The keys of another instance's message; `undefined` for our own, or for anything malformed. */
function parseMessage(text: string, ownOrigin: string): string[] | undefined {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (message === null || typeof message !== 'object') return undefined;
  const { origin, keys } = message as Partial<InvalidationMessage>;
  if (typeof origin !== 'string' || origin === ownOrigin || !Array.isArray(keys)) return undefined;
  const valid = keys.filter((key): key is string => typeof key === 'string');
  return valid.length > 0 ? valid : undefined;
}

function noop(): void {}
