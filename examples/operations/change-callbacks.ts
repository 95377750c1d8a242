/** withOnChange and withOnDelete: what a write replaced or removed, after the write resolved. */
import {
  DelegatedStore,
  MemoryStore,
  withErrorHandler,
  withOnChange,
  withOnDelete,
  type Store,
} from 'nestjs-delegated-store';

class UserTable implements Store<string, string> {
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
}

export async function changeCallbacks() {
  const changes: string[] = [];
  const contained: string[] = [];
  const store = new DelegatedStore<string, string>(
    [
      { name: 'memory', store: new MemoryStore(), ttl: 60_000 },
      { name: 'database', store: new UserTable(), primary: true },
    ],
    withOnChange((ctx, key, oldValue, newValue) => {
      changes.push(`${ctx.operation} ${key}: ${oldValue} -> ${newValue}`);
    }),
    withOnDelete((ctx, key, oldValue) => {
      changes.push(`${ctx.operation} ${key}: ${oldValue} deleted`);
    }),
    withOnChange((_ctx, key) => {
      if (key === 'user:2') throw new Error('audit log unavailable'); // a failing callback
    }),
    withErrorHandler((error, source) => {
      contained.push(`${source.kind} ${source.callback}: ${(error as Error).message}`);
    }),
  );

  await store.set('user:1', 'Ada'); // nothing replaced: no callback
  await store.set('user:1', 'Ada Lovelace'); // set user:1: Ada -> Ada Lovelace
  await store.getSet('user:1', 'Ada King'); // getSet user:1: Ada Lovelace -> Ada King
  await store.invalidate('user:1'); // the caches only: the data did not change, no callback
  await store.delete('user:1'); // delete user:1: Ada King deleted
  await store.delete('user:1'); // nothing removed: no callback

  await store.set('user:2', 'Grace');
  await store.set('user:2', 'Grace Hopper'); // the write succeeds; the callback's error is contained
  const written = await store.get('user:2');

  await store.close();
  return { changes, contained, written };
}
