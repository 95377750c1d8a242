import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { RedisStore, RedisUnavailableError } from '../../lib/redis/index.js';
import { hashSlot } from '../../lib/redis/hash-slot.js';
import {
  deleteMatching,
  describeWithCluster,
  describeWithScratchRedis,
  releaseTestCluster,
  ScratchCluster,
  connectedCluster,
  testClusterNodes,
  type ClusterNodeAddress,
} from '../support/redis-cluster.js';
import { freePort } from '../support/redis-server.js';
import { eventually } from '../support/eventually.js';

afterAll(() => releaseTestCluster());

/** The master port of every slot, from CLUSTER SLOTS. */
async function slotOwners(client: Cluster): Promise<Map<number, number>> {
  const owners = new Map<number, number>();
  const ranges = await client.cluster('SLOTS');
  for (const [from, to, master] of ranges) {
    for (let slot = from; slot <= to; slot++) owners.set(slot, Number(master[1]));
  }
  return owners;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const item of iterable) found.push(item);
  return found;
}

/**
 * What reaches each master from one cluster client: the commands, by MONITOR on every master (only those
 * from the client's own connections), and the socket writes of its connections (one write = one round
 * trip: a pipeline goes out as one write).
 */
class Traffic {
  readonly commands = new Map<number, string[][]>();
  readonly writes = new Map<number, number>();
  readonly #monitors: Redis[] = [];
  readonly #restore: Array<() => void> = [];

  static async watch(cluster: Cluster): Promise<Traffic> {
    const traffic = new Traffic();
    const masters = cluster.nodes('master');
    const sources = new Set(masters.map((node) => `${node.stream.localAddress}:${node.stream.localPort}`));
    for (const node of masters) {
      const port = Number(node.options.port);
      traffic.commands.set(port, []);
      traffic.writes.set(port, 0);
      // monitor() opens a connection of its own: the one it is called on never needs to connect.
      const monitor = await new Redis(port, '127.0.0.1', { lazyConnect: true }).monitor();
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (sources.has(source)) traffic.commands.get(port)!.push(args);
      });
      traffic.#monitors.push(monitor);
      const stream = node.stream;
      const write = stream.write;
      stream.write = function (this: typeof stream, ...args: Parameters<typeof write>) {
        traffic.writes.set(port, traffic.writes.get(port)! + 1);
        return write.apply(this, args);
      } as typeof write;
      traffic.#restore.push(() => (stream.write = write));
    }
    // MONITOR starts with the next command: a round of PINGs shows that every monitor is listening.
    await Promise.all(masters.map((node) => node.ping()));
    await eventually(() => {
      for (const seen of traffic.commands.values()) expect(seen.some(([name]) => name === 'ping')).toBe(true);
    }, 5000);
    for (const [port, seen] of traffic.commands)
      traffic.commands.set(
        port,
        seen.filter(([name]) => name !== 'ping'),
      );
    for (const port of traffic.writes.keys()) traffic.writes.set(port, 0);
    return traffic;
  }

  count(port: number, command: string): number {
    return this.commands.get(port)!.filter(([name]) => name.toLowerCase() === command).length;
  }

  async stop(): Promise<void> {
    for (const restore of this.#restore) restore();
    for (const monitor of this.#monitors) monitor.disconnect();
  }
}

describeWithCluster('RedisStore on a Redis Cluster: hash slots and round trips', () => {
  let nodes: ClusterNodeAddress[];
  let raw: Cluster;
  const prefix = `cluster-${randomUUID()}`;
  const stores: RedisStore<unknown>[] = [];
  const open = (options: { prefix?: string } = {}) => {
    const store = new RedisStore<unknown>({ cluster: { nodes }, prefix, ...options });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    nodes = await testClusterNodes();
    raw = await connectedCluster(nodes);
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await deleteMatching(raw, `*${prefix}*`);
    await raw.quit();
  });

  it('computes the hash slot of a key as Redis does (hash tags, UTF-8, edge cases)', async () => {
    const keys = [
      '',
      'a',
      'user:1',
      '{user:1}:profile',
      '{user:1}:orders',
      'a{}b',
      'x{}y{z}',
      '{',
      '}{a}',
      'a{b',
      '{{a}}',
      'héllo',
      '日本語のキー',
      '{日本}x',
      '😀 emoji',
      'lone \uD800 surrogate',
      `${prefix}:k`,
      ...Array.from({ length: 40 }, (_, i) => `${randomUUID()}:${i}`),
    ];
    for (const key of keys) {
      expect([key, hashSlot(key)]).toEqual([key, Number(await raw.cluster('KEYSLOT', key))]);
    }
  });

  it('getMany of 100 keys in 100 slots: one MGET per slot, one round trip per master', async () => {
    const store = open();
    // 100 keys whose names (with the prefix) fall in 100 different slots, as Redis computes them.
    const keys: string[] = [];
    const slots = new Set<number>();
    for (let i = 0; keys.length < 100; i++) {
      const slot = Number(await raw.cluster('KEYSLOT', `${prefix}:k${i}`));
      if (slots.has(slot)) continue;
      slots.add(slot);
      keys.push(`k${i}`);
    }
    await store.setMany(keys.map((key) => ({ key, value: key })));
    expect(await store.getMany(keys)).toEqual(keys); // every connection is up
    const owners = await slotOwners(raw);
    const expected = new Map<number, number>();
    for (const key of keys) {
      const port = owners.get(hashSlot(`${prefix}:${key}`))!;
      expected.set(port, (expected.get(port) ?? 0) + 1);
    }
    expect(expected.size).toBe(3);

    const traffic = await Traffic.watch(store.client as Cluster);
    try {
      expect(await store.getMany(keys)).toEqual(keys);
      await eventually(() => {
        for (const [port, count] of expected)
          expect([port, traffic.count(port, 'mget')]).toEqual([port, count]);
      }, 5000);
      for (const [port, count] of expected) {
        expect(traffic.commands.get(port)!.map(([name]) => name.toLowerCase())).toEqual(
          new Array(count).fill('mget'),
        );
        expect([port, traffic.writes.get(port)]).toEqual([port, 1]);
      }
    } finally {
      await traffic.stop();
    }
  });

  it('concurrent single reads: one pipeline of MGETs per master as well', async () => {
    const store = open();
    const keys = Array.from({ length: 60 }, (_, i) => `c${i}`);
    await store.setMany(keys.map((key) => ({ key, value: key })));
    expect(await store.getMany(keys)).toEqual(keys);
    const traffic = await Traffic.watch(store.client as Cluster);
    try {
      expect(await Promise.all(keys.map((key) => store.get(key)))).toEqual(keys);
      expect(await Promise.all(keys.map((key) => store.getWithExpiry(key)))).toEqual(
        keys.map((value) => ({ value })),
      );
      await eventually(() => {
        let mgets = 0;
        for (const port of traffic.commands.keys()) mgets += traffic.count(port, 'mget');
        expect(mgets).toBe(new Set(keys.map((key) => hashSlot(`${prefix}:${key}`))).size * 2);
      }, 5000);
      for (const [port, writes] of traffic.writes) {
        expect([port, writes]).toEqual([port, 2]);
        expect(traffic.count(port, 'get')).toBe(0);
      }
    } finally {
      await traffic.stop();
    }
  });

  it('keys with hash tags, and keys that ioredis would route elsewhere than Redis, in one batch', async () => {
    const store = open();
    const keys = ['{tag}:a', '{tag}:b', 'a{}b{c}', 'x{}y', 'lone \uDC00 low', 'plain', '{}'];
    await store.setMany(keys.map((key, i) => ({ key, value: i })));
    expect(await store.getMany(keys)).toEqual(keys.map((_, i) => i));
    expect(await Promise.all(keys.map((key) => store.get(key)))).toEqual(keys.map((_, i) => i));
    await store.deleteMany(keys);
    expect(await store.getMany(keys)).toEqual(keys.map(() => undefined));
  });

  it("works with a client that has ioredis's keyPrefix option", async () => {
    const client = new Cluster(nodes, { keyPrefix: `${prefix}-kp:` });
    const store = new RedisStore<number>({ client, prefix: 'inner' });
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    await store.setMany(keys.map((key, i) => ({ key, value: i })));
    expect(await store.getMany(keys)).toEqual(keys.map((_, i) => i));
    expect(await raw.get(`${prefix}-kp:inner:k7`)).toBe('7');
    expect((await collect(store.keys())).sort()).toEqual([...keys].sort());
    await store.clear();
    expect(await raw.get(`${prefix}-kp:inner:k7`)).toBeNull();
    await store.close();
    await client.quit();
  });

  it('commands issued before the cluster is connected wait for it', async () => {
    const store = open();
    // Nothing awaited since the constructor: the client is still discovering the cluster.
    expect((store.client as Cluster).status).not.toBe('ready');
    const [written, read] = await Promise.all([store.set('early', 'E'), store.get('early-missing')]);
    expect([written, read]).toEqual([undefined, undefined]);
    expect(await store.get('early')).toBe('E');
  });

  it('a cluster that cannot be reached: commands are refused, not queued forever', async () => {
    const store = new RedisStore<string>({
      cluster: { nodes: [{ host: '127.0.0.1', port: await freePort() }] },
    });
    await expect(store.get('k')).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(store.set('k', 'v')).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(collect(store.keys())).rejects.toBeInstanceOf(RedisUnavailableError);
    await store.close();
  });
});

describeWithScratchRedis('RedisStore on a Redis Cluster that changes: resharding and a master lost', () => {
  let cluster: ScratchCluster;
  let raw: Cluster;

  beforeAll(async () => {
    cluster = await ScratchCluster.start({ nodeTimeout: 1000 });
    raw = await connectedCluster(cluster.nodes);
  });
  afterAll(async () => {
    raw?.disconnect();
    await cluster?.kill();
  });

  it('keys() lists each key once while a slot moves to a master it has yet to scan', async () => {
    const store = new RedisStore<number>({ cluster: { nodes: cluster.nodes }, prefix: 'reshard' });
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    await store.setMany(keys.map((key, i) => ({ key, value: i })));
    const owners = await slotOwners(raw);
    // The store scans the masters in the order of the slots they serve.
    const order = [...new Set([...owners.entries()].sort(([a], [b]) => a - b).map(([, port]) => port))];
    const [first, , last] = order;
    const slotOf = (key: string) => hashSlot(`reshard:${key}`);
    const moving = slotOf(keys.find((key) => owners.get(slotOf(key)) === first)!);

    const listed: string[] = [];
    let moved = false;
    for await (const key of store.keys()) {
      listed.push(key);
      // The first master is done once a key of another one shows up: move one of its slots to the last.
      if (!moved && owners.get(slotOf(key)) !== first) {
        moved = true;
        await moveSlot(moving, first, last, order);
      }
    }
    expect(moved).toBe(true);
    expect(listed.length).toBe(new Set(listed).size);
    expect([...listed].sort()).toEqual([...keys].sort());
    // The store follows the slot to its new master, also in a batch where only that slot moved: ioredis
    // answers MOVED for it alone, and the store sends that command again on its own.
    expect(await store.getMany(keys)).toEqual(keys.map((_, i) => i));
    expect(await Promise.all(keys.map((key) => store.get(key)))).toEqual(keys.map((_, i) => i));
    await store.setMany(keys.map((key, i) => ({ key, value: i + 1000 })));
    expect(await store.getMany(keys)).toEqual(keys.map((_, i) => i + 1000));
    await store.deleteMany(keys);
    expect(await collect(store.keys())).toEqual([]);
    await store.close();
  });

  it('a write that failed while its master was down: never served old, deleted once the replica took over', async () => {
    const store = new RedisStore<string>({ cluster: { nodes: cluster.nodes }, prefix: 'lost' });
    const name = 'lost:user:1';
    await store.set('user:1', 'old');
    const master = await cluster.masterOf(hashSlot(name));
    const owners = await slotOwners(raw);

    // Another store of the same cluster, to clear while that master is down.
    const clearing = new RedisStore<number>({ cluster: { nodes: cluster.nodes }, prefix: 'clearing' });
    const names = Array.from({ length: 200 }, (_, i) => `c${i}`);
    await clearing.setMany(names.map((key, i) => ({ key, value: i })));
    await waitForReplicas(master.port);
    const onDead = names.filter((key) => owners.get(hashSlot(`clearing:${key}`)) === master.port);

    await master.stop('SIGKILL');
    // clear() empties the masters it can reach, then rejects for the one it cannot.
    const cleared = await clearing.clear().then(
      () => 'resolved',
      (error: unknown) => error,
    );
    expect(cleared).toBeInstanceOf(Error);
    const write = await store.set('user:1', 'new').then(
      () => 'written',
      () => 'failed',
    );
    const reads: Array<string | undefined> = [];
    // Until the replica is promoted, and after: never the old value.
    await eventually(async () => {
      reads.push(await store.get('user:1').catch(() => 'rejected'));
      expect(await raw.exists(name).catch(() => -1)).toBe(write === 'written' ? 1 : 0);
    }, 20_000);
    // Right after the failover a command can still meet a node connection that the client is replacing
    // ("Connection is closed"): such a rejection is retried; a value read is never the old one.
    await eventually(async () => void reads.push(await store.get('user:1')), 10_000);
    expect(reads).not.toContain('old');
    if (write === 'written') expect(reads.at(-1)).toBe('new');
    else expect(reads.at(-1)).toBeUndefined();
    // A later write is served at once.
    await eventually(() => store.set('user:1', 'newer'), 10_000);
    expect(await store.get('user:1')).toBe('newer');
    // The cleared store: only the keys of the dead master's slots are left (on the promoted replica).
    let left: Array<number | undefined> = [];
    await eventually(async () => void (left = await clearing.getMany(names)), 10_000);
    expect(names.filter((_, i) => left[i] !== undefined)).toEqual(onDead);
    expect(onDead.length).toBeGreaterThan(0);
    await eventually(() => clearing.clear(), 10_000);
    expect((await clearing.getMany(names)).filter((value) => value !== undefined)).toEqual([]);
    await Promise.all([store.close(), clearing.close()]);
  });
});

/** Waits until every replica of the master on `port` has caught up with it. */
async function waitForReplicas(port: number): Promise<void> {
  const master = new Redis(port, '127.0.0.1');
  try {
    await master.wait(1, 5000);
    await eventually(async () => {
      const info = await master.info('replication');
      const offset = Number(/master_repl_offset:(\d+)/.exec(info)![1]);
      const replicas = [...info.matchAll(/slave\d+:.*offset=(\d+)/g)].map((match) => Number(match[1]));
      expect(replicas.length).toBeGreaterThan(0);
      for (const replica of replicas) expect(replica).toBe(offset);
    }, 5000);
  } finally {
    master.disconnect();
  }
}

/** Moves a slot and its keys from one master to another (what `redis-cli --cluster reshard` does). */
async function moveSlot(slot: number, from: number, to: number, masters: number[]): Promise<void> {
  const source = new Redis(from, '127.0.0.1');
  const target = new Redis(to, '127.0.0.1');
  const others = masters.map((port) => new Redis(port, '127.0.0.1'));
  try {
    const sourceId = await source.cluster('MYID');
    const targetId = await target.cluster('MYID');
    await target.cluster('SETSLOT', slot, 'IMPORTING', sourceId);
    await source.cluster('SETSLOT', slot, 'MIGRATING', targetId);
    for (;;) {
      const names = await source.cluster('GETKEYSINSLOT', slot, 100);
      if (names.length === 0) break;
      await source.migrate('127.0.0.1', to, '', 0, 5000, 'KEYS', ...names);
    }
    for (const node of [target, source, ...others]) await node.cluster('SETSLOT', slot, 'NODE', targetId);
  } finally {
    for (const client of [source, target, ...others]) client.disconnect();
  }
}
