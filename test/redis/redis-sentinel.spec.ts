import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { DelegatedStore, withErrorHandler, withInvalidationBus } from '../../lib/index.js';
import { MemoryStore } from '../../lib/stores/index.js';
import { RedisInvalidationBus, RedisStore } from '../../lib/redis/index.js';
import { describeWithScratchRedis } from '../support/redis-cluster.js';
import { ScratchSentinels } from '../support/redis-sentinel.js';
import { TestStore } from '../support/test-store.js';
import { percentile, traffic } from '../support/traffic.js';

const KEYS = 40;
const PREFIX = 'sentinel';

/** A master watched by 3 sentinels killed (SIGKILL) under load: its replica is promoted. */
describeWithScratchRedis('a Redis layer and bus behind Sentinel when the master dies', () => {
  let setup: ScratchSentinels;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    setup = await ScratchSentinels.start(3, 1000);
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await setup?.kill();
  });

  function instance(database: TestStore<string>) {
    const contained: unknown[] = [];
    const memory = new MemoryStore<string, string>({ max: 4 });
    const redisOptions = { sentinels: setup.sentinels, name: setup.name };
    // Built from the Sentinel options alone: no url.
    const bus = new RedisInvalidationBus({ redisOptions, channel: 'sentinel:invalidation' });
    const redis = new RedisStore<string>({ redisOptions, prefix: PREFIX });
    const store = new DelegatedStore<string, string>(
      [
        { store: memory, name: 'memory', local: true },
        { store: redis, name: 'redis', timeout: 100 },
        { store: database, primary: true, name: 'db' },
      ],
      withInvalidationBus(bus),
      withErrorHandler((error) => contained.push(error)),
    );
    return { store, memory, bus, redis, contained };
  }

  it('0 caller errors, 0 wrong values, 0 stale entries after failover, and the bus still delivers', async () => {
    const database = new TestStore<string>();
    const a = instance(database);
    const b = instance(database);
    await Promise.all([a.bus.subscribe(() => {}), b.bus.subscribe(() => {})]);
    for (let k = 0; k < KEYS; k++) await a.store.set(`k${k}`, `k${k}#1`);
    const oldMaster = await setup.masterPort();
    expect(oldMaster).toBe(setup.master.port);

    const load = traffic(a.store, { keys: KEYS });
    await sleep(300);
    const killedAt = performance.now();
    await setup.master.stop('SIGKILL');
    const deadline = Date.now() + 30_000;
    while ((await setup.masterPort()) === oldMaster || a.redis.client.status !== 'ready') {
      if (Date.now() > deadline) throw new Error('no failover within 30 s');
      await sleep(50);
    }
    const failover = performance.now() - killedAt;
    await sleep(1500);
    load.readOnly();
    await sleep(1500);
    await load.stop();

    // The bus, rebuilt on the new master by itself: B drops its copy of a key that A writes.
    const key = 'k1';
    expect(await b.store.get(key)).toBe(`${key}#${load.committed[1]}`);
    await b.store.drain();
    expect(await b.memory.get(key)).toBeDefined();
    await a.store.set(key, `${key}#after`);
    const until = Date.now() + 5000;
    while ((await b.memory.get(key)) !== undefined && Date.now() < until) await sleep(10);
    expect(await b.memory.get(key)).toBeUndefined();
    expect(await b.store.get(key)).toBe(`${key}#after`);

    // The new master holds, for each key, the database's value or nothing.
    const raw = new Redis(setup.replica.port, '127.0.0.1');
    const stale: string[] = [];
    for (let k = 0; k < KEYS; k++) {
      const text = await raw.get(`${PREFIX}:k${k}`);
      const held = text === null ? undefined : (JSON.parse(text.replace(/^~\d+~/, '')) as string);
      if (held !== undefined && held !== database.data.get(`k${k}`)) stale.push(`k${k}: ${held}`);
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
    expect(a.contained.length).toBeGreaterThan(0);
  });
});
