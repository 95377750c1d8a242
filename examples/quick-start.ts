/**
 * The core in one file: memory → a shared cache → the database, read through, back-filled, written.
 * Run it: `npm run example` in a clone; `npx tsx quick-start.ts` in an app.
 */
import {
  DelegatedStore,
  MemoryStore,
  loggingMiddleware,
  retryMiddleware,
  withBackFillCallback,
  withMiddlewares,
  type Store,
} from 'nestjs-delegated-store';

interface User {
  id: string;
  name: string;
}

/** The source of truth. In your service: a repository over PostgreSQL, SQLite, DynamoDB... */
class UserTable implements Store<string, User> {
  readonly rows = new Map<string, User>([['user:1', { id: '1', name: 'Ada' }]]);
  async get(key: string) {
    return this.rows.get(key); // undefined: a miss
  }
  async set(key: string, value: User) {
    this.rows.set(key, value);
  }
  async delete(key: string) {
    this.rows.delete(key);
  }
}

export async function quickStart(log: (line: string) => void = console.log) {
  const store = new DelegatedStore<string, User>(
    [
      { name: 'memory', store: new MemoryStore({ max: 10_000 }), ttl: 60_000 }, // this process
      { name: 'shared', store: new MemoryStore(), ttl: 3_600_000 }, // RedisStore in production
      { name: 'database', store: new UserTable(), primary: true }, // the source of truth
    ],
    withBackFillCallback((_ctx, key, _value, layerIndex) =>
      log(`back-filled ${key} into layer ${layerIndex}`),
    ),
    // The last listed runs first: one log line pair per call, retries inside it.
    withMiddlewares(retryMiddleware(2), loggingMiddleware({ log })),
  );
  const servedBy = (layer: string | undefined) => log(`served by ${layer}`);

  const first = await store.get('user:1', { onServed: servedBy }); // database; memory and shared back-filled
  await store.drain(); // only so that the log is in order: get never waits for the backfill
  const second = await store.get('user:1', { onServed: servedBy }); // memory
  await store.set('user:1', { id: '1', name: 'Ada Lovelace' }); // the database first, then the caches
  const third = await store.get('user:1', { onServed: servedBy }); // memory, the new value
  await store.close(); // waits for writes and backfills in flight, closes the layers
  return { first, second, third };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await quickStart();
}
