import { describe, expect, it } from '@jest/globals';
import { DelegatedStore } from '../../lib/index.js';
import { flush, TestStore } from '../support/test-store.js';

describe('drain, close and stats', () => {
  it('drain resolves when every backfill scheduled before the call has settled', async () => {
    const l0 = new TestStore<string>();
    const store = new DelegatedStore<string, string>([{ store: l0 }, { store: new TestStore({ k: 'v' }) }]);
    const held = l0.holdNext('set');
    await store.get('k');
    let drained = false;
    const draining = store.drain().then(() => (drained = true));
    await flush();
    expect(drained).toBe(false);
    held.open();
    await draining;
    expect(l0.data.get('k')).toBe('v');
  });

  it('drain with nothing pending resolves at once', async () => {
    const store = new DelegatedStore<string, string>([{ store: new TestStore() }]);
    await expect(store.drain()).resolves.toBeUndefined();
  });

  it('close drains, closes every layer store that has close(), and is idempotent', async () => {
    const l0 = new TestStore<string>();
    const db = new TestStore<string>({ k: 'v' });
    const noClose = { get: async () => undefined, set: async () => {}, delete: async () => {} };
    const store = new DelegatedStore<string, string>([
      { store: l0 },
      { store: noClose },
      { store: db, primary: true },
    ]);
    const held = l0.holdNext('set');
    await store.get('k');
    const closing = store.close();
    await flush();
    expect(l0.closed).toBe(false); // still draining
    held.open();
    await closing;
    await store.close();
    expect(l0.data.get('k')).toBe('v');
    expect(l0.closed).toBe(true);
    expect(db.closed).toBe(true);
    expect(store.closed).toBe(true);
  });

  it('close waits for writes in progress, so an acknowledged write is never lost', async () => {
    const l0 = new TestStore<string>();
    const db = new TestStore<string>();
    const store = new DelegatedStore<string, string>([{ store: l0 }, { store: db, primary: true }]);
    const held = db.holdNext('set');
    const writing = store.set('k', 'v');
    const closing = store.close();
    await flush();
    expect(db.closed).toBe(false);
    held.open();
    await writing;
    await closing;
    expect(db.data.get('k')).toBe('v');
    expect(l0.data.get('k')).toBe('v');
  });

  it('a layer whose close() rejects does not stop the others from closing', async () => {
    const broken = new TestStore<string>();
    broken.close = async () => {
      throw new Error('close failed');
    };
    const other = new TestStore<string>();
    const store = new DelegatedStore<string, string>([{ store: broken }, { store: other }]);
    await expect(store.close()).resolves.toBeUndefined();
    expect(other.closed).toBe(true);
  });

  it('stats returns a snapshot, not live counters', async () => {
    const store = new DelegatedStore<string, string>([{ store: new TestStore({ k: 'v' }) }]);
    const before = store.stats();
    await store.get('k');
    expect(before.layers[0].hits).toBe(0);
    expect(store.stats().layers[0].hits).toBe(1);
  });

  it('bounds the backfills in flight: past the bound a backfill is dropped and counted', async () => {
    const { withMaxPendingBackFills } = await import('../../lib/index.js');
    const l0 = new TestStore<string>();
    const store = new DelegatedStore<string, string>(
      [{ store: l0 }, { store: new TestStore({ a: '1', b: '2', c: '3' }) }],
      withMaxPendingBackFills(2),
    );
    const first = l0.holdNext('set');
    const second = l0.holdNext('set');
    await store.get('a');
    await store.get('b');
    await store.get('c');
    expect(store.droppedBackFills).toBe(1);
    first.open();
    second.open();
    await store.drain();
    expect([...l0.data.keys()].sort()).toEqual(['a', 'b']);
  });
});
