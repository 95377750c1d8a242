/**
 * The fence: a read that found the old value while a write of the key was under way does not put that
 * old value back into the faster layers. The table below answers a read only when the example says so,
 * to stage the race deterministically.
 */
import { DelegatedStore, MemoryStore, type Store } from 'nestjs-delegated-store';

class Deferred {
  resolve!: () => void;
  readonly promise = new Promise<void>((resolve) => (this.resolve = resolve));
}

/** A table whose reads take the value at once but answer only when `answer` resolves. */
class SlowTable implements Store<string, string> {
  readonly rows = new Map([['greeting', 'hello']]);
  readonly readStarted = new Deferred();
  readonly answer = new Deferred();
  async get(key: string) {
    const value = this.rows.get(key);
    this.readStarted.resolve();
    await this.answer.promise;
    return value;
  }
  async set(key: string, value: string) {
    this.rows.set(key, value);
  }
  async delete(key: string) {
    this.rows.delete(key);
  }
}

export async function fencedBackfill() {
  const memory = new MemoryStore<string, string>();
  const table = new SlowTable();
  const store = new DelegatedStore<string, string>([
    { name: 'memory', store: memory, ttl: 60_000 },
    { name: 'database', store: table, primary: true },
  ]);

  const reading = store.get('greeting'); // memory misses; the table read takes 'hello'...
  await table.readStarted.promise;
  await store.set('greeting', 'bonjour'); // ...a write lands in the table and in memory...
  table.answer.resolve(); // ...then the read answers with the value it took before the write
  const read = await reading; // 'hello': it began before the write resolved
  await store.drain();

  const result = {
    read,
    inMemory: await memory.get('greeting'), // 'bonjour': the old value's backfill was dropped
    nextRead: await store.get('greeting'), // 'bonjour'
    droppedBackFills: store.droppedBackFills, // 1
  };
  await store.close();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await fencedBackfill());
}
