import { describe, expect, it } from '@jest/globals';
import { DelegatedStore } from '../../lib/index.js';
import { TestStore } from '../support/test-store.js';

describe('smoke', () => {
  it('reads through and backfills', async () => {
    const l0 = new TestStore<string>();
    const l1 = new TestStore<string>({ a: 'A' });
    const store = new DelegatedStore<string, string>([{ store: l0 }, { store: l1, primary: true }]);
    expect(await store.get('a')).toBe('A');
    await store.drain();
    expect(l0.data.get('a')).toBe('A');
  });
});
