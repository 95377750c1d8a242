/**
 * The scratch app of the pack test (test/package/pack-test.mjs): copied into a fresh strict NodeNext
 * app where `nestjs-delegated-store` is the installed tarball, compiled there, and run (and
 * conformance.test.ts beside it, under node:test). In this
 * repository, tsc checks it too (the package name maps to lib/ through tsconfig "paths").
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  DelegatedCached,
  DelegatedStore,
  DelegatedStoreModule,
  MemoryStore,
  NotFoundError,
  type Store,
} from 'nestjs-delegated-store';
import { RedisInvalidationBus, RedisStore } from 'nestjs-delegated-store/redis';
import {
  STORE_CAPABILITIES,
  describeStoreConformance,
  type StoreCapability,
} from 'nestjs-delegated-store/testing';
// @ts-expect-error: only the entries of "exports" can be imported, not the files behind them
import type { StoreStats } from 'nestjs-delegated-store/dist/lib/core/stats.js';

interface User {
  id: string;
  name: string;
}

class UserTable implements Store<string, User> {
  readonly rows = new Map<string, User>([['user:1', { id: '1', name: 'Ada' }]]);
  async get(key: string) {
    return this.rows.get(key);
  }
  async set(key: string, value: User) {
    this.rows.set(key, value);
  }
  async delete(key: string) {
    this.rows.delete(key);
  }
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`scratch app: ${what}`);
}

async function core(): Promise<void> {
  const table = new UserTable();
  const store = new DelegatedStore<string, User>([
    { store: new MemoryStore({ max: 100 }), ttl: 60_000, name: 'memory' },
    { store: table, primary: true, name: 'database' },
  ]);
  const user: User | undefined = await store.get('user:1');
  check(user?.name === 'Ada', `get returned ${JSON.stringify(user)}`);
  // @ts-expect-error: the value type flows from the package's declarations (it is not any)
  await store.set('user:2', 42);
  await store.set('user:2', { id: '2', name: 'Grace' });
  check(table.rows.get('user:2')?.name === 'Grace', 'set did not reach the primary layer');
  await store.close();
  check(new NotFoundError() instanceof Error, 'NotFoundError is not an Error');
}

function redisEntry(): void {
  // Loaded with ioredis, never connected: the entry resolves and its classes are what they say.
  check(typeof RedisStore === 'function' && typeof RedisInvalidationBus === 'function', 'the redis entry');
  const stats: StoreStats | undefined = undefined;
  void stats;
}

function testingEntry(): void {
  // Loaded without a test runner (conformance.test.ts runs it under node:test): the entry resolves.
  check(typeof describeStoreConformance === 'function', 'the testing entry');
  const capability: StoreCapability = 'getSet';
  check(STORE_CAPABILITIES.includes(capability), 'the testing entry lists the capabilities');
  // @ts-expect-error: capabilities are typed (the entry's declarations are not any)
  const wrong: StoreCapability = 'getset';
  void wrong;
}

@Injectable()
class ProductsService {
  calls = 0;

  @DelegatedCached({ store: 'cache', key: (id: string) => `products:${id}` })
  async findOne(id: string): Promise<{ id: string; calls: number }> {
    this.calls++;
    return { id, calls: this.calls };
  }
}

@Module({
  imports: [
    DelegatedStoreModule.forRoot({
      name: 'cache',
      layers: [{ store: new MemoryStore({ max: 100 }), ttl: 60_000 }],
    }),
  ],
  providers: [ProductsService],
})
class AppModule {}

async function nest(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const products = app.get(ProductsService);
  await products.findOne('p-1');
  const second = await products.findOne('p-1');
  check(second.calls === 1 && products.calls === 1, `the cached method ran ${products.calls} times`);
  await app.close();
}

await core();
redisEntry();
testingEntry();
await nest();
console.log('scratch app: ok');
