import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DelegatedStore,
  LayerTimeoutError,
  withErrorHandler,
  type Store,
  type StoreStats,
} from '../../lib/index.js';
import { MemoryStore } from '../../lib/stores/index.js';
import { RedisStore, RedisUnavailableError } from '../../lib/redis/index.js';
import { ScratchRedis } from '../support/redis-server.js';
import { TestStore } from '../support/test-store.js';
import { traffic as startTraffic } from '../support/traffic.js';

const REDIS_TIMEOUT = 100;
/** A behaviour bound, not a benchmark: a read never waits on Redis much longer than the layer's timeout. */
const READ_BOUND = REDIS_TIMEOUT + 400;
const KEYS = 40;

function traffic(store: DelegatedStore<string, string>) {
  return startTraffic(store, { keys: KEYS, readBound: READ_BOUND });
}

function redisHits(stats: StoreStats): number {
  return stats.layers.find((layer) => layer.name === 'redis')!.hits;
}

describe('a Redis layer when Redis fails', () => {
  let server: ScratchRedis;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const report: Record<string, { reads: number; writes: number; slowestMs: number }> = {};

  beforeAll(async () => {
    server = await ScratchRedis.start();
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await server.kill();
    if (process.env.REDIS_FAULTS_REPORT) console.log(JSON.stringify(report, null, 2));
  });

  /** [memory, Redis with a timeout, an in-test primary], with every key written once. */
  async function layeredStore() {
    const primary = new TestStore<string>();
    const redis = new RedisStore<string>({ url: server.url, prefix: `faults-${randomUUID()}` });
    const contained: unknown[] = [];
    const store = new DelegatedStore<string, string>(
      [
        // Small, so that most reads go past it to Redis.
        { store: new MemoryStore<string, string>({ max: 4 }), name: 'memory' },
        { store: redis, name: 'redis', timeout: REDIS_TIMEOUT },
        { store: primary, primary: true, name: 'db' },
      ],
      withErrorHandler((error) => contained.push(error)),
    );
    if (server.running) {
      for (let k = 0; k < KEYS; k++) await store.set(`k${k}`, `k${k}#1`);
    } else {
      for (let k = 0; k < KEYS; k++) primary.data.set(`k${k}`, `k${k}#1`);
    }
    return { store, primary, redis, contained };
  }

  /**
   * Runs traffic through an outage: `breakIt` at 300 ms, `repair` `outage` ms later, then 1.2 s of reads
   * only, so that a value the outage left stale in Redis would be read rather than overwritten.
   */
  async function throughOutage(
    name: string,
    breakIt: () => Promise<void> | void,
    repair: () => Promise<void> | void,
    outage: number,
  ) {
    const { store, contained } = await layeredStore();
    const load = traffic(store);
    await sleep(300);
    const before = redisHits(store.stats());
    await breakIt();
    await sleep(outage);
    const during = redisHits(store.stats());
    load.readOnly();
    await repair();
    await sleep(1200);
    const after = redisHits(store.stats());
    await load.stop();
    await store.close();
    report[name] = { reads: load.reads, writes: load.writes, slowestMs: Math.round(load.slowest) };

    expect(load.problems.slice(0, 5)).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(load.reads).toBeGreaterThan(100);
    expect(load.writes).toBeGreaterThan(20);
    expect(before).toBeGreaterThan(0); // Redis served reads before the outage...
    expect(contained.length).toBeGreaterThan(0); // ...failed during it (reported, not thrown)...
    expect(after).toBeGreaterThan(during); // ...and serves them again after it.
  }

  it('stopped (connections refused): reads fall through within the timeout, writes succeed, then it recovers', async () => {
    await throughOutage(
      'stopped',
      () => server.stop('SIGTERM'),
      () => server.restart(),
      1000,
    );
  });

  it('killed: the same', async () => {
    await throughOutage(
      'killed',
      () => server.stop('SIGKILL'),
      () => server.restart(),
      1000,
    );
  });

  it('hung (SIGSTOP) past the socket timeout: the same, and no stale value survives the pause', async () => {
    await throughOutage(
      'hung 2.5 s',
      () => server.pause(),
      () => server.resume(),
      2500,
    );
  });

  it('hung briefly (SIGSTOP): the same', async () => {
    await throughOutage(
      'hung 0.5 s',
      () => server.pause(),
      () => server.resume(),
      500,
    );
  });

  it('down when the store starts: reads are served by the other layers, and Redis is used once it is up', async () => {
    await server.stop();
    const { store, redis } = await layeredStore();
    const started = performance.now();
    expect(await store.get('k1')).toBe('k1#1');
    expect(performance.now() - started).toBeLessThan(READ_BOUND);
    await expect(redis.get('k1')).rejects.toBeInstanceOf(RedisUnavailableError);
    const load = traffic(store);
    await sleep(300);
    await server.restart();
    await sleep(1200);
    await load.stop();
    await store.close();
    expect(load.problems.slice(0, 5)).toEqual([]);
    expect(redisHits(store.stats())).toBeGreaterThan(0);
    expect(unhandled).toEqual([]);
  });

  it('refuses commands at once while Redis is down, with an error that says so', async () => {
    const redis = new RedisStore<string>({ url: server.url, prefix: `refuse-${randomUUID()}` });
    await redis.set('k', 'v');
    await server.stop();
    await sleep(50);
    const started = performance.now();
    const error = await redis.get('k').catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(20);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as RedisUnavailableError).code).toBe('REDIS_UNAVAILABLE');
    expect(String(error)).toMatch(/Redis is unavailable .* retried in the background/);
    await expect(redis.set('k', 'w')).rejects.toBeInstanceOf(RedisUnavailableError);
    await server.restart();
    await redis.close();
  });

  it('deletes, once Redis is back, a key whose write failed while Redis was hung', async () => {
    const prefix = `repair-${randomUUID()}`;
    const redis = new RedisStore<string>({ url: server.url, prefix });
    await redis.set('k', 'old');
    server.pause();
    // The write cannot be confirmed: it may or may not land when Redis resumes.
    await expect(redis.set('k', 'new')).rejects.toThrow();
    server.resume();
    const reader = new RedisStore<string>({ url: server.url, prefix });
    for (let i = 0; i < 100 && !(redis.client.status === 'ready'); i++) await sleep(20);
    for (let i = 0; i < 100 && (await reader.get('k')) !== undefined; i++) await sleep(20);
    expect(await reader.get('k')).toBeUndefined();
    expect(await redis.get('k')).toBeUndefined();
    await Promise.all([redis.close(), reader.close()]);
  });

  // Issue 12: a write refused while the store was repairing after a reconnection was added to the keys
  // to repair, but that repair had already taken its list: the key kept its old value in Redis, served
  // once the gate opened, until the next reconnection.
  it('a write issued while the store repairs after a reconnection is not lost, and no old value is served', async () => {
    const prefix = `recovering-${randomUUID()}`;
    const redis = new RedisStore<string>({ url: server.url, prefix });
    const admin = new Redis(server.url);
    try {
      await Promise.all([redis.set('a', 'old'), redis.set('d', 'old'), redis.set('b', 'old')]);
      const id = Number(await redis.client.client('ID'));
      // While the connection is down, a write is refused: 'b' is a key to repair on reconnection.
      const dropped = once(redis.client, 'close').then(() => redis.set('b', 'new').catch((e: unknown) => e));
      // Write commands wait from now on: the repair's DEL will be held until UNPAUSE.
      await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE');
      await admin.call('CLIENT', 'KILL', 'ID', String(id));
      expect(await dropped).toBeInstanceOf(RedisUnavailableError);
      await once(redis.client, 'ready'); // reconnected: the repair of 'b' is under way, and held
      const writes = [
        redis.set('a', 'new').then(
          () => 'ok',
          (e: unknown) => e,
        ),
        redis.delete('d').then(
          () => 'ok',
          (e: unknown) => e,
        ),
      ];
      await expect(redis.get('a')).rejects.toBeInstanceOf(RedisUnavailableError); // reads wait for the repair
      await admin.call('CLIENT', 'UNPAUSE');
      const outcomes = await Promise.all(writes);
      let a: string | undefined;
      for (let i = 0; i < 200; i++) {
        const read = await redis.get('a').then(
          (value) => ({ value }),
          (e: unknown) => e,
        );
        if (!(read instanceof RedisUnavailableError)) {
          a = (read as { value: string | undefined }).value;
          break;
        }
        await sleep(10);
      }
      expect(a).toBe('new'); // before the fix: 'old'; reverted now: a miss (its refused write left it unsure)
      expect(await redis.get('d')).toBeUndefined(); // before the fix: 'old' (reverted now: a miss too)
      expect(await redis.get('b')).toBeUndefined(); // repaired: its refused write may have been 'new'
      expect(outcomes).toEqual(['ok', 'ok']); // before the fix: both refused
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => {});
      admin.disconnect();
      await redis.close();
    }
  });

  it('a primary layer that times out rejects the read with LayerTimeoutError', async () => {
    const hung: Store<string, string> = {
      get: () => new Promise(() => {}),
      set: async () => {},
      delete: async () => {},
    };
    const store = new DelegatedStore<string, string>([
      { store: new MemoryStore<string, string>(), name: 'memory' },
      { store: hung, primary: true, name: 'db', timeout: 50 },
    ]);
    const started = performance.now();
    const error = await store.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LayerTimeoutError);
    expect(error).toMatchObject({ layerName: 'db', timeout: 50 });
    expect(performance.now() - started).toBeLessThan(50 + 400);
    await store.close();
  });
});
