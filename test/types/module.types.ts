/**
 * Type tests of the module, the typed store classes and the tokens: types written once flow into the
 * layers, middlewares, callbacks and injection points; the `@ts-expect-error` lines must not compile.
 */
import { Injectable, Module } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import {
  DelegatedStore,
  DelegatedStoreClass,
  DelegatedStoreModule,
  MemoryStore,
  getDelegatedStoreToken,
  loggingMiddleware,
  type Middleware,
  type Store,
} from '../../lib/index.js';
import { RedisStore } from '../../lib/redis/index.js';

interface User {
  id: string;
  name: string;
}
declare const usersTable: Store<string, User>;
declare const productsTable: Store<number, { sku: number }>;

export class UsersStore extends DelegatedStoreClass<string, User>() {}

const userMiddleware: Middleware<string, User> = (next) => (ctx, key, value) => next(ctx, key, value);
const productMiddleware: Middleware<number, { sku: number }> = (next) => next;

// Written once in the class, the types reach the layers (new MemoryStore() is a MemoryStore<string, User>),
// the middlewares and the callbacks.
UsersStore.forRoot({
  layers: [
    { store: new MemoryStore(), ttl: 60_000 },
    { store: new RedisStore(), ttl: 3_600_000 },
    { store: usersTable, primary: true },
  ],
  middlewares: [userMiddleware, loggingMiddleware()],
  backFillCallbacks: [
    (_ctx, key, value) => {
      const k: string = key;
      const name: string = value.name;
      void k;
      void name;
    },
  ],
  onChange: [(_ctx, _key, oldValue, newValue) => void [oldValue.name, newValue.name]],
});

UsersStore.forRoot({
  // @ts-expect-error a layer of another key type
  layers: [{ store: productsTable, primary: true }],
});

UsersStore.forRoot({
  layers: [{ store: new MemoryStore() }],
  // @ts-expect-error a middleware of other types
  middlewares: [productMiddleware],
});

UsersStore.forRoot({
  layers: [{ store: new MemoryStore() }],
  backFillCallbacks: [
    (_ctx, key) => {
      // @ts-expect-error the key is a string
      const wrong: number = key;
      void wrong;
    },
  ],
});

// Cache layers take grace and refreshAhead; the module takes the store's freshness options.
UsersStore.forRoot({
  layers: [
    { store: new MemoryStore(), ttl: 60_000, grace: 300_000, refreshAhead: 10_000 },
    { store: new RedisStore(), ttl: 3_600_000, grace: 3_600_000 },
    { store: usersTable, primary: true },
  ],
  staleTimeout: 50,
  negativeTtl: 30_000,
  ttlJitter: 0.1,
});

UsersStore.forRootAsync({
  useFactory: () => ({
    layers: [{ store: new MemoryStore(), ttl: 60_000, grace: 300_000, refreshAhead: 10_000 }],
    staleTimeout: 50,
  }),
});

UsersStore.forRoot({
  // @ts-expect-error grace is a number of milliseconds
  layers: [{ store: new MemoryStore(), ttl: 60_000, grace: '5m' }],
});

UsersStore.forRoot({
  layers: [{ store: new MemoryStore() }],
  // @ts-expect-error staleTimeout is a number of milliseconds
  staleTimeout: true,
});

// The contract's forRoot infers from its type arguments, written once.
DelegatedStoreModule.forRoot<string, User>({
  layers: [{ store: new MemoryStore() }, { store: usersTable, primary: true }],
  middlewares: [userMiddleware],
});

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersStore) {}

  async name(id: string): Promise<string | undefined> {
    const user = await this.users.get(id);
    // @ts-expect-error the store holds Users, not numbers
    const wrong: number | undefined = await this.users.get(id);
    void wrong;
    return user?.name;
  }
}

@Module({
  imports: [UsersStore.forRoot({ layers: [{ store: new MemoryStore() }] })],
  providers: [UsersService],
})
export class UsersModule {}

export function lookups(app: INestApplicationContext): void {
  const users = app.get(UsersStore);
  const sameUsers = app.get(getDelegatedStoreToken(UsersStore));
  const typed: DelegatedStore<string, User> = users;
  // @ts-expect-error a UsersStore is not a store of numbers
  const wrong: DelegatedStore<number, User> = sameUsers;
  void [typed, wrong];
  const defaultToken: typeof DelegatedStore = getDelegatedStoreToken();
  const namedToken: string = getDelegatedStoreToken('sessions');
  void [defaultToken, namedToken];
}
