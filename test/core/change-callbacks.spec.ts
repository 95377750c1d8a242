import { describe, expect, it } from '@jest/globals';
import {
  DelegatedStore,
  withErrorHandler,
  withOnChange,
  withOnChangeCallbacks,
  withOnDelete,
  withOnDeleteCallbacks,
  type StoreErrorSource,
} from '../../lib/index.js';
import { flush, FullTestStore, TestStore } from '../support/test-store.js';

function setup(
  options: Parameters<typeof withOnChange<string, string>>[0][] = [],
  entries: Record<string, string> = {},
) {
  const l0 = new TestStore<string>();
  const db = new TestStore<string>(entries);
  const changes: Array<[string, string, string, string]> = [];
  const deletes: Array<[string, string, string]> = [];
  const errors: Array<[unknown, StoreErrorSource]> = [];
  const store = new DelegatedStore<string, string>(
    [{ store: l0 }, { store: db, primary: true }],
    withOnChangeCallbacks<string, string>(
      (ctx, key, oldValue, newValue) => void changes.push([ctx.operation, key, oldValue, newValue]),
      ...options,
    ),
    withOnDelete<string, string>((ctx, key, oldValue) => void deletes.push([ctx.operation, key, oldValue])),
    withErrorHandler((error, source) => void errors.push([error, source])),
  );
  return { l0, db, store, changes, deletes, errors };
}

describe('change callbacks', () => {
  it('a set that replaced a value calls onChange(ctx, key, oldValue, newValue) after the write resolved', async () => {
    const { db, store, changes } = setup([], { k: 'old' });
    await store.set('k', 'new');
    expect(changes).toEqual([['set', 'k', 'old', 'new']]);
    expect(db.data.get('k')).toBe('new');
  });

  it('a set of a key that had no value calls no onChange', async () => {
    const { store, changes } = setup();
    await store.set('k', 'first');
    expect(changes).toEqual([]);
  });

  it('getSet calls onChange with the value it replaced', async () => {
    const { store, changes } = setup([], { k: 'old' });
    expect(await store.getSet('k', 'new')).toBe('old');
    expect(changes).toEqual([['getSet', 'k', 'old', 'new']]);
  });

  it('a delete that removed a value calls onDelete(ctx, key, oldValue)', async () => {
    const { store, deletes } = setup([], { k: 'old' });
    await store.delete('k');
    await store.delete('never-there');
    expect(deletes).toEqual([['delete', 'k', 'old']]);
  });

  it('calls the callbacks in registration order', async () => {
    const order: string[] = [];
    const store = new DelegatedStore<string, string>(
      [{ store: new TestStore<string>({ k: 'old' }), primary: true }],
      withOnChange(() => void order.push('a')),
      withOnChangeCallbacks(
        () => void order.push('b'),
        () => void order.push('c'),
      ),
      withOnDeleteCallbacks(() => void order.push('d')),
    );
    await store.set('k', 'new');
    await store.delete('k');
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('reads the old value inside the key turn: concurrent sets each see the previous value', async () => {
    const { db, store, changes } = setup([], { k: 'v0' });
    const held = db.holdNext('set');
    const writes = ['v1', 'v2', 'v3'].map((value) => store.set('k', value));
    await flush();
    held.open();
    await Promise.all(writes);
    expect(changes.map(([, , oldValue, newValue]) => `${oldValue}->${newValue}`)).toEqual([
      'v0->v1',
      'v1->v2',
      'v2->v3',
    ]);
  });

  it('a callback that throws or rejects does not fail the write; it goes to the error handlers', async () => {
    const thrown = new Error('callback broke');
    const { db, store, errors } = setup(
      [
        () => {
          throw thrown;
        },
        async () => Promise.reject(thrown),
      ],
      { k: 'old' },
    );
    await expect(store.set('k', 'new')).resolves.toBeUndefined();
    await flush();
    expect(db.data.get('k')).toBe('new');
    expect(errors).toEqual([
      [thrown, { kind: 'callback', callback: 'onChange', operation: 'set' }],
      [thrown, { kind: 'callback', callback: 'onChange', operation: 'set' }],
    ]);
  });

  it('a failed read of the old value is reported and the write goes ahead without callbacks', async () => {
    const { db, store, changes, errors } = setup([], { k: 'old' });
    db.failures.get = new Error('db read failed');
    await store.set('k', 'new');
    expect(db.data.get('k')).toBe('new');
    expect(changes).toEqual([]);
    expect(errors.map(([error]) => (error as Error).message)).toContain('db read failed');
  });

  it('reads no old value when no callback of that kind exists', async () => {
    const db = new TestStore<string>({ k: 'old' });
    const store = new DelegatedStore<string, string>(
      [{ store: db, primary: true }],
      withOnDelete(() => {}),
    );
    await store.set('k', 'new');
    expect(db.count('get')).toBe(0);
    await store.delete('k');
    expect(db.count('get')).toBe(1);
  });

  it('writes of the caches only fire no callback (cachesOnly, invalidate)', async () => {
    const { l0, store, changes, deletes } = setup([], { k: 'old' });
    l0.data.set('k', 'old');
    await store.set('k', 'cached', { cachesOnly: true });
    await store.delete('k', { cachesOnly: true });
    await store.invalidate('k');
    expect(changes).toEqual([]);
    expect(deletes).toEqual([]);
  });

  it('clear fires no callback and reads no old value, whether of the caches only or of every layer', async () => {
    const l0 = new FullTestStore<string>({ k: 'old' });
    const db = new FullTestStore<string>({ k: 'old', other: 'old' });
    const fired: string[] = [];
    const store = new DelegatedStore<string, string>(
      [{ store: l0 }, { store: db, primary: true }],
      withOnChange<string, string>((ctx, key) => void fired.push(`change ${ctx.operation} ${key}`)),
      withOnDelete<string, string>((ctx, key) => void fired.push(`delete ${ctx.operation} ${key}`)),
    );
    await store.clear({ cachesOnly: true });
    expect(l0.data.size).toBe(0);
    await store.clear();
    expect(db.data.size).toBe(0);
    await flush();
    expect(fired).toEqual([]);
    expect(db.count('get') + l0.count('get')).toBe(0);
  });
});
