import { describe, expect, it } from '@jest/globals';
import { DelegatedStore, StoreClosedError } from '../../lib/index.js';
import { flush, TestStore } from '../support/test-store.js';

function setup() {
  const l0 = new TestStore<unknown>();
  const db = new TestStore<unknown>({ k: 'v' });
  const store = new DelegatedStore<string, unknown>([{ store: l0 }, { store: db, primary: true }]);
  return { l0, db, store };
}

const touched = (...layers: TestStore<unknown>[]) => layers.reduce((n, layer) => n + layer.calls.length, 0);

describe('bad keys and values', () => {
  const operations: Array<
    [string, (store: DelegatedStore<string, unknown>, key: never) => Promise<unknown>]
  > = [
    ['get', (store, key) => store.get(key)],
    ['set', (store, key) => store.set(key, 'v')],
    ['delete', (store, key) => store.delete(key)],
    ['getOrLoad', (store, key) => store.getOrLoad(key, async () => 'v')],
  ];

  for (const [name, run] of operations) {
    for (const key of [undefined, null]) {
      it(`${name} with a ${String(key)} key rejects with a TypeError and touches no layer`, async () => {
        const { l0, db, store } = setup();
        await expect(run(store, key as never)).rejects.toThrow(
          new TypeError(`${name}: key must not be ${String(key)}`),
        );
        expect(touched(l0, db)).toBe(0);
      });
    }
  }

  it('set with an undefined value rejects with a TypeError and touches no layer', async () => {
    const { l0, db, store } = setup();
    await expect(store.set('k', undefined)).rejects.toThrow(TypeError);
    expect(touched(l0, db)).toBe(0);
  });

  it('a null value is a value', async () => {
    const { store } = setup();
    await store.set('k', null);
    expect(await store.get('k')).toBeNull();
  });

  it('getOrLoad with a loader that is not a function rejects with a TypeError', async () => {
    const { l0, store } = setup();
    await expect(store.getOrLoad('k', 'nope' as never)).rejects.toThrow(/loader must be a function/);
    expect(touched(l0)).toBe(0);
  });

  it('an options.ttl that is not a number > 0 rejects with a TypeError', async () => {
    const { l0, store } = setup();
    await expect(store.set('k', 'v', { ttl: -1 })).rejects.toThrow(/options.ttl must be/);
    expect(touched(l0)).toBe(0);
  });
});

describe('abort signals', () => {
  it('an already aborted signal rejects with its reason and touches no layer', async () => {
    const { l0, db, store } = setup();
    const controller = new AbortController();
    const reason = new Error('client went away');
    controller.abort(reason);
    for (const call of [
      () => store.get('k', { signal: controller.signal }),
      () => store.set('k', 'x', { signal: controller.signal }),
      () => store.delete('k', { signal: controller.signal }),
      () => store.getOrLoad('k', async () => 'x', { signal: controller.signal }),
      () => store.getMany(['k'], { signal: controller.signal }),
    ]) {
      await expect(call()).rejects.toBe(reason);
    }
    expect(touched(l0, db)).toBe(0);
  });

  it('a signal that aborts before the walk reaches the next layer rejects, and the next layer is not read', async () => {
    const { l0, db, store } = setup();
    const held = l0.holdNext('get');
    const controller = new AbortController();
    const pending = store.get('k', { signal: controller.signal });
    await flush();
    controller.abort(new Error('timeout'));
    await expect(pending).rejects.toThrow('timeout');
    held.open();
    await flush();
    expect(db.count('get')).toBe(0);
  });

  it('one caller aborting does not abort the others sharing the walk', async () => {
    const { l0, store } = setup();
    const held = l0.holdNext('get');
    const controller = new AbortController();
    const aborted = store.get('k', { signal: controller.signal });
    const other = store.get('k');
    await flush();
    controller.abort();
    held.open();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(await other).toBe('v');
  });

  it('a signal that never aborts leaves no listener behind', async () => {
    const { store } = setup();
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => (
      added++,
      add(...args)
    )) as never;
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => (
      removed++,
      remove(...args)
    )) as never;
    for (let i = 0; i < 5; i++) await store.get(`k${i}`, { signal: controller.signal });
    expect(added).toBe(removed);
  });
});

describe('use after close()', () => {
  it('every operation rejects with StoreClosedError', async () => {
    const { l0, db, store } = setup();
    await store.close();
    const calls = [
      store.get('k'),
      store.set('k', 'v'),
      store.delete('k'),
      store.getOrLoad('k', async () => 'v'),
      store.getMany(['k']),
    ];
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(StoreClosedError);
    expect(l0.calls.filter((c) => c.method !== 'delete')).toEqual([]);
    expect(db.calls).toEqual([]);
  });
});
