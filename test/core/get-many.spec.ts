import { describe, expect, it } from '@jest/globals';
import { DelegatedStore, type OperationContext } from '../../lib/index.js';
import { BatchTestStore, flush, gate, TestStore } from '../support/test-store.js';

function setup() {
  const l0 = new BatchTestStore<unknown>();
  const l1 = new TestStore<unknown>(); // no batch form: concurrent gets
  const db = new BatchTestStore<unknown>();
  const store = new DelegatedStore<string, unknown>([
    { store: l0, ttl: 1000 },
    { store: l1 },
    { store: db, primary: true },
  ]);
  return { l0, l1, db, store };
}

describe('getMany', () => {
  it('answers one entry per key, in order, undefined for a miss, duplicates allowed', async () => {
    const { l0, l1, db, store } = setup();
    l0.data.set('a', 'A0');
    l1.data.set('b', 'B1');
    db.data.set('c', 'C2');
    expect(await store.getMany(['c', 'a', 'x', 'b', 'a'])).toEqual(['C2', 'A0', undefined, 'B1', 'A0']);
  });

  it('asks each layer once, only for the keys still missing, with getMany when it has one', async () => {
    const { l0, l1, db, store } = setup();
    l0.data.set('a', 'A0');
    l1.data.set('b', 'B1');
    db.data.set('c', 'C2');
    await store.getMany(['a', 'b', 'c', 'd', 'a']);
    const reads = (layer: TestStore<unknown>) => layer.calls.filter((c) => c.method !== 'set');
    expect(reads(l0)).toEqual([{ method: 'getMany', key: ['a', 'b', 'c', 'd'] }]);
    expect(
      reads(l1)
        .map((c) => c.key)
        .sort(),
    ).toEqual(['b', 'c', 'd']);
    expect(reads(db)).toEqual([{ method: 'getMany', key: ['c', 'd'] }]);
  });

  it('backfills key by key into the layers above where each was found', async () => {
    const { l0, l1, db, store } = setup();
    l1.data.set('b', 'B1');
    db.data.set('c', 'C2');
    await store.getMany(['b', 'c']);
    await store.drain();
    expect(l0.data.get('b')).toBe('B1');
    expect(l0.data.get('c')).toBe('C2');
    expect(l1.data.get('c')).toBe('C2');
    expect(l1.calls.filter((c) => c.method === 'set').map((c) => c.key)).toEqual(['c']);
    expect(db.count('set')).toBe(0);
  });

  it('a failing cache layer is a miss for its keys; a failing primary rejects', async () => {
    const { l0, db, store } = setup();
    db.data.set('a', 'A');
    l0.failures.getMany = new Error('memory down');
    expect(await store.getMany(['a'])).toEqual(['A']);
    db.failures.getMany = new Error('db down');
    await expect(store.getMany(['b'])).rejects.toThrow('db down');
  });

  it('a layer answering a batch with the wrong number of values is a failing layer', async () => {
    const broken = new BatchTestStore<unknown>();
    broken.getMany = async () => ['only one'];
    const db = new TestStore<unknown>({ a: 1, b: 2 });
    const errors: unknown[] = [];
    const store = new DelegatedStore<string, unknown>([{ store: broken }, { store: db, primary: true }]);
    expect(await store.getMany(['a', 'b'])).toEqual([1, 2]);
    expect(store.stats().layers[0].errors).toBe(1);
    expect(errors).toEqual([]);
  });

  it('passes the chain once as operation getMany, with the array of keys', async () => {
    const { db, store } = setup();
    db.data.set('a', 1);
    const seen: Array<[OperationContext['operation'], unknown, unknown]> = [];
    store.use((next) => async (ctx, key, value) => {
      const result = await next(ctx, key, value);
      seen.push([ctx.operation, key, result]);
      return result;
    });
    await store.getMany(['a', 'b']);
    expect(seen).toEqual([['getMany', ['a', 'b'], [1, undefined]]]);
  });

  it('concurrent gets of a key join the walk of a getMany', async () => {
    const { db, store } = setup();
    db.data.set('a', 1);
    const held = gate();
    db.gates.getMany = held.promise;
    const many = store.getMany(['a']);
    const single = store.get('a');
    await flush();
    held.open();
    expect(await many).toEqual([1]);
    expect(await single).toBe(1);
    expect(db.count('getMany') + db.count('get')).toBe(1);
  });

  it('drops the backfill of a key that a set overlapped', async () => {
    const { l0, db, store } = setup();
    db.data.set('a', 'old');
    const held = gate();
    db.gates.getMany = held.promise;
    const many = store.getMany(['a']);
    await flush();
    await store.set('a', 'new');
    held.open();
    await many;
    await store.drain();
    expect(l0.data.get('a')).toBe('new');
  });

  it('an empty list resolves an empty array and reads nothing', async () => {
    const { l0, store } = setup();
    expect(await store.getMany([])).toEqual([]);
    expect(l0.calls).toEqual([]);
  });

  it('rejects a key that is undefined or null, and a non-array', async () => {
    const { l0, store } = setup();
    await expect(store.getMany(['a', undefined as never])).rejects.toThrow(TypeError);
    await expect(store.getMany(null as never)).rejects.toThrow(/keys must be an array/);
    expect(l0.calls).toEqual([]);
  });
});
