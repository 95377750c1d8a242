/**
 * The quick start of the README: three layers, a monitoring callback, a logging middleware and retries.
 * Run it with `npm run example`.
 */
import {
  DelegatedStore,
  MemoryStore,
  NotFoundError,
  retryMiddleware,
  withBackFillCallbacks,
  withMiddlewares,
  type Middleware,
  type Store,
} from 'nestjs-delegated-store';

interface User {
  id: string;
  name: string;
}

/** The source of truth. In a real service: your repository over PostgreSQL, SQLite, ... */
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

export async function quickStart(log: (line: string) => void = console.log) {
  const logging: Middleware<string, User> = (next) => async (ctx, key, value) => {
    const started = performance.now();
    try {
      return await next(ctx, key, value);
    } finally {
      log(`${ctx.operation} ${String(key)} took ${(performance.now() - started).toFixed(2)} ms`);
    }
  };

  const store = new DelegatedStore<string, User>(
    [
      { store: new MemoryStore({ max: 10_000 }), ttl: 60_000, name: 'memory' }, // L1: this process
      { store: new MemoryStore(), ttl: 3_600_000, name: 'shared' }, // L2: Redis in production
      { store: new UserTable(), primary: true, name: 'database' }, // the source of truth
    ],
    withBackFillCallbacks((_ctx, key, _value, layerIndex, isPrimary) => {
      if (isPrimary) log(`warning: the primary layer was back-filled with ${key}`);
      else log(`back-filled ${key} into layer ${layerIndex}`);
    }),
    withMiddlewares(
      retryMiddleware(3, (e) => !(e instanceof NotFoundError)),
      logging,
    ),
  );

  const first = await store.get('user:1'); // found in the database, back-filled into memory and shared
  await store.drain(); // only so the log below is in order: get never waits for the backfill
  const second = await store.get('user:1'); // served by memory
  await store.set('user:1', { id: '1', name: 'Ada Lovelace' }); // database first, then the caches
  const third = await store.get('user:1');
  log(JSON.stringify(store.stats().layers));
  await store.close();
  return { first, second, third };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await quickStart();
}
