import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis, type Cluster } from 'ioredis';
import {
  ConfigurationError,
  DelegatedStore,
  withErrorHandler,
  withInvalidationBus,
  type InvalidationBus,
  type Store,
} from '../../lib/index.js';
import { MemoryStore } from '../../lib/stores/index.js';
import { RedisInvalidationBus, RedisStore } from '../../lib/redis/index.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';
import { PasswordProtectedRedis } from '../support/redis-server.js';
import {
  connectedCluster,
  deleteMatching,
  describeWithCluster,
  releaseTestCluster,
  testClusterNodes,
  type ClusterNodeAddress,
} from '../support/redis-cluster.js';
import { flush, gate, TestStore } from '../support/test-store.js';
import { eventually } from '../support/eventually.js';

const run = promisify(execFile);
const publisherScript = fileURLToPath(new URL('./fixtures/publish-invalidation.mjs', import.meta.url));

/** A bus that tells the test when it has handed a message to the store. */
function observed(bus: InvalidationBus): InvalidationBus & { delivered: string[][]; next(): Promise<void> } {
  let waiters: Array<() => void> = [];
  const delivered: string[][] = [];
  return {
    delivered,
    publish: (keys) => bus.publish(keys),
    subscribe: (onKeys) =>
      bus.subscribe((keys) => {
        onKeys(keys);
        delivered.push(keys);
        waiters.forEach((wake) => wake());
        waiters = [];
      }),
    close: () => bus.close(),
    next: () => new Promise<void>((resolve) => waiters.push(resolve)),
  };
}

describeWithRedis('RedisInvalidationBus', () => {
  const closers: Array<() => Promise<void>> = [];
  let raw: Redis;
  let namespace = '';
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(() => {
    raw = new Redis(REDIS_URL);
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
    const keys = await raw.keys(`${namespace}*`);
    if (keys.length > 0) await raw.del(...keys);
    expect(unhandled).toEqual([]);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await raw.quit();
  });

  const bus = (channel: string) => {
    const created = new RedisInvalidationBus({ url: REDIS_URL, channel });
    closers.push(() => created.close());
    return created;
  };

  /** One application instance: a local memory layer over a primary shared through Redis. */
  const instance = (channel: string, primary?: Store<string, string>) => {
    namespace = namespace ?? '';
    const memory = new MemoryStore<string, string>();
    const shared = primary ?? new RedisStore<string>({ url: REDIS_URL, prefix: namespace });
    const instanceBus = observed(bus(channel));
    const store = new DelegatedStore<string, string>(
      [
        { store: memory, local: true, name: 'memory' },
        { store: shared, primary: true, name: 'redis' },
      ],
      withInvalidationBus(instanceBus),
    );
    closers.push(() => store.close());
    return { store, memory, bus: instanceBus };
  };

  beforeEach(() => {
    namespace = `bus-${randomUUID()}`;
  });

  it('after a set on A resolves, B reads the new value within 100 ms and keeps no stale copy', async () => {
    const channel = `${namespace}:channel`;
    const a = instance(channel);
    const b = instance(channel);
    await Promise.all([a.bus.subscribe(() => {}), b.bus.subscribe(() => {})]);
    const firstWrite = b.bus.next();
    await a.store.set('user:1', 'v1');
    await firstWrite;
    await flush(); // let B finish that invalidation: a read overlapping it would (rightly) not backfill
    expect(await b.store.get('user:1')).toBe('v1');
    await b.store.drain();
    expect(await b.memory.get('user:1')).toBe('v1');

    await a.store.set('user:1', 'v2');
    const took = await eventually(async () => expect(await b.store.get('user:1')).toBe('v2'), 100, 2);
    expect(took).toBeLessThan(100);
    await b.store.drain();
    expect(await b.memory.get('user:1')).not.toBe('v1');

    await a.store.delete('user:1');
    await eventually(async () => expect(await b.store.get('user:1')).toBeUndefined(), 100, 2);
    expect(await b.memory.get('user:1')).toBeUndefined();
  });

  it('delivers only messages from other instances', async () => {
    const channel = `${namespace}:channel`;
    const mine = bus(channel);
    const other = bus(channel);
    const received = jest.fn<(keys: string[]) => void>();
    const arrived = gate();
    await mine.subscribe((keys) => {
      received(keys);
      arrived.open();
    });
    await mine.publish(['own']);
    await other.publish(['theirs']);
    await arrived.promise;
    expect(received.mock.calls).toEqual([[['theirs']]]);
  });

  it('keeps two channels apart', async () => {
    const first = bus(`${namespace}:first`);
    const second = bus(`${namespace}:second`);
    const onSecond = bus(`${namespace}:second`);
    const received = jest.fn<(keys: string[]) => void>();
    const arrived = gate();
    await second.subscribe((keys) => {
      received(keys);
      arrived.open();
    });
    await first.publish(['on first']);
    await onSecond.publish(['on second']);
    await arrived.promise;
    expect(received.mock.calls).toEqual([[['on second']]]);
  });

  it('ignores malformed messages and keeps going', async () => {
    const channel = `${namespace}:channel`;
    const listener = bus(channel);
    const received = jest.fn<(keys: string[]) => void>();
    const arrived = gate();
    await listener.subscribe((keys) => {
      received(keys);
      arrived.open();
    });
    for (const junk of [
      'not json',
      'null',
      '42',
      '{"origin":7,"keys":["k"]}',
      '{"origin":"x","keys":"k"}',
      '{"origin":"x","keys":[1,{}]}',
      '{"origin":"x"}',
    ]) {
      await raw.publish(channel, junk);
    }
    await raw.publish(channel, JSON.stringify({ origin: 'x', keys: ['good', 3] }));
    await arrived.promise;
    expect(received.mock.calls).toEqual([[['good']]]);
  });

  it('a listener that throws does not stop the others', async () => {
    const channel = `${namespace}:channel`;
    const listener = bus(channel);
    const arrived = gate();
    await listener.subscribe(() => {
      throw new Error('listener bug');
    });
    await listener.subscribe(() => arrived.open());
    await bus(channel).publish(['k']);
    await arrived.promise;
  });

  it("drops B's backfill in flight for a key that A writes meanwhile", async () => {
    const channel = `${namespace}:channel`;
    const a = instance(channel);
    // B's primary answers with what Redis held, then waits: A's write happens during B's read.
    const shared = new RedisStore<string>({ url: REDIS_URL, prefix: namespace });
    const hold = gate();
    const readDone = gate();
    const slow: Store<string, string> = {
      get: async (key) => {
        const value = await shared.get(key);
        readDone.open();
        await hold.promise;
        return value;
      },
      getWithExpiry: async (key) => {
        const entry = await shared.getWithExpiry(key);
        readDone.open();
        await hold.promise;
        return entry;
      },
      set: (key, value, ttl) => shared.set(key, value, ttl),
      delete: (key) => shared.delete(key),
      close: () => shared.close(),
    };
    const b = instance(channel, slow);
    await Promise.all([a.bus.subscribe(() => {}), b.bus.subscribe(() => {})]);
    const firstWrite = b.bus.next();
    await a.store.set('k', 'old');
    await firstWrite;
    await flush();

    const read = b.store.get('k');
    await readDone.promise; // B's primary has read 'old' and waits on the gate
    const delivered = b.bus.next();
    await a.store.set('k', 'new');
    await delivered;
    hold.open();
    expect(await read).toBe('old'); // a read concurrent with the write may see either value
    await b.store.drain();
    expect(await b.memory.get('k')).toBeUndefined(); // but its backfill was dropped
    expect(await b.store.get('k')).toBe('new');
  });

  it('another process publishing on the channel drops our local copy', async () => {
    const channel = `${namespace}:channel`;
    const primary = new TestStore<string>({ 'user:7': 'old' });
    const local = instance(channel, primary);
    await local.bus.subscribe(() => {});
    expect(await local.store.get('user:7')).toBe('old');
    await local.store.drain();
    expect(await local.memory.get('user:7')).toBe('old');
    primary.data.set('user:7', 'new'); // the other process wrote the source of truth

    const { stdout } = await run(process.execPath, [publisherScript, REDIS_URL, channel, 'user:7']);
    expect(Number(stdout.trim())).toBeGreaterThanOrEqual(1);
    await eventually(async () => expect(await local.store.get('user:7')).toBe('new'), 1000, 2);
  });

  it('refuses a bad configuration', () => {
    expect(() => new RedisInvalidationBus({ url: 'localhost' })).toThrow(ConfigurationError);
    expect(() => new RedisInvalidationBus({ url: REDIS_URL, channel: '' })).toThrow(/channel/);
    expect(() => new RedisInvalidationBus(undefined as never)).toThrow(ConfigurationError);
    expect(() => new RedisInvalidationBus({} as never)).toThrow(/say where Redis is/);
    expect(() => new RedisInvalidationBus({ url: REDIS_URL, cluster: { nodes: [] } } as never)).toThrow(
      /not several/,
    );
    expect(() => new RedisInvalidationBus({ cluster: { nodes: [] } })).toThrow(/at least one node/);
    expect(() => new RedisInvalidationBus({ client: 'redis://x' as never })).toThrow(/client must be/);
    expect(() => new RedisInvalidationBus({ url: REDIS_URL, sharded: 'yes' as never })).toThrow(
      /sharded must be true, false or 'auto', got "yes"/,
    );
  });

  it('is built from a client of yours, publishes on it and leaves it open', async () => {
    const client = new Redis(REDIS_URL);
    const sender = new RedisInvalidationBus({ client, channel: `${namespace}:channel` });
    const receiver = bus(`${namespace}:channel`);
    const arrived = new Promise<string[]>((resolve) => void receiver.subscribe(resolve));
    await receiver.subscribe(() => {});
    await sender.publish(['from a client']);
    expect(await arrived).toEqual(['from a client']);
    await sender.close();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  describe('close() ends quietly', () => {
    const consoleCalls: unknown[][] = [];
    const spies: Array<{ mockRestore(): void }> = [];
    beforeEach(() => {
      for (const method of ['error', 'warn', 'log', 'info'] as const) {
        spies.push(
          jest
            .spyOn(console, method)
            .mockImplementation((...args: unknown[]) => void consoleCalls.push(args)),
        );
      }
    });
    afterEach(() => {
      for (const spy of spies.splice(0)) spy.mockRestore();
      expect(consoleCalls.splice(0)).toEqual([]);
    });

    it('right after construction', async () => {
      for (let i = 0; i < 5; i++) {
        await new RedisInvalidationBus({ url: REDIS_URL, channel: `${namespace}:channel` }).close();
      }
    });

    it('right after subscribe(): the subscription settles without an error', async () => {
      for (let i = 0; i < 5; i++) {
        const closing = new RedisInvalidationBus({ url: REDIS_URL, channel: `${namespace}:channel` });
        const subscribed = closing.subscribe(() => {});
        await closing.close();
        await expect(subscribed).resolves.toBeUndefined();
      }
    });

    it('with a publish in flight: the publish finishes first, and is delivered', async () => {
      const channel = `${namespace}:channel`;
      const receiver = bus(channel);
      const arrived = new Promise<string[]>((resolve) => void receiver.subscribe(resolve));
      await receiver.subscribe(() => {});
      const sender = new RedisInvalidationBus({ url: REDIS_URL, channel });
      const published = sender.publish(['in flight']);
      await sender.close();
      await expect(published).resolves.toBeUndefined();
      expect(await arrived).toEqual(['in flight']);
    });

    it('a store closed right after construction, or right after a write, reports no bus error', async () => {
      for (const write of [false, true]) {
        const errors: unknown[] = [];
        const store = new DelegatedStore<string, string>(
          [{ store: new MemoryStore<string, string>(), name: 'memory' }],
          withInvalidationBus(new RedisInvalidationBus({ url: REDIS_URL, channel: `${namespace}:channel` })),
          withErrorHandler((error) => errors.push(error)),
        );
        if (write) await store.set('k', 'v');
        await store.close();
        expect(errors).toEqual([]);
      }
    });
  });

  it('close() quits both connections and is idempotent', async () => {
    const closing = new RedisInvalidationBus({ url: REDIS_URL, channel: `${namespace}:channel` });
    await closing.subscribe(() => {});
    await closing.publish(['k']);
    await closing.close();
    await closing.close();
    await expect(closing.publish(['k'])).rejects.toThrow(/after close/);
  });
});

describe('RedisInvalidationBus with a password and with TLS', () => {
  const password = `secret-${randomUUID()}`;
  let servers: PasswordProtectedRedis;

  beforeAll(async () => {
    servers = await PasswordProtectedRedis.start(password);
  });
  afterAll(() => servers.kill());

  it.each([
    ['redis:// with a password', () => `redis://:${password}@127.0.0.1:${servers.plain.port}`, undefined],
    ['rediss:// with a password', () => `rediss://:${password}@127.0.0.1:${servers.tls.port}`, true],
  ])('carries keys over %s', async (_name, url, useTls) => {
    const redisOptions = useTls ? { tls: { ca: servers.ca } } : undefined;
    const sender = new RedisInvalidationBus({ url: url(), redisOptions });
    const receiver = new RedisInvalidationBus({ url: url(), redisOptions });
    const arrived = new Promise<string[]>((resolve) => void receiver.subscribe(resolve));
    await receiver.subscribe(() => {});
    await sender.publish(['a', 'b']);
    expect(await arrived).toEqual(['a', 'b']);
    await Promise.all([sender.close(), receiver.close()]);
  });
});

afterAll(() => releaseTestCluster());

/** Subscribers of a channel on every node of a cluster: sharded (SSUBSCRIBE) and classic (SUBSCRIBE). */
async function subscribers(cluster: Cluster, channel: string): Promise<{ sharded: number; classic: number }> {
  let sharded = 0;
  let classic = 0;
  for (const node of cluster.nodes('all')) {
    const [, shardCount] = (await node.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number];
    const [, count] = (await node.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
    sharded += Number(shardCount);
    classic = Math.max(classic, Number(count)); // classic Pub/Sub is cluster-wide: each node counts its own
  }
  return { sharded, classic };
}

describeWithCluster('RedisInvalidationBus on a Redis Cluster', () => {
  let nodes: ClusterNodeAddress[];
  let raw: Cluster;
  const prefix = `bus-cluster-${randomUUID()}`;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    nodes = await testClusterNodes();
    raw = await connectedCluster(nodes);
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  afterAll(async () => {
    await deleteMatching(raw, `${prefix}*`);
    await raw.quit();
  });

  const open = (options: Partial<ConstructorParameters<typeof RedisInvalidationBus>[0]>) => {
    const created = new RedisInvalidationBus(
      options as ConstructorParameters<typeof RedisInvalidationBus>[0],
    );
    closers.push(() => created.close());
    return created;
  };

  it('uses sharded Pub/Sub (SSUBSCRIBE, SPUBLISH) by default, and delivers', async () => {
    const channel = `${prefix}:sharded`;
    const sender = open({ cluster: { nodes }, channel });
    const receiver = open({ cluster: { nodes }, channel });
    const arrived = new Promise<string[]>((resolve) => void receiver.subscribe(resolve));
    await Promise.all([receiver.subscribe(() => {}), sender.subscribe(() => {})]);
    expect(await subscribers(raw, channel)).toEqual({ sharded: 2, classic: 0 });
    // A sharded subscriber hears SPUBLISH only: the message arriving shows how it was sent.
    await sender.publish(['user:1']);
    expect(await arrived).toEqual(['user:1']);
  });

  it('uses classic Pub/Sub with sharded: false', async () => {
    const channel = `${prefix}:classic`;
    const sender = open({ cluster: { nodes }, channel, sharded: false });
    const receiver = open({ cluster: { nodes }, channel, sharded: false });
    const arrived = new Promise<string[]>((resolve) => void receiver.subscribe(resolve));
    await receiver.subscribe(() => {});
    expect(await subscribers(raw, channel)).toEqual({ sharded: 0, classic: 1 });
    await sender.publish(['user:2']);
    expect(await arrived).toEqual(['user:2']);
  });

  /**
   * A Cluster client whose servers seem to lack sharded Pub/Sub (Redis < 7): COMMAND INFO SPUBLISH answers
   * `[null]`, as Redis 6 does for a command it does not know; `answers` says what each such question
   * gets, in turn (an Error rejects). SPUBLISH and PUBLISH are counted.
   */
  async function clusterWithoutSharding(answers: Array<unknown[] | Error>) {
    const client = await connectedCluster(nodes);
    closers.push(() => client.quit().then(() => {}));
    const asked: string[][] = [];
    const sent = { spublish: 0, publish: 0 };
    const call = client.call.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { call: typeof call }).call = (...args: unknown[]) => {
      if (args.map(String).join(' ').toUpperCase() !== 'COMMAND INFO SPUBLISH') return call(...args);
      asked.push(args.map(String));
      const answer = answers[asked.length - 1] ?? [null];
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    };
    for (const name of ['spublish', 'publish'] as const) {
      const send = client[name].bind(client) as (...args: unknown[]) => Promise<unknown>;
      (client as unknown as Record<string, typeof send>)[name] = (...args: unknown[]) => {
        sent[name]++;
        return send(...args);
      };
    }
    return { client, asked, sent };
  }

  it("sharded: 'auto' on servers without SPUBLISH: classic SUBSCRIBE and PUBLISH, and delivers", async () => {
    const channel = `${prefix}:no-sharding`;
    const sending = await clusterWithoutSharding([[null]]);
    const receiving = await clusterWithoutSharding([[null]]);
    const sender = open({ client: sending.client, channel });
    const receiver = open({ client: receiving.client, channel });
    const arrived = new Promise<string[]>((resolve) => void receiver.subscribe(resolve));
    await receiver.subscribe(() => {});
    expect(receiving.asked).toEqual([['COMMAND', 'INFO', 'SPUBLISH']]);
    expect(await subscribers(raw, channel)).toEqual({ sharded: 0, classic: 1 });
    // A classic subscriber hears PUBLISH only: the message arriving shows how it was sent.
    await sender.publish(['user:4']);
    expect(await arrived).toEqual(['user:4']);
    expect(sending.sent).toEqual({ spublish: 0, publish: 1 });
    expect(sending.asked).toHaveLength(1);
    await sender.publish(['user:5']); // asked once per bus
    expect(sending.asked).toHaveLength(1);
  });

  it('asks again after a failed COMMAND INFO, rather than guessing', async () => {
    const channel = `${prefix}:asked-again`;
    const receiving = await clusterWithoutSharding([new Error('CLUSTERDOWN'), [null]]);
    const receiver = open({ client: receiving.client, channel });
    await expect(receiver.subscribe(() => {})).rejects.toThrow('CLUSTERDOWN');
    expect(await subscribers(raw, channel)).toEqual({ sharded: 0, classic: 0 });
    const arrived = new Promise<string[]>((resolve) => void receiver.subscribe(resolve));
    await receiver.subscribe(() => {});
    expect(receiving.asked).toHaveLength(2);
    expect(await subscribers(raw, channel)).toEqual({ sharded: 0, classic: 1 });
    await open({ cluster: { nodes }, channel, sharded: false }).publish(['user:6']);
    expect(await arrived).toEqual(['user:6']);
  });

  it('is built from a Cluster client of yours, and leaves it open', async () => {
    const channel = `${prefix}:client`;
    const client = await connectedCluster(nodes);
    const sender = open({ client, channel });
    const receiver = open({ cluster: { nodes }, channel });
    const arrived = new Promise<string[]>((resolve) => void receiver.subscribe(resolve));
    await receiver.subscribe(() => {});
    await sender.publish(['user:3']);
    expect(await arrived).toEqual(['user:3']);
    await sender.close();
    expect(client.status).toBe('ready');
    await client.quit();
  });

  it("drops the other instance's local copy: two stores over a RedisStore on the cluster", async () => {
    const channel = `${prefix}:stores`;
    const instance = () => {
      const memory = new MemoryStore<string, string>();
      const instanceBus = open({ cluster: { nodes }, channel });
      const store = new DelegatedStore<string, string>(
        [
          { store: memory, local: true, name: 'memory' },
          { store: new RedisStore<string>({ cluster: { nodes }, prefix }), primary: true, name: 'redis' },
        ],
        withInvalidationBus(instanceBus),
      );
      closers.push(() => store.close());
      return { store, memory, bus: instanceBus };
    };
    const a = instance();
    const b = instance();
    // The store subscribed when it was built; this resolves once Redis confirmed that subscription.
    const delivered: string[][] = [];
    await Promise.all([a.bus.subscribe(() => {}), b.bus.subscribe((keys) => delivered.push(keys))]);
    await a.store.set('user:1', 'v1');
    // B's read must not overlap the invalidation of that first write, which would (rightly) drop its backfill.
    await eventually(() => expect(delivered).toEqual([['user:1']]), 2000, 2);
    await flush();
    expect(await b.store.get('user:1')).toBe('v1');
    await b.store.drain();
    expect(await b.memory.get('user:1')).toBe('v1');
    await a.store.set('user:1', 'v2');
    await eventually(async () => expect(await b.memory.get('user:1')).toBeUndefined(), 2000, 2);
    expect(await b.store.get('user:1')).toBe('v2');
  });

  it('closes quietly right after construction and right after subscribe()', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await new RedisInvalidationBus({ cluster: { nodes } }).close();
      const closing = new RedisInvalidationBus({ cluster: { nodes } });
      const subscribed = closing.subscribe(() => {});
      await closing.close();
      await expect(subscribed).resolves.toBeUndefined();
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });
});
