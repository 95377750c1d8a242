import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisStore } from '../../lib/redis/index.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';

/**
 * The connection a RedisStore opens coalesces the socket writes of the writes sent in one tick: the
 * first goes out at once, the others leave together at the end of the tick. Counted on the real socket
 * (its write and writev calls, one system call each), against a real Redis.
 */
describeWithRedis('coalesced socket writes', () => {
  const prefix = `coalesce${randomUUID().slice(0, 8)}`;
  let store: RedisStore<{ n: number }>;
  let writes: { write: number; writev: number; commandsInWritev: number };

  beforeAll(async () => {
    store = new RedisStore<{ n: number }>({ url: REDIS_URL, prefix });
    await store.set('warm', { n: 0 });
    const socket = (store.client as Redis & { stream: Record<string, unknown> }).stream as unknown as {
      _write: (...args: unknown[]) => unknown;
      _writev: (chunks: unknown[], callback: unknown) => unknown;
    };
    writes = { write: 0, writev: 0, commandsInWritev: 0 };
    const write = socket._write;
    const writev = socket._writev;
    socket._write = function (this: unknown, ...args: unknown[]) {
      writes.write++;
      return write.apply(this, args);
    };
    socket._writev = function (this: unknown, chunks: unknown[], callback: unknown) {
      writes.writev++;
      writes.commandsInWritev += chunks.length;
      return writev.call(this, chunks, callback);
    };
  });

  afterAll(async () => {
    await store.clear();
    await store.close();
  });

  it('sends a lone command at once, in its own write', async () => {
    writes.write = writes.writev = writes.commandsInWritev = 0;
    const done = store.set('alone', { n: 1 });
    expect(writes.write).toBe(1); // written before set() returned: nothing waits for the tick
    await done;
    expect(await store.get('alone')).toEqual({ n: 1 });
  });

  it('sends the commands of one tick in two writes: the first at once, the rest together', async () => {
    writes.write = writes.writev = writes.commandsInWritev = 0;
    await Promise.all(Array.from({ length: 20 }, (_, n) => store.set(`k${n}`, { n })));
    expect(writes).toEqual({ write: 1, writev: 1, commandsInWritev: 19 });
    const values = await store.getMany(Array.from({ length: 20 }, (_, n) => `k${n}`));
    expect(values).toEqual(Array.from({ length: 20 }, (_, n) => ({ n })));
  });

  it('commands issued from the continuations of one tick leave together too', async () => {
    writes.write = writes.writev = writes.commandsInWritev = 0;
    const chained = (n: number) => Promise.resolve().then(() => store.delete(`k${n}`));
    await Promise.all([store.delete('k0'), chained(1), chained(2), chained(3)]);
    expect(writes).toEqual({ write: 1, writev: 1, commandsInWritev: 3 });
    expect(await store.getMany(['k0', 'k1', 'k2', 'k3', 'k4'])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      { n: 4 },
    ]);
  });
});
