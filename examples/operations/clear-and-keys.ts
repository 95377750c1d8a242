/** keys, clear({ cachesOnly: true }) and clear(): sessions in a table, with a memory layer in front. */
import { DelegatedStore, MemoryStore, type Store } from 'nestjs-delegated-store';

/** A table that can list and empty itself: what keys() and clear() need of the primary. */
class SessionTable implements Store<string, string> {
  readonly rows = new Map<string, string>();
  async get(key: string) {
    return this.rows.get(key);
  }
  async set(key: string, value: string) {
    this.rows.set(key, value);
  }
  async delete(key: string) {
    this.rows.delete(key);
  }
  async clear() {
    this.rows.clear();
  }
  async *keys() {
    yield* this.rows.keys();
  }
}

export async function clearAndKeys() {
  const memory = new MemoryStore<string, string>();
  const table = new SessionTable();
  const store = new DelegatedStore<string, string>([
    { name: 'memory', store: memory, ttl: 60_000 },
    { name: 'database', store: table, primary: true },
  ]);
  await store.set('session:a', 'alice');
  await store.set('session:b', 'bob');

  // keys: the primary layer's keys (the last layer's when none is primary), each once.
  const keys: string[] = [];
  for await (const key of store.keys()) keys.push(key); // ['session:a', 'session:b']

  // The cache purge: every layer but the primary. Fenced: no read in flight writes an old value back.
  await store.clear({ cachesOnly: true });
  const afterPurge = { memory: memory.size, table: table.rows.size }; // { memory: 0, table: 2 }
  const stillThere = await store.get('session:a'); // 'alice', from the table

  // Everything, the primary first: every layer's store needs clear().
  await store.clear();
  const afterClear = { memory: memory.size, table: table.rows.size }; // { memory: 0, table: 0 }

  await store.close();
  return { keys, afterPurge, stillThere, afterClear };
}
