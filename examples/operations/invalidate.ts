/** invalidate and cachesOnly: the cache layers only, never the primary. */
import { DelegatedStore, MemoryStore, type Store } from 'nestjs-delegated-store';

class UserTable implements Store<string, string> {
  readonly rows = new Map([
    ['user:1', 'Ada'],
    ['user:2', 'Grace'],
  ]);
  async get(key: string) {
    return this.rows.get(key);
  }
  async set(key: string, value: string) {
    this.rows.set(key, value);
  }
  async delete(key: string) {
    this.rows.delete(key);
  }
}

export async function invalidateAndCachesOnly() {
  const memory = new MemoryStore<string, string>();
  const table = new UserTable();
  const store = new DelegatedStore<string, string>([
    { name: 'memory', store: memory, ttl: 60_000 },
    { name: 'database', store: table, primary: true },
  ]);

  await store.get('user:1'); // back-filled into memory
  await store.drain();
  table.rows.set('user:1', 'Ada Lovelace'); // changed behind the store's back (a migration, a script)
  const cached = await store.get('user:1'); // 'Ada': memory still has the old copy
  await store.invalidate('user:1'); // removed from memory; the row stays
  const reread = await store.get('user:1'); // 'Ada Lovelace', from the table
  await store.invalidate(['user:1', 'user:2']); // several keys at once

  // cachesOnly on a read: the cache layers only (getOrLoad then calls its loader).
  const notCached = await store.get('user:2', { cachesOnly: true }); // undefined: only the table has it
  // cachesOnly on a write: a fenced write of the caches (what @DelegatedPut does); the table is untouched.
  await store.set('user:preview:2', 'Grace H.', { cachesOnly: true });
  const preview = await store.get('user:preview:2'); // 'Grace H.', from memory
  // cachesOnly on a delete: what invalidate does.
  await store.delete('user:preview:2', { cachesOnly: true });

  const rows = [...table.rows.keys()]; // ['user:1', 'user:2']: no preview row, nothing deleted
  await store.close();
  return { cached, reread, notCached, preview, rows };
}
