/** has, getSet and getLayer: a counter kept in a table, with a memory layer in front. */
import { DelegatedStore, MemoryStore, type Store } from 'nestjs-delegated-store';

class CounterTable implements Store<string, number> {
  readonly rows = new Map<string, number>();
  async get(key: string) {
    return this.rows.get(key);
  }
  async set(key: string, value: number) {
    this.rows.set(key, value);
  }
  async delete(key: string) {
    this.rows.delete(key);
  }
}

export async function hasAndGetSet() {
  const store = new DelegatedStore<string, number>([
    { name: 'memory', store: new MemoryStore(), ttl: 60_000 },
    { name: 'database', store: new CounterTable(), primary: true },
  ]);
  await store.set('visits', 1);

  // has: asks the layers in order (store.has when a layer has it, else a read); no backfill.
  const has = await store.has('visits'); // true
  const hasMissing = await store.has('nobody'); // false

  // getSet: writes like set, and resolves the value it replaced. Concurrent getSets take turns:
  // each one sees what the previous one wrote.
  const replaced = await Promise.all([store.getSet('visits', 2), store.getSet('visits', 3)]); // [1, 2]
  const now = await store.get('visits'); // 3

  // getLayer: the layer as configured.
  const { name, primary } = store.getLayer(1); // 'database', true
  let outOfRange = '';
  try {
    store.getLayer(2);
  } catch (error) {
    outOfRange = (error as RangeError).message; // getLayer: index must be a whole number from 0 to 1, got 2
  }

  await store.close();
  return { has, hasMissing, replaced, now, layer: { name, primary }, outOfRange };
}
