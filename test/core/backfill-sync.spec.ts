import { describe, expect, it } from '@jest/globals';
import { DelegatedStore, MemoryStore, withErrorHandler, type BackFillEvent } from '../../lib/index.js';
import { flush, TestStore } from '../support/test-store.js';

/** An in-process layer with setSync, which can be made to throw. */
class SyncStore extends TestStore<string> {
  failSync: unknown = undefined;
  readonly syncWrites: Array<[string, string, number | undefined]> = [];
  setSync(key: string, value: string, ttl?: number): void {
    if (this.failSync !== undefined) throw this.failSync;
    this.syncWrites.push([key, value, ttl]);
    this.data.set(key, value);
  }
}

describe('a backfill into an in-process layer (setSync)', () => {
  it('is written at once, before the read resolves, then the remote layer in the background', async () => {
    const memory = new SyncStore();
    const remote = new TestStore<string>();
    const db = new TestStore<string>({ a: 'A' });
    const store = new DelegatedStore<string, string>([
      { store: memory, ttl: 1000, name: 'memory' },
      { store: remote, ttl: 5000, name: 'remote' },
      { store: db, primary: true, name: 'db' },
    ]);
    const events: Array<BackFillEvent<string, string>> = [];
    store.backFill$.subscribe((event) => events.push(event));
    const held = remote.holdNext('set');
    expect(await store.get('a')).toBe('A');
    expect(memory.syncWrites).toEqual([['a', 'A', 1000]]);
    expect(memory.count('set')).toBe(0);
    expect(events.map((event) => event.layerName)).toEqual(['memory']);
    held.open();
    await store.drain();
    expect(remote.data.get('a')).toBe('A');
    expect(events.map((event) => event.layerName)).toEqual(['memory', 'remote']);
    expect(store.stats().layers.map((layer) => layer.backFills)).toEqual([1, 1, 0]);
  });

  it('a throwing setSync is a failed write: reported, counted, no event; the next layer is still written', async () => {
    const memory = new SyncStore();
    const remote = new TestStore<string>();
    const db = new TestStore<string>({ a: 'A' });
    const reported: unknown[] = [];
    const store = new DelegatedStore<string, string>(
      [
        { store: memory, name: 'memory' },
        { store: remote, name: 'remote' },
        { store: db, primary: true, name: 'db' },
      ],
      withErrorHandler((error, source) => reported.push([(error as Error).message, source.kind])),
    );
    const events: string[] = [];
    store.backFill$.subscribe((event) => events.push(event.layerName));
    memory.failSync = new Error('memory full');
    expect(await store.get('a')).toBe('A');
    await store.drain();
    expect(reported).toEqual([['memory full', 'backfill']]);
    expect(events).toEqual(['remote']);
    expect(store.stats().layers.map((layer) => [layer.errors, layer.backFills])).toEqual([
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
  });

  it('writes nothing for a read that a write overlapped', async () => {
    const memory = new SyncStore();
    const db = new TestStore<string>({ a: 'old' });
    const store = new DelegatedStore<string, string>([
      { store: memory, name: 'memory' },
      { store: db, primary: true, name: 'db' },
    ]);
    const held = db.holdNext('get');
    const reading = store.get('a');
    await flush(); // the database read took 'old'...
    await store.set('a', 'new'); // ...then a write lands, before the read answers
    held.open();
    expect(await reading).toBe('old');
    expect(memory.syncWrites).toEqual([]);
    expect(memory.data.get('a')).toBe('new');
    expect(store.droppedBackFills).toBe(1);
  });

  it('getMany writes every key found into a MemoryStore at once, cut to the source entry', async () => {
    const memory = new MemoryStore<string, string>();
    const source = new MemoryStore<string, string>();
    await source.set('a', 'A', 50_000);
    await source.set('b', 'B');
    const store = new DelegatedStore<string, string>([
      { store: memory, ttl: 100_000, name: 'memory' },
      { store: source, name: 'source' },
    ]);
    expect(await store.getMany(['a', 'b', 'a', 'x'])).toEqual(['A', 'B', 'A', undefined]);
    expect(memory.getSync('a')).toBe('A');
    expect(memory.getSync('b')).toBe('B');
    const copy = (await memory.getWithExpiry('a'))?.expiresAt ?? Infinity;
    expect(copy - Date.now()).toBeLessThanOrEqual(50_000);
    expect(store.stats().layers[0].backFills).toBe(2);
  });
});
