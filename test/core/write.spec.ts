import { describe, expect, it } from '@jest/globals';
import { DelegatedStore, WriteFailedError } from '../../lib/index.js';
import { flush, TestStore } from '../support/test-store.js';

function withPrimary() {
  const l0 = new TestStore<string>();
  const l1 = new TestStore<string>();
  const db = new TestStore<string>();
  const store = new DelegatedStore<string, string>([
    { store: l0, ttl: 1000 },
    { store: l1, ttl: 5000 },
    { store: db, primary: true, ttl: 99_000 },
  ]);
  return { l0, l1, db, store };
}

describe('set and delete with a primary layer', () => {
  it('writes the primary first, then every other layer concurrently, each with its ttl', async () => {
    const { l0, l1, db, store } = withPrimary();
    const primaryWrite = db.holdNext('set');
    const writing = store.set('k', 'v');
    await flush();
    expect(l0.count('set') + l1.count('set')).toBe(0); // nothing before the primary succeeded
    primaryWrite.open();
    const l0Write = l0.holdNext('set');
    await flush();
    expect(l1.count('set')).toBe(1); // l1 is written while l0 is still in flight: concurrently
    l0Write.open();
    await writing;
    expect(db.calls[0]).toEqual({ method: 'set', key: 'k', value: 'v', ttl: 99_000 });
    expect(l0.calls[0]).toEqual({ method: 'set', key: 'k', value: 'v', ttl: 1000 });
    expect(l1.calls[0]).toEqual({ method: 'set', key: 'k', value: 'v', ttl: 5000 });
  });

  it('a failing primary rejects the call and touches no other layer', async () => {
    const { l0, l1, db, store } = withPrimary();
    const failure = new Error('db down');
    db.failures.set = failure;
    await expect(store.set('k', 'v')).rejects.toBe(failure);
    db.failures.delete = failure;
    await expect(store.delete('k')).rejects.toBe(failure);
    expect(l0.calls).toEqual([]);
    expect(l1.calls).toEqual([]);
  });

  it('a failing cache layer does not reject the call: the key is deleted there', async () => {
    const { l0, l1, db, store } = withPrimary();
    l1.data.set('k', 'old');
    l1.failures.set = new Error('redis down');
    await expect(store.set('k', 'new')).resolves.toBeUndefined();
    expect(db.data.get('k')).toBe('new');
    expect(l0.data.get('k')).toBe('new');
    expect(l1.data.has('k')).toBe(false);
    expect(l1.calls.map((c) => c.method)).toEqual(['set', 'delete']);
    expect(store.stats().layers[1].errors).toBe(1);
    expect(await store.get('k')).toBe('new');
  });

  it('options.ttl replaces the ttl of every non-primary layer, not the primary', async () => {
    const { l0, l1, db, store } = withPrimary();
    await store.set('k', 'v', { ttl: 42 });
    expect(l0.calls[0].ttl).toBe(42);
    expect(l1.calls[0].ttl).toBe(42);
    expect(db.calls[0].ttl).toBe(99_000);
  });

  it('read-your-writes: after set resolves get returns the new value, after delete undefined', async () => {
    const { l0, l1, db, store } = withPrimary();
    l0.data.set('k', 'old');
    l1.data.set('k', 'old');
    db.data.set('k', 'old');
    await store.set('k', 'new');
    expect(await store.get('k')).toBe('new');
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
    expect([l0, l1, db].map((layer) => layer.data.has('k'))).toEqual([false, false, false]);
  });

  it('set resolves undefined; the chain sees the written value', async () => {
    const { store } = withPrimary();
    const seen: unknown[] = [];
    store.use((next) => async (ctx, key, value) => {
      const result = await next(ctx, key, value);
      seen.push([ctx.operation, value, result]);
      return result;
    });
    await expect(store.set('k', 'v')).resolves.toBeUndefined();
    await store.delete('k');
    expect(seen).toEqual([
      ['set', 'v', 'v'],
      ['delete', undefined, undefined],
    ]);
  });
});

describe('set and delete without a primary layer', () => {
  function noPrimary() {
    const a = new TestStore<string>();
    const b = new TestStore<string>();
    const store = new DelegatedStore<string, string>([
      { store: a, name: 'a' },
      { store: b, name: 'b' },
    ]);
    return { a, b, store };
  }

  it('writes every layer concurrently', async () => {
    const { a, b, store } = noPrimary();
    const held = a.holdNext('set');
    const writing = store.set('k', 'v');
    await flush();
    expect(b.count('set')).toBe(1);
    held.open();
    await writing;
    expect([a.data.get('k'), b.data.get('k')]).toEqual(['v', 'v']);
  });

  it('resolves when at least one layer accepted the write', async () => {
    const { a, b, store } = noPrimary();
    a.failures.set = new Error('a down');
    await expect(store.set('k', 'v')).resolves.toBeUndefined();
    expect(b.data.get('k')).toBe('v');
    expect(await store.get('k')).toBe('v');
  });

  it('rejects only when every layer failed', async () => {
    const { a, b, store } = noPrimary();
    a.failures.set = new Error('a down');
    b.failures.set = new Error('b down');
    const error = await store.set('k', 'v').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteFailedError);
    expect((error as WriteFailedError).errors).toHaveLength(2);
    expect((error as Error).message).toMatch(/every layer failed \(a, b\)/);
  });

  it('with a single layer, rejects with that layer error', async () => {
    const only = new TestStore<string>();
    const failure = new Error('down');
    only.failures.delete = failure;
    const store = new DelegatedStore<string, string>([{ store: only }]);
    await expect(store.delete('k')).rejects.toBe(failure);
  });
});
