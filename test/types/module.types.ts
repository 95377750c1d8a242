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

// The contract's forRoot infers from its type arguments, written once: they reach the middlewares and
// the callbacks.
DelegatedStoreModule.forRoot<string, User>({
  layers: [{ store: new MemoryStore() }, { store: usersTable, primary: true }],
  middlewares: [userMiddleware],
  backFillCallbacks: [
    (_ctx, key, value) => {
      const k: string = key;
      const name: string = value.name;
      // @ts-expect-error the key is a string
      const wrong: number = key;
      void [k, name, wrong];
    },
  ],
  onDelete: [
    (_ctx, key) => {
      const k: string = key;
      void k;
    },
  ],
});

// Without type arguments, forRoot infers them from what is typed (the table, the middleware): the untyped
// cache layers in front of it do not widen K and V to unknown.
DelegatedStoreModule.forRoot({
  layers: [
    { store: new MemoryStore(), ttl: 60_000 },
    { store: new RedisStore(), ttl: 3_600_000 },
    { store: usersTable, primary: true },
  ],
  middlewares: [userMiddleware],
  backFillCallbacks: [
    (_ctx, key, value) => {
      const k: string = key;
      const name: string = value.name;
      // @ts-expect-error the key is a string
      const wrong: number = key;
      void [k, name, wrong];
    },
  ],
});

// A cache-only store: the typed middleware gives the types.
DelegatedStoreModule.forRoot({
  name: 'users-cache',
  layers: [{ store: new MemoryStore(), ttl: 60_000 }],
  middlewares: [userMiddleware],
  onChange: [
    (_ctx, key) => {
      // @ts-expect-error the key is a string
      const wrong: number = key;
      void wrong;
    },
  ],
});

// A typed layer next to untyped ones still has to agree with the middleware.
DelegatedStoreModule.forRoot({
  layers: [{ store: new MemoryStore() }, { store: usersTable, primary: true }],
  // @ts-expect-error a middleware of other types than the table's
  middlewares: [productMiddleware],
});

// forRootAsync infers from what its factory returns.
DelegatedStoreModule.forRootAsync({
  useFactory: () => ({
    layers: [{ store: new MemoryStore() }, { store: usersTable, primary: true }],
    backFillCallbacks: [
      (_ctx, key) => {
        // @ts-expect-error the key is a string
        const wrong: number = key;
        void wrong;
      },
    ],
  }),
});

UsersStore.forRootAsync({
  // @ts-expect-error the factory of a typed class returns a layer of other types
  useFactory: () => ({ layers: [{ store: productsTable, primary: true }] }),
});

UsersStore.forRootAsync({
  // @ts-expect-error a memory layer typed for other keys
  useFactory: async () => ({ layers: [{ store: new MemoryStore<number, User>() }] }),
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
  // A string token gives Nest nothing to type the lookup by: the type is written at the call (unchecked).
  const named = app.get<DelegatedStore<string, User>>(getDelegatedStoreToken('users'));
  // @ts-expect-error the type written at the call is the one the lookup has
  const wrongNamed: DelegatedStore<number, User> = named;
  void [named, wrongNamed];
  const defaultToken: typeof DelegatedStore = getDelegatedStoreToken();
  const namedToken: string = getDelegatedStoreToken('sessions');
  void [defaultToken, namedToken];
}
