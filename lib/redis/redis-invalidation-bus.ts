import { randomUUID } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import { ConfigurationError } from '../core/errors.js';
import type { InvalidationBus } from '../core/invalidation-bus.js';
import { connect, quit } from './connection.js';
import { ConnectionGate } from './connection-gate.js';
import { redactUrl, throwRedacted } from './redis-errors.js';

export interface RedisInvalidationBusOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` (TLS). */
  url: string;
  /** The Pub/Sub channel; stores that share data must share it. Default `delegated-store:invalidation`. */
  channel?: string;
  /** ioredis options for both connections (e.g. `tls: { ca }` for a private CA). */
  redisOptions?: RedisOptions;
}

export const DEFAULT_INVALIDATION_CHANNEL = 'delegated-store:invalidation';

/** What travels on the channel: who wrote, and which keys. */
interface InvalidationMessage {
  origin: string;
  keys: string[];
}

/**
 * Carries written keys between store instances over Redis Pub/Sub, so that each instance drops its
 * process-local copies. Two connections: Redis does not allow other commands on a subscribed one.
 * Pub/Sub delivers at most once: an instance disconnected while a key was written misses that message,
 * which is why local layers should keep a short ttl.
 */
export class RedisInvalidationBus implements InvalidationBus {
  readonly channel: string;
  /** Tells this instance's messages apart from the others'. */
  readonly #origin = randomUUID();
  readonly #publisher: Redis;
  readonly #publisherGate: ConnectionGate;
  readonly #subscriber: Redis;
  readonly #listeners: Array<(keys: string[]) => void> = [];
  #subscribing: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: RedisInvalidationBusOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError('RedisInvalidationBus needs options { url, channel? }');
    }
    const { url, channel = DEFAULT_INVALIDATION_CHANNEL, redisOptions } = options;
    if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
      throw new ConfigurationError(
        `RedisInvalidationBus: url must start with redis:// or rediss://, got ${redactUrl(url)}`,
      );
    }
    if (typeof channel !== 'string' || channel === '') {
      throw new ConfigurationError('RedisInvalidationBus: channel must be a non-empty string');
    }
    this.channel = channel;
    // Publishing fails fast while Redis is down: the store reports it and goes on.
    this.#publisher = connect(url, { enableAutoPipelining: true, ...redisOptions });
    this.#publisherGate = new ConnectionGate(this.#publisher, true);
    // The subscriber waits for Redis as long as it takes, and ioredis re-subscribes after a reconnection.
    // (It is idle between messages, so no socketTimeout; and an unanswered SUBSCRIBE is sent again.)
    this.#subscriber = connect(url, {
      maxRetriesPerRequest: null,
      socketTimeout: undefined,
      autoResendUnfulfilledCommands: true,
      ...redisOptions,
    });
    this.#subscriber.on('error', noop);
    this.#subscriber.on('message', this.#onMessage);
  }

  async publish(keys: readonly string[]): Promise<void> {
    if (this.#closing) throw new Error('RedisInvalidationBus: publish after close()');
    if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string')) {
      throw new TypeError('RedisInvalidationBus.publish: keys must be an array of strings');
    }
    if (keys.length === 0) return;
    if (!this.#publisherGate.open) throw this.#publisherGate.refusal();
    const message: InvalidationMessage = { origin: this.#origin, keys: [...keys] };
    await this.#publisher.publish(this.channel, JSON.stringify(message)).catch(throwRedacted);
  }

  /** Resolves once Redis confirmed the subscription; `onKeys` then gets the keys other instances wrote. */
  subscribe(onKeys: (keys: string[]) => void): Promise<void> {
    if (typeof onKeys !== 'function') {
      return Promise.reject(new TypeError('RedisInvalidationBus.subscribe: onKeys must be a function'));
    }
    if (this.#closing) return Promise.reject(new Error('RedisInvalidationBus: subscribe after close()'));
    this.#listeners.push(onKeys);
    this.#subscribing ??= this.#subscriber.subscribe(this.channel).then(noop);
    return this.#subscribing;
  }

  /** Quits both connections. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#subscriber.off('message', this.#onMessage);
      this.#publisherGate.detach();
      await Promise.all([quit(this.#publisher), quit(this.#subscriber)]);
    })();
    return this.#closing;
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
