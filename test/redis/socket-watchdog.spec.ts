import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import type { Cluster, Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DelegatedStore, withErrorHandler } from '../../lib/index.js';
import { MemoryStore } from '../../lib/stores/index.js';
import { RedisStore } from '../../lib/redis/index.js';
import { hashSlot } from '../../lib/redis/hash-slot.js';
import { describeWithScratchRedis, ScratchCluster } from '../support/redis-cluster.js';
import { ScratchRedis } from '../support/redis-server.js';
import { TestStore } from '../support/test-store.js';

/**
 * The socket watchdog that replaces ioredis's per-command `socketTimeout` timer: a connection whose
 * commands waited `socketTimeout` ms without a byte is destroyed (commands fail, reconnection follows),
 * an idle or busy-but-answering connection is left alone, and its timer is unref'd and ends with the
 * connection.
 */

/** The intervals created and not yet cleared, tracked through the globals (the watchdog calls them). */
const live = new Set<ReturnType<typeof setInterval>>();
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;
function trackIntervals(): void {
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const handle = realSetInterval(...args);
    live.add(handle);
    return handle;
  }) as typeof setInterval;
  globalThis.clearInterval = ((handle?: Parameters<typeof clearInterval>[0]) => {
    live.delete(handle as ReturnType<typeof setInterval>);
    realClearInterval(handle);
  }) as typeof clearInterval;
}
function untrackIntervals(): void {
  globalThis.setInterval = realSetInterval;
  globalThis.clearInterval = realClearInterval;
  live.clear();
}

interface Internals {
  socketTimeoutTimer?: unknown;
}

async function elapsedUntilSettled(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { ms: performance.now() - started, error };
}

describeWithScratchRedis('the socket watchdog (one Redis)', () => {
  let server: ScratchRedis;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    server = await ScratchRedis.start();
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await server.kill();
  });
  beforeEach(trackIntervals);
  afterEach(() => {
    untrackIntervals();
    expect(unhandled).toEqual([]);
  });

  it('ioredis arms no timer per command: the option is kept by the watchdog', async () => {
    const store = new RedisStore<string>({ url: server.url, prefix: `wd-${randomUUID()}` });
    try {
      await store.set('k', 'v');
      const read = store.get('k');
      const client = store.client as Redis;
      expect(client.options.socketTimeout).toBeUndefined();
      expect((client as unknown as Internals).socketTimeoutTimer).toBeUndefined();
      expect(await read).toBe('v');
      // One interval for the connection, unref'd: it never keeps a process alive.
      expect(live.size).toBe(1);
      for (const handle of live) expect(handle.hasRef()).toBe(false);
    } finally {
      await store.close();
    }
    expect(live.size).toBe(0); // stopped with the connection
  });

  it('a hung Redis (SIGSTOP) is dropped after socketTimeout: reads fail instead of hanging, and it reconnects', async () => {
    const store = new RedisStore<string>({
      url: server.url,
      prefix: `wd-${randomUUID()}`,
      redisOptions: { socketTimeout: 400 },
    });
    try {
      await store.set('k', 'v');
      const client = store.client as Redis;
      server.pause();
      const closed = new Promise((resolve) => client.once('close', resolve));
      const dropped = new Promise((resolve) => client.once('error', resolve));
      const { ms, error } = await elapsedUntilSettled(store.get('k'));
      await closed;
      expect(error).toBeInstanceOf(Error); // the command is failed as the connection closes
      expect(String(await dropped)).toMatch(
        /Socket timeout. Expecting data, but didn't receive any in 400ms/,
      );
      // Not before the timeout; within one check interval (50 ms) of it, with room for a busy machine.
      expect(ms).toBeGreaterThanOrEqual(395);
      expect(ms).toBeLessThan(400 + 50 + 400);
      expect(live.size).toBe(0); // the dropped socket's timer ended with it
      server.resume();
      for (let i = 0; i < 200 && client.status !== 'ready'; i++) await sleep(10);
      let value: string | undefined;
      for (let i = 0; i < 100 && value === undefined; i++) {
        value = await store.get('k').catch(() => undefined);
        if (value === undefined) await sleep(20);
      }
      expect(value).toBe('v');
      expect(live.size).toBe(1); // a new one for the new socket
    } finally {
      if (!server.running) await server.restart();
      else server.resume();
      await store.close();
    }
    expect(live.size).toBe(0);
  });

  it('with the defaults, a hung Redis is dropped after about 2 s', async () => {
    const store = new RedisStore<string>({ url: server.url, prefix: `wd-${randomUUID()}` });
    try {
      await store.set('k', 'v');
      server.pause();
      const { ms, error } = await elapsedUntilSettled(store.get('k'));
      expect(error).toBeInstanceOf(Error);
      expect(ms).toBeGreaterThanOrEqual(1995);
      expect(ms).toBeLessThan(2000 + 250 + 600);
    } finally {
      server.resume();
      await store.close();
    }
  });

  it('a layer without a timeout over a hung Redis: the read falls through to the next layer after socketTimeout', async () => {
    const primary = new TestStore<string>();
    primary.data.set('k', 'from the database');
    const contained: unknown[] = [];
    const store = new DelegatedStore<string, string>(
      [
        { store: new MemoryStore<string, string>(), name: 'memory' },
        {
          store: new RedisStore<string>({
            url: server.url,
            prefix: `wd-${randomUUID()}`,
            redisOptions: { socketTimeout: 300 },
          }),
          name: 'redis',
        },
        { store: primary, primary: true, name: 'db' },
      ],
      withErrorHandler((error) => contained.push(error)),
    );
    try {
      await store.has('k'); // connected
      await store.getLayer(1).store.get('warm-up');
      server.pause();
      const started = performance.now();
      expect(await store.get('k')).toBe('from the database');
      const ms = performance.now() - started;
      expect(ms).toBeGreaterThanOrEqual(295);
      expect(ms).toBeLessThan(300 + 40 + 400);
      expect(contained.length).toBeGreaterThan(0);
    } finally {
      server.resume();
      await store.close();
    }
  });

  it('an idle connection, and one whose replies keep coming, are not dropped', async () => {
    const store = new RedisStore<string>({
      url: server.url,
      prefix: `wd-${randomUUID()}`,
      redisOptions: { socketTimeout: 200 },
    });
    try {
      await store.set('k', 'v');
      const client = store.client as Redis;
      let closes = 0;
      client.on('close', () => closes++);
      await sleep(700); // idle for 3.5 timeouts
      expect(await store.get('k')).toBe('v');
      // Busy for 3 timeouts: a read always in flight, each answered.
      const until = performance.now() + 600;
      let reads = 0;
      while (performance.now() < until) {
        await Promise.all([store.get('k'), store.get('k'), store.get('k')]);
        reads++;
      }
      expect(reads).toBeGreaterThan(10);
      expect(closes).toBe(0);
      expect(client.status).toBe('ready');
    } finally {
      await store.close();
    }
  });

  it('a slow command that answers within socketTimeout is not dropped', async () => {
    const store = new RedisStore<string>({
      url: server.url,
      prefix: `wd-${randomUUID()}`,
      redisOptions: { socketTimeout: 600 },
    });
    try {
      await store.set('k', 'v');
      const client = store.client as Redis;
      let closes = 0;
      client.on('close', () => closes++);
      // WAIT for a replica that does not exist holds the connection's replies for 0.4 s: the read
      // behind it waits that long without a byte.
      const started = performance.now();
      const slow = client.wait(1, 400);
      expect(await store.get('k')).toBe('v');
      expect(await slow).toBe(0);
      expect(performance.now() - started).toBeGreaterThanOrEqual(390);
      expect(closes).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('a store closed while Redis hangs leaves no timer running', async () => {
    const store = new RedisStore<string>({
      url: server.url,
      prefix: `wd-${randomUUID()}`,
      redisOptions: { socketTimeout: 5000 },
    });
    await store.set('k', 'v');
    server.pause();
    const pending = store.get('k').catch((e: unknown) => e);
    try {
      await sleep(50);
      expect(live.size).toBe(1);
      await store.close();
      expect(await pending).toBeInstanceOf(Error);
      // The socket ends within ioredis's disconnectTimeout (200 ms), and its watchdog with it.
      for (let i = 0; i < 50 && live.size > 0; i++) await sleep(20);
      expect(live.size).toBe(0);
    } finally {
      server.resume();
    }
  });
});

describeWithScratchRedis('the socket watchdog (Redis Cluster node connections)', () => {
  let cluster: ScratchCluster;

  // A long node timeout: the paused master must not fail over during the test.
  beforeAll(async () => {
    cluster = await ScratchCluster.start({ nodeTimeout: 10_000 });
  });
  afterAll(async () => {
    await cluster?.kill();
  });
  beforeEach(trackIntervals);
  afterEach(untrackIntervals);

  it('each node connection is watched: a hung master fails the reads of its slots, the others go on', async () => {
    const prefix = `wd-${randomUUID()}`;
    const store = new RedisStore<string>({
      cluster: { nodes: cluster.nodes, options: { redisOptions: { socketTimeout: 400 } } },
      prefix,
    });
    const paused: ScratchRedis[] = [];
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
      for (const key of keys) await store.set(key, key);
      const client = store.client as Cluster;
      const nodes = client.nodes();
      expect(nodes.length).toBeGreaterThan(1);
      for (const node of nodes) {
        expect(node.options.socketTimeout).toBeUndefined();
        expect((node as unknown as Internals).socketTimeoutTimer).toBeUndefined();
      }
      for (const handle of live) expect(handle.hasRef()).toBe(false);
      expect(live.size).toBeGreaterThanOrEqual(3); // the masters at least

      // Who serves each key, found before anything hangs.
      const owners = new Map<string, number>();
      for (const key of keys) owners.set(key, (await cluster.masterOf(hashSlot(`${prefix}:${key}`))).port);
      const server = await cluster.masterOf(hashSlot(`${prefix}:k0`));
      const other = keys.filter((key) => owners.get(key) !== server.port);
      expect(other.length).toBeGreaterThan(0);
      // The master that serves k0's slot, hung.
      server.pause();
      paused.push(server);
      const { ms, error } = await elapsedUntilSettled(store.get('k0'));
      expect(error).toBeInstanceOf(Error);
      expect(ms).toBeGreaterThanOrEqual(395);
      expect(ms).toBeLessThan(400 + 50 + 600);
      // A key on another master is still served.
      expect(await store.get(other[0])).toBe(other[0]);
    } finally {
      for (const server of paused) server.resume();
      await store.close();
    }
    // Every node's watchdog ended with its connection.
    for (let i = 0; i < 50 && live.size > 0; i++) await sleep(20);
    expect(live.size).toBe(0);
  });
});
