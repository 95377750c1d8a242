import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { DelegatedStore, withErrorHandler, withInvalidationBus } from '../../lib/index.js';
import { MemoryStore } from '../../lib/stores/index.js';
import { RedisInvalidationBus, RedisStore } from '../../lib/redis/index.js';
import { hashSlot } from '../../lib/redis/hash-slot.js';
import { connectedCluster, describeWithScratchRedis, ScratchCluster } from '../support/redis-cluster.js';
import { TestStore } from '../support/test-store.js';
import { percentile, traffic } from '../support/traffic.js';

const KEYS = 60;
const PREFIX = 'failover';
const CHANNEL = 'failover:invalidation';

/**
 * A master of a 3-master, 3-replica cluster killed (SIGKILL) under a stream of reads and writes: its
 * replica takes over after `cluster-node-timeout`. The master killed is the one that serves the bus's
 * channel, so that the sharded subscription has to move too.
 */
describeWithScratchRedis('a Redis Cluster layer when a master dies', () => {
  let cluster: ScratchCluster;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    cluster = await ScratchCluster.start({ nodeTimeout: 1000 });
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await cluster?.kill();
  });

  /** One application instance: a small local memory layer, the cluster, and the shared database. */
  function instance(database: TestStore<string>) {
    const contained: unknown[] = [];
    const memory = new MemoryStore<string, string>({ max: 4 });
    const bus = new RedisInvalidationBus({ cluster: { nodes: cluster.nodes }, channel: CHANNEL });
    const store = new DelegatedStore<string, string>(
      [
        { store: memory, name: 'memory', local: true },
        {
          store: new RedisStore<string>({ cluster: { nodes: cluster.nodes }, prefix: PREFIX }),
          name: 'redis',
          timeout: 100,
        },
        { store: database, primary: true, name: 'db' },
      ],
      withInvalidationBus(bus),
      withErrorHandler((error) => contained.push(error)),
    );
    return { store, memory, bus, contained };
  }

  it('0 caller errors, 0 wrong values, 0 stale entries after failover, and the bus still delivers', async () => {
    const database = new TestStore<string>();
    const a = instance(database);
    const b = instance(database);
    await Promise.all([a.bus.subscribe(() => {}), b.bus.subscribe(() => {})]);
    for (let k = 0; k < KEYS; k++) await a.store.set(`k${k}`, `k${k}#1`);
    const victim = await cluster.masterOf(hashSlot(CHANNEL));

    const load = traffic(a.store, { keys: KEYS });
    await sleep(300);
    const killedAt = performance.now();
    await victim.stop('SIGKILL');
    // The cluster is whole again once every live node sees every other and all slots are served.
    await cluster.waitUntilHealthy(30_000);
    const failover = performance.now() - killedAt;
    await sleep(1500);
    load.readOnly();
    await sleep(1500);
    await load.stop();

    // The bus: B holds a key locally; A writes it; B drops its copy and reads the new value.
    const key = 'k1';
    expect(await b.store.get(key)).toBe(`${key}#${load.committed[1]}`);
    await b.store.drain();
    expect(await b.memory.get(key)).toBeDefined();
    await a.store.set(key, `${key}#after`);
    const deadline = Date.now() + 5000;
    while ((await b.memory.get(key)) !== undefined && Date.now() < deadline) await sleep(10);
    expect(await b.memory.get(key)).toBeUndefined();
    expect(await b.store.get(key)).toBe(`${key}#after`);

    // Redis holds, for each key, the database's value or nothing: once the repairs ran (within a second).
    const raw = await connectedCluster(cluster.nodes.filter((_, i) => cluster.servers[i].running));
    let stale: string[] = [];
    for (let attempt = 0; attempt < 30; attempt++) {
      stale = [];
      for (let k = 0; k < KEYS; k++) {
        const text = await raw.get(`${PREFIX}:k${k}`);
        const held = text === null ? undefined : (JSON.parse(text.replace(/^~\d+~/, '')) as string);
        if (held !== undefined && held !== database.data.get(`k${k}`)) stale.push(`k${k}: ${held}`);
      }
      if (stale.length === 0) break;
      await sleep(100);
    }
    await raw.quit();

    const during = load.latencies.filter(
      (_, i) => load.startedAt[i] >= killedAt && load.startedAt[i] <= killedAt + failover,
    );
    const report = {
      failoverMs: Math.round(failover),
      reads: load.reads,
      writes: load.writes,
      callerErrors: load.problems.filter((problem) => problem.includes('rejected')).length,
      wrongValues: load.problems.filter((problem) => problem.includes('gave')).length,
      staleEntries: stale.length,
      readsDuringFailover: during.length,
      readP50DuringFailoverMs: Number(percentile(during, 50).toFixed(2)),
      readP99DuringFailoverMs: Number(percentile(during, 99).toFixed(2)),
      slowestReadMs: Math.round(load.slowest),
      redisErrorsContained: a.contained.length,
    };
    if (process.env.REDIS_FAULTS_REPORT) console.log(JSON.stringify(report, null, 2));
    await Promise.all([a.store.close(), b.store.close()]);

    expect(load.problems.slice(0, 5)).toEqual([]);
    expect(stale).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(load.reads).toBeGreaterThan(100);
    expect(load.writes).toBeGreaterThan(20);
    expect(during.length).toBeGreaterThan(0);
    expect(a.contained.length).toBeGreaterThan(0); // the dead master's keys failed, and were contained
  });
});
