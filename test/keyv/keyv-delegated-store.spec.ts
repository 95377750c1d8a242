import { describe, expect, it } from '@jest/globals';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import {
  ConfigurationError,
  DelegatedStore,
  KeyvDelegatedStore,
  MemoryStore,
  type Store,
} from '../../lib/index.js';
import { TestStore } from '../support/test-store.js';

/** A cache layer that can be cleared but cannot list its keys. */
class UnlistedStore<V> extends TestStore<V> {
  async clear(): Promise<void> {
    this.calls.push({ method: 'clear', key: undefined });
    this.data.clear();
  }
}

function memoryOverPrimary(): {
  store: DelegatedStore<string, unknown>;
  memory: MemoryStore<string, unknown>;
  primary: TestStore<unknown>;
} {
  const memory = new MemoryStore<string, unknown>();
  const primary = new TestStore<unknown>();
  const store = new DelegatedStore<string, unknown>([
    { name: 'memory', store: memory },
    { name: 'database', store: primary, primary: true },
  ]);
  return { store, memory, primary };
}

describe('KeyvDelegatedStore', () => {
  it('refuses what is not a DelegatedStore, and a bad namespace, naming them', () => {
    expect(() => new KeyvDelegatedStore({} as never)).toThrow(ConfigurationError);
    expect(() => new KeyvDelegatedStore(new Map() as never)).toThrow(/needs a DelegatedStore.*got/);
    const { store } = memoryOverPrimary();
    expect(() => new KeyvDelegatedStore(store, { namespace: '' })).toThrow(
      /namespace must be a non-empty string/,
    );
    expect(() => new KeyvDelegatedStore(store, { namespace: 7 as never })).toThrow(/got 7/);
  });

  it('rejects a negative ttl instead of storing an entry that is already expired', async () => {
    const { store, memory } = memoryOverPrimary();
    const adapter = new KeyvDelegatedStore(store);
    await expect(adapter.set('k', 'v', -5)).rejects.toThrow(/ttl must be a number of milliseconds > 0.*-5/);
    expect(await memory.has('k')).toBe(false);
    // 0 is Keyv's "no ttl": the layers' own ttl applies.
    expect(await adapter.set('k', 'v', 0)).toBe(true);
    expect(await memory.get('k')).toBe('v');
  });

  it('puts its own namespace before the key Keyv gives, and clears only that namespace', async () => {
    const { store, memory, primary } = memoryOverPrimary();
    const http = new Keyv({ store: new KeyvDelegatedStore(store, { namespace: 'http' }) });
    const plain = new Keyv({ store: new KeyvDelegatedStore(store) });
    await http.set('a', 1);
    await plain.set('a', 2);
    expect(await memory.has('http:keyv:a')).toBe(true);
    expect(await memory.has('keyv:a')).toBe(true);
    await http.clear();
    expect(await http.get('a')).toBeUndefined();
    expect(await plain.get('a')).toBe(2);
    expect(primary.calls).toEqual([]);
  });

  it('without any namespace, clear() purges every cache layer and leaves the primary', async () => {
    const { store, memory, primary } = memoryOverPrimary();
    await store.set('user:1', { id: 1 }, { cachesOnly: true });
    const keyv = new Keyv({ store: new KeyvDelegatedStore(store), namespace: undefined });
    await keyv.set('a', 1);
    expect(await memory.has('a')).toBe(true);
    await keyv.clear();
    expect(await memory.has('a')).toBe(false);
    expect(await memory.has('user:1')).toBe(false);
    expect(primary.calls).toEqual([]);
  });

  it('purges the whole cache when a cache layer cannot list its keys, rather than leave entries behind', async () => {
    const unlisted = new UnlistedStore<unknown>();
    const store = new DelegatedStore<string, unknown>([
      { name: 'memory', store: new MemoryStore() },
      { name: 'shared', store: unlisted as Store<string, unknown> },
    ]);
    const keyv = new Keyv({ store: new KeyvDelegatedStore(store) });
    await keyv.set('a', 1);
    await keyv.clear();
    expect(await keyv.get('a')).toBeUndefined();
    expect(unlisted.count('clear')).toBe(1);
    // iterator() cannot list such a layer: it says which and what to do.
    const adapter = new KeyvDelegatedStore(store);
    await expect(adapter.iterator('keyv').next()).rejects.toThrow(
      /cache layer "shared" has a store without keys\(\)/,
    );
  });

  it('is not the owner of the store: disconnect leaves it open', async () => {
    const { store } = memoryOverPrimary();
    const keyv = new Keyv({ store: new KeyvDelegatedStore(store) });
    await keyv.disconnect();
    expect(store.closed).toBe(false);
    await keyv.set('still', 'open');
    expect(await keyv.get('still')).toBe('open');
  });

  it('keeps raw envelopes when the Keyv does not serialise (values by reference in memory)', async () => {
    const { store } = memoryOverPrimary();
    const keyv = new Keyv({
      store: new KeyvDelegatedStore(store),
      serialize: undefined,
      deserialize: undefined,
    });
    const value = { when: new Date(0), list: [1, 2] };
    await keyv.set('raw', value, 10_000);
    expect(await keyv.get('raw')).toBe(value);
    const raw = await keyv.getRaw('raw');
    expect(raw?.expires).toBeGreaterThan(Date.now());
  });

  it('works as a store of cache-manager 7 createCache()', async () => {
    const { store, memory } = memoryOverPrimary();
    const cache = createCache({ stores: [new Keyv({ store: new KeyvDelegatedStore(store) })] });
    await cache.set('k', { n: 1 }, 1_000);
    expect(await cache.get('k')).toEqual({ n: 1 });
    expect(await memory.has('keyv:k')).toBe(true);
    expect(await cache.wrap('w', async () => 'computed')).toBe('computed');
    await cache.del('k');
    expect(await cache.get('k')).toBeUndefined();
  });
});
