/**
 * A layer call that timed out is not a call that did not run: the store told its caller it failed (or,
 * for a cache layer, contained the failure), yet the backend may still apply it later, after newer
 * writes. These are the interleavings behind issue 12 (stale reads under faults on a busy machine), each
 * driven by hand: a ControlledStore holds exactly the command that is slow, and the layer `timeout`
 * makes the store give up on it. The guarantee they check: a read never returns a value older than a
 * write acknowledged before it began, even when layer calls time out and run later.
 */
import { describe, expect, it } from '@jest/globals';
import { DelegatedStore, LayerTimeoutError } from '../../lib/index.js';
import { ControlledStore, settle } from './support/controlled-store.js';

const TIMEOUT = 20;

describe('layer calls that timed out and ran later (issue 12)', () => {
  it('a primary write that timed out and lands after the next write of the key does not overwrite it', async () => {
    const cache = new ControlledStore();
    const primary = new ControlledStore({ a: 'v0' });
    const store = new DelegatedStore<string, string>([
      { store: cache, name: 'cache' },
      { store: primary, primary: true, timeout: TIMEOUT },
    ]);
    const slowWrite = primary.hold('set', 'a');

    await expect(store.set('a', 'v1')).rejects.toBeInstanceOf(LayerTimeoutError); // v1 is still on its way
    const second = store.set('a', 'v2');
    slowWrite.open(); // v1 reaches the primary now
    await second; // acknowledged
    await settle();
    await store.drain();

    expect(primary.data.get('a')).toBe('v2'); // before the fix: 'v1', the acknowledged write was lost
    cache.data.delete('a'); // the cache forgets the key (eviction, expiry): reads go to the primary
    expect(await store.get('a')).toBe('v2'); // before the fix: 'v1'
  });

  it('a primary write that timed out and then landed drops the copies the caches hold', async () => {
    const cache = new ControlledStore({ a: 'v0' });
    const primary = new ControlledStore({ a: 'v0' });
    const store = new DelegatedStore<string, string>([
      { store: cache, name: 'cache' },
      { store: primary, primary: true, timeout: TIMEOUT },
    ]);
    const slowWrite = primary.hold('set', 'a');

    await expect(store.set('a', 'v1')).rejects.toBeInstanceOf(LayerTimeoutError);
    expect(await store.get('a')).toBe('v0'); // failed as far as anyone knows: the caches were not touched
    slowWrite.open(); // it landed after all
    await settle();

    expect(cache.data.has('a')).toBe(false); // before the fix: 'v0', older than the primary until it expires
    expect(await store.get('a')).toBe('v1');
  });

  it('a delete whose cache delete timed out: the cache is not read for the key until that delete landed', async () => {
    const cache = new ControlledStore({ a: 'old' });
    const primary = new ControlledStore({ a: 'old' });
    const store = new DelegatedStore<string, string>([
      { store: cache, name: 'cache', timeout: TIMEOUT },
      { store: primary, primary: true },
    ]);
    const slowDelete = cache.hold('delete', 'a');

    await store.delete('a'); // acknowledged: the cache's failure (a timeout) is contained
    expect(await store.get('a')).toBeUndefined(); // before the fix: 'old', resurrected from the cache
    expect(await store.getMany(['a'])).toEqual([undefined]);
    expect(await store.getOrLoad('a', async () => 'loaded')).toBe('loaded');
    slowDelete.open();
    await settle();
    await store.drain();
    expect(await store.get('a')).toBe('loaded');
  });

  it('a backfill that timed out and lands after a set is never served', async () => {
    const cache = new ControlledStore();
    const primary = new ControlledStore({ a: 'old' });
    const store = new DelegatedStore<string, string>([
      { store: cache, name: 'cache', timeout: TIMEOUT },
      { store: primary, primary: true },
    ]);
    const slowBackfill = cache.hold('set', 'a');
    const slowDelete = cache.hold('delete', 'a');

    expect(await store.get('a')).toBe('old'); // its backfill into the cache is held
    await store.drain(); // and times out
    await store.set('a', 'new'); // acknowledged
    slowBackfill.open(); // 'old' reaches the cache now
    await settle();

    expect(await store.get('a')).toBe('new'); // before the fix: 'old', until a delete of it landed
    slowDelete.open();
    await settle();
    expect(await store.get('a')).toBe('new');
    expect(cache.data.get('a')).not.toBe('old');
  });

  it('the same through getMany, from a layer with a batch read', async () => {
    const cache = new ControlledStore({}, { batch: true });
    const primary = new ControlledStore({ a: 'old', b: 'B' });
    const store = new DelegatedStore<string, string>([
      { store: cache, name: 'cache', timeout: TIMEOUT },
      { store: primary, primary: true },
    ]);
    const slowBackfill = cache.hold('set', 'a');
    const slowDelete = cache.hold('delete', 'a');

    expect(await store.get('a')).toBe('old');
    await store.drain();
    await store.set('a', 'new');
    slowBackfill.open();
    await settle();
    expect(await store.get('b')).toBe('B'); // so that the batch finds b in the cache
    await store.drain();

    expect(await store.getMany(['a', 'b'])).toEqual(['new', 'B']); // before the fix: ['old', 'B']
    slowDelete.open();
    await settle();
    expect(await store.getMany(['a', 'b'])).toEqual(['new', 'B']);
  });

  it('a set whose cache write timed out and lands after the next set is never served', async () => {
    const cache = new ControlledStore();
    const primary = new ControlledStore();
    const store = new DelegatedStore<string, string>([
      { store: cache, name: 'cache', timeout: TIMEOUT },
      { store: primary, primary: true },
    ]);
    const slowWrite = cache.hold('set', 'a');
    const slowDeletes = [cache.hold('delete', 'a'), cache.hold('delete', 'a')];

    await store.set('a', 'v1'); // the cache write times out, and so does the delete that should undo it
    await store.set('a', 'v2');
    slowWrite.open(); // v1 reaches the cache now
    await settle();

    expect(await store.get('a')).toBe('v2'); // before the fix: 'v1'
    for (const held of slowDeletes) held.open();
    await settle();
    expect(await store.get('a')).toBe('v2');
    expect(primary.data.get('a')).toBe('v2');
  });

  it('a write queued behind one that timed out is still sent, after it, even past its own deadline', async () => {
    const cache = new ControlledStore();
    const primary = new ControlledStore();
    const store = new DelegatedStore<string, string>([
      { store: cache, name: 'cache', timeout: TIMEOUT },
      { store: primary, primary: true },
    ]);
    const slowWrite = cache.hold('set', 'a');

    await store.set('a', 'v1'); // times out in the cache; its clean-up delete waits behind it
    await store.set('a', 'v2'); // waits behind both, times out too
    expect(cache.calls).toEqual(['set(a)']);
    slowWrite.open();
    await settle();

    // They reach the cache in the order they were issued: whatever is left there is not older than v2.
    expect(cache.calls).toEqual(['set(a)', 'delete(a)', 'set(a)', 'delete(a)']);
    expect(cache.data.has('a')).toBe(false);
    expect(await store.get('a')).toBe('v2');
  });
});
