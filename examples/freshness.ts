/**
 * Freshness: a memory layer with a grace period serves a stale entry at once and refreshes it in the
 * background (stale-while-revalidate), and keeps serving it while the database is down; a known miss keeps
 * a key that does not exist away from the loader.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DelegatedStore, MemoryStore, withNegativeCaching, type Store } from 'nestjs-delegated-store';

/** The database: user names by key; `down` makes every read fail, as in an outage. */
class UserTable implements Store<string, string> {
  readonly rows = new Map([['user:1', 'Ada']]);
  down = false;
  async get(key: string) {
    if (this.down) throw new Error('connection refused');
    return this.rows.get(key);
  }
  async set(key: string, value: string) {
    this.rows.set(key, value);
  }
  async delete(key: string) {
    this.rows.delete(key);
  }
}

const TTL = 200;

export async function freshness() {
  const table = new UserTable();
  const store = new DelegatedStore<string, string>(
    [
      // Fresh for 200 ms, then stale (servable) for one more minute.
      { name: 'memory', store: new MemoryStore(), ttl: TTL, grace: 60_000 },
      { name: 'database', store: table, primary: true },
    ],
    withNegativeCaching(30_000), // a load that found nothing is remembered for 30 s
  );
  const served: string[] = [];
  const read = (key: string) =>
    store.get(key, { onServed: (layer, { stale }) => served.push(`${layer}${stale ? '; stale' : ''}`) });

  await read('user:1'); // database; back-filled into memory
  await store.drain();
  table.rows.set('user:1', 'Ada Lovelace'); // changed behind the store's back (another service)
  await sleep(TTL + 50); // the memory entry is now stale
  const stale = await read('user:1'); // 'Ada' at once, and one background refresh
  await store.drain(); // (only to see its effect here)
  const refreshed = await read('user:1'); // 'Ada Lovelace', from memory

  await sleep(TTL + 50);
  table.down = true; // the database is down
  const duringOutage = await read('user:1'); // 'Ada Lovelace', stale: no error
  await store.drain(); // the refresh failed; the entry stays servable within its grace
  table.down = false;

  let loads = 0;
  const fetchUser = async (key: string) => {
    loads++;
    return table.rows.get(key); // undefined: no such user
  };
  const missing = await store.getOrLoad('user:404', fetchUser); // undefined; a known miss is written
  await store.drain();
  const missingAgain = await store.getOrLoad('user:404', fetchUser); // undefined, no load

  const { staleHits, refreshes, refreshFailures } = store.stats().layers[0];
  await store.close();
  return {
    stale,
    refreshed,
    duringOutage,
    missing,
    missingAgain,
    loads,
    served,
    stats: { staleHits, refreshes, refreshFailures },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await freshness());
}
