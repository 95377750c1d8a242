import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DelegatedStoreClass, MemoryStore, type Store } from 'nestjs-delegated-store';

interface User {
  id: string;
  name: string;
}

/** The store's class: its type and its injection token, with <K, V> written once. */
export class UsersStore extends DelegatedStoreClass<string, User>() {}

/** The source of truth (in your app: a repository over your database). */
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

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersStore) {} // injected by its class: no decorator

  find(id: string): Promise<User | undefined> {
    return this.users.get(`user:${id}`);
  }

  rename(id: string, name: string): Promise<void> {
    return this.users.set(`user:${id}`, { id, name }); // the table first, then the memory layer
  }
}

@Module({
  imports: [
    UsersStore.forRoot({
      layers: [
        { name: 'memory', store: new MemoryStore(), ttl: 60_000 }, // a MemoryStore<string, User>
        { name: 'database', store: new UserTable(), primary: true },
      ],
    }),
  ],
  providers: [UsersService],
})
export class AppModule {}

export async function nestQuickStart() {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const users = app.get(UsersService);
  const before = await users.find('1'); // from the table, back-filled into memory
  await users.rename('1', 'Ada Lovelace');
  const after = await users.find('1'); // from memory: the new value
  const stats = app.get(UsersStore).stats();
  await app.close(); // closes the store: writes and backfills in flight finish first
  return { before, after, hits: stats.layers.map((layer) => `${layer.name}: ${layer.hits}`) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await nestQuickStart());
}
