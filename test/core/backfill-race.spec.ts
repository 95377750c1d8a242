import { describe, expect, it } from '@jest/globals';
import { DelegatedStore } from '../../lib/index.js';
import { flush, TestStore } from '../support/test-store.js';

/** [l0 cache, l1 cache, l2 primary]: the topology where a backfill can race a write. */
function setup(entries: {
  l0?: Record<string, string>;
  l1?: Record<string, string>;
  l2?: Record<string, string>;
}) {
  const l0 = new TestStore<string>(entries.l0);
  const l1 = new TestStore<string>(entries.l1);
  const l2 = new TestStore<string>(entries.l2);
  const store = new DelegatedStore<string, string>([
    { store: l0 },
    { store: l1 },
    { store: l2, primary: true },
  ]);
  return { l0, l1, l2, store };
}

const setValues = (layer: TestStore<string>) =>
  layer.calls.filter((c) => c.method === 'set').map((c) => c.value);

describe('rule 5: a backfill never writes a value older than an overlapping write', () => {
  it('a set issued while the walk was reading drops the backfill', async () => {
    const { l0, l1, l2, store } = setup({ l2: { k: 'old' } });
    const read = l2.holdNext('get'); // the walk reads 'old' from the primary, then waits
    const pending = store.get('k');
    await flush();
    await store.set('k', 'new');
    read.open();
    expect(await pending).toBe('old'); // an overlapping read may return the old value...
    await store.drain();
    expect(l0.data.get('k')).toBe('new'); // ...but never puts it back
    expect(l1.data.get('k')).toBe('new');
    expect(setValues(l0)).toEqual(['new']);
    expect(store.droppedBackFills).toBe(1);
  });

  it('a delete issued while the walk was reading drops the backfill (no resurrection)', async () => {
    const { l0, l1, l2, store } = setup({ l1: { k: 'old' }, l2: { k: 'old' } });
    const read = l1.holdNext('get');
    const pending = store.get('k');
    await flush();
    await store.delete('k');
    read.open();
    await pending;
    await store.drain();
    expect(l0.data.has('k')).toBe(false);
    expect(l1.data.has('k')).toBe(false);
    expect(l2.data.has('k')).toBe(false);
    expect(await store.get('k')).toBeUndefined();
  });

  it('a set issued before the walk began and still in progress drops the backfill', async () => {
    const { l0, l1, store } = setup({ l1: { k: 'old' }, l2: { k: 'old' } });
    const l0Write = l0.holdNext('set');
    const l1Write = l1.holdNext('set');
    const writing = store.set('k', 'new'); // primary written, caches still being written
    await flush();
    expect(await store.get('k')).toBe('old'); // the walk reads l1 before the write reaches it
    l0Write.open();
    l1Write.open();
    await writing;
    await store.drain();
    expect(setValues(l0)).toEqual(['new']);
    expect(l0.data.get('k')).toBe('new');
    expect(l1.data.get('k')).toBe('new');
  });

  it('a set issued after the walk ended waits for the backfill write in flight, so it lands last', async () => {
    const { l0, l1, store } = setup({ l1: { k: 'old' }, l2: { k: 'old' } });
    const backfill = l0.holdNext('set');
    expect(await store.get('k')).toBe('old');
    await flush(); // the backfill's write into l0 is now in flight
    let written = false;
    const writing = store.set('k', 'new').then(() => (written = true));
    await flush();
    expect(written).toBe(false); // the set waits for the backfill write into l0 to settle
    backfill.open();
    await writing;
    expect(l0.data.get('k')).toBe('new');
    expect(l1.data.get('k')).toBe('new');
    await store.drain();
    expect(l0.data.get('k')).toBe('new');
  });

  it('a backfill into several layers stops at the first layer after a write began', async () => {
    const { l0, l1, l2, store } = setup({ l2: { k: 'old' } });
    const first = l0.holdNext('set');
    expect(await store.get('k')).toBe('old');
    await flush();
    const writing = store.set('k', 'new');
    first.open();
    await writing;
    await store.drain();
    expect(setValues(l1)).toEqual(['new']); // the backfill never wrote 'old' into l1
    expect(l1.data.get('k')).toBe('new');
    expect(l0.data.get('k')).toBe('new');
    expect(l2.data.get('k')).toBe('new');
  });

  it('writes of one key land in the order they were issued', async () => {
    const { l0, l2, store } = setup({});
    const slow = l0.holdNext('set');
    const first = store.set('k', 'one');
    const second = store.set('k', 'two');
    await flush();
    slow.open();
    await Promise.all([first, second]);
    expect(l0.data.get('k')).toBe('two');
    expect(l2.data.get('k')).toBe('two');
    expect(setValues(l0)).toEqual(['one', 'two']);
  });

  it('a getOrLoad whose load overlapped a set does not cache the loaded value', async () => {
    const { l0, l1, l2, store } = setup({});
    let release!: (value: string) => void;
    const loading = store.getOrLoad('k', () => new Promise<string>((resolve) => (release = resolve)));
    await flush();
    await store.set('k', 'new');
    release('loaded-before-set');
    expect(await loading).toBe('loaded-before-set');
    await store.drain();
    expect(l0.data.get('k')).toBe('new');
    expect(l1.data.get('k')).toBe('new');
    expect(l2.data.get('k')).toBe('new');
  });

  it('readers arriving during a write do not join a walk that began before it', async () => {
    const { l2, store } = setup({ l2: { k: 'old' } });
    const read = l2.holdNext('get');
    const early = store.get('k');
    await flush();
    await store.set('k', 'new');
    const late = store.get('k');
    read.open();
    await early;
    expect(await late).toBe('new');
  });

  it('a getOrLoad that began after a write finished does not share a load whose walk that write overlapped', async () => {
    const layer = new TestStore<string>();
    const store = new DelegatedStore<string, string>([{ store: layer }]);
    const deleting = layer.holdNext('delete');
    const deleted = store.delete('a');
    await flush();
    const firstWalk = layer.holdNext('get');
    let releaseOld!: (value: string) => void;
    const early = store.getOrLoad('a', () => new Promise<string>((resolve) => (releaseOld = resolve)));
    await flush();
    deleting.open();
    await deleted; // the early read overlapped this delete: its load is stale
    const setting = layer.holdNext('set');
    const written = store.set('a', 'v1');
    await flush();
    const secondWalk = layer.holdNext('get');
    let newLoads = 0;
    const late = store.getOrLoad('a', async () => (newLoads++, 'loaded-after-delete'));
    await flush();
    firstWalk.open(); // the early walk misses and starts its (stale) load
    await flush();
    secondWalk.open(); // the late walk misses too: it must not take the early load
    await flush();
    releaseOld('loaded-before-delete');
    setting.open();
    await written;
    expect(await early).toBe('loaded-before-delete');
    expect(await late).toBe('loaded-after-delete');
    expect(newLoads).toBe(1);
    await store.drain();
    expect(layer.data.get('a')).toBe('v1');
  });
});
