import { describe, expect, it } from '@jest/globals';
import { cachedMethod } from '../../examples/cached-method.js';
import { nestQuickStart } from '../../examples/nest-quick-start.js';

describe('the README Nest quick start (examples/nest-quick-start.ts)', () => {
  it('injects the typed store by its class: a read from the table, a write, a read from memory', async () => {
    const { before, after, hits } = await nestQuickStart();
    expect(before).toEqual({ id: '1', name: 'Ada' });
    expect(after).toEqual({ id: '1', name: 'Ada Lovelace' });
    expect(hits).toEqual(['memory: 1', 'database: 1']);
  });
});

describe('the README cached method (examples/cached-method.ts)', () => {
  it('runs the query once for concurrent and later calls, evicts on save, and never touches the table', async () => {
    const result = await cachedMethod();
    const greenTea = { id: '1', sku: 'TEA-01', name: 'Green tea' };
    expect(result.found).toEqual([greenTea, greenTea]);
    expect(result.renamed).toEqual({ id: '1', sku: 'TEA-01', name: 'Sencha' });
    expect(result.queries).toBe(2);
    // Neither the cached query (`sku:TEA-01`) nor its eviction reached the table: its one row is intact.
    expect(result.rows).toEqual(['product:1']);
  });
});
