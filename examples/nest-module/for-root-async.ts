/**
 * forRootAsync: the store's options built at boot from providers (your configuration, your repository).
 * Numbers from the environment are parsed once, in the configuration: a ttl must be a number.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DelegatedStoreClass, MemoryStore, type Store } from 'nestjs-delegated-store';
import { RedisInvalidationBus, RedisStore } from 'nestjs-delegated-store/redis';

interface User {
  id: string;
  name: string;
}

/** Your configuration, parsed and typed once (numbers are numbers, not strings from process.env). */
@Injectable()
export class AppConfig {
  readonly redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  readonly redisPrefix = process.env.REDIS_PREFIX ?? 'users';
  readonly cacheTtlMs = Number(process.env.CACHE_TTL_MS ?? 60_000);
}

/** Your repository over the users table (get, set, delete by `user:<id>`). */
@Injectable()
export class UsersRepository implements Store<string, User> {
  readonly rows = new Map<string, User>([['user:1', { id: '1', name: 'Ada' }]]); // your table
  async get(key: string): Promise<User | undefined> {
    return this.rows.get(key); // SELECT … WHERE id = $1
  }
  async set(key: string, value: User): Promise<void> {
    this.rows.set(key, value); // INSERT … ON CONFLICT DO UPDATE
  }
  async delete(key: string): Promise<void> {
    this.rows.delete(key); // DELETE …
  }
}

@Module({ providers: [AppConfig, UsersRepository], exports: [AppConfig, UsersRepository] })
export class DatabaseModule {}

export class UsersStore extends DelegatedStoreClass<string, User>() {}

@Module({
  imports: [
    UsersStore.forRootAsync({
      imports: [DatabaseModule], // also makes the store close before the database (see Shutdown)
      inject: [AppConfig, UsersRepository],
      useFactory: (config: AppConfig, repository: UsersRepository) => ({
        layers: [
          { name: 'memory', store: new MemoryStore(), ttl: config.cacheTtlMs, local: true },
          {
            name: 'redis',
            store: new RedisStore({ url: config.redisUrl, prefix: config.redisPrefix }),
            ttl: 3_600_000,
            timeout: 100,
          },
          { name: 'database', store: repository, primary: true },
        ],
        bus: new RedisInvalidationBus({ url: config.redisUrl, channel: 'users:invalidation' }),
      }),
    }),
  ],
})
export class UsersModule {}

export async function forRootAsync() {
  const app = await NestFactory.createApplicationContext(UsersModule, { logger: false, abortOnError: false });
  const users = app.get(UsersStore);
  const served: Array<string | undefined> = [];
  const onServed = (layer: string | undefined) => served.push(layer);
  const first = await users.get('user:1', { onServed }); // from the database, back-filled
  await users.drain(); // (the backfill is in the background: wait for it, for the next read)
  const second = await users.get('user:1', { onServed }); // from memory
  await app.close(); // closes the store, its Redis connections and the bus
  return { first, second, served };
}
