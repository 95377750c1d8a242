/**
 * Issue 11, point 4: closing an application whose store has a RedisInvalidationBus, right after boot or
 * right after a write, used to log `ERROR [users] the invalidation bus failed: Connection is closed.`
 * A close ends the bus's connections itself: nothing may be logged at ERROR for that. Real Redis.
 */
import 'reflect-metadata';
import { afterEach, expect, it } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { DelegatedStore, DelegatedStoreModule, MemoryStore } from '../../lib/index.js';
import { RedisInvalidationBus } from '../../lib/redis/index.js';
import { describeWithRedis, REDIS_URL } from '../support/services.js';

/** A Nest logger that keeps what was logged at error and warn level. */
class RecordingLogger implements LoggerService {
  readonly errors: string[] = [];
  log(): void {}
  warn(message: unknown): void {
    this.errors.push(`warn: ${String(message)}`);
  }
  error(message: unknown): void {
    this.errors.push(`error: ${String(message)}`);
  }
  debug(): void {}
  verbose(): void {}
}

describeWithRedis('closing a store with a Redis invalidation bus', () => {
  const channel = `close-logging:${randomUUID()}`;
  let logger: RecordingLogger;

  afterEach(() => {
    expect(logger.errors).toEqual([]);
  });

  async function app() {
    logger = new RecordingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelegatedStoreModule.forRoot<string, string>({
          name: 'users',
          layers: [{ store: new MemoryStore<string, string>(), local: true, name: 'memory' }],
          bus: new RedisInvalidationBus({ url: REDIS_URL, channel }),
        }),
      ],
    })
      .setLogger(logger)
      .compile();
    const nest = moduleRef.createNestApplication({ logger });
    await nest.init();
    return nest;
  }

  it.each([1, 2, 3, 4, 5])('right after boot (run %i): nothing is logged at ERROR', async () => {
    const nest = await app();
    await nest.close();
  });

  it.each([1, 2, 3, 4, 5])('right after a write (run %i): nothing is logged at ERROR', async () => {
    const nest = await app();
    const store = nest.get<DelegatedStore<string, string>>('DelegatedStore:users');
    await store.set('k', 'v');
    void store.delete('k');
    await nest.close();
  });
});
