/** The examples included in docs/reads-writes-backfill.md, docs/freshness.md and docs/decorators.md. */
import { describe, expect, it } from '@jest/globals';
import { fencedBackfill } from '../../examples/fenced-backfill.js';
import { decorators } from '../../examples/decorators.js';
import { freshness } from '../../examples/freshness.js';

describe('examples/fenced-backfill.ts', () => {
  it('drops the backfill of a value read before a write: memory keeps the written value', async () => {
    expect(await fencedBackfill()).toEqual({
      read: 'hello',
      inMemory: 'bonjour',
      nextRead: 'bonjour',
      droppedBackFills: 1,
    });
  });
});

describe('examples/freshness.ts', () => {
  it('serves stale at once and refreshes, serves stale while the database is down, remembers a miss', async () => {
    const result = await freshness();
    expect(result.stale).toBe('Ada');
    expect(result.refreshed).toBe('Ada Lovelace');
    expect(result.duringOutage).toBe('Ada Lovelace');
    expect(result.missing).toBeUndefined();
    expect(result.missingAgain).toBeUndefined();
    expect(result.loads).toBe(1);
    // The refreshed read is `memory` (or `memory; stale` when the machine stalled past the 200 ms ttl).
    expect(result.served[0]).toBe('database');
    expect(result.served[1]).toBe('memory; stale');
    expect(result.served[2]).toMatch(/^memory/);
    expect(result.served[3]).toBe('memory; stale');
    expect(result.stats.refreshFailures).toBe(1);
    expect(result.stats.staleHits).toBeGreaterThanOrEqual(2);
    expect(result.stats.refreshes).toBeGreaterThanOrEqual(2);
  });
});

describe('examples/decorators.ts', () => {
  it('caches by default and explicit keys, honours condition and unless, puts, evicts keys and everything', async () => {
    expect(await decorators()).toEqual({
      calls: [
        'find a1',
        'find zz', // once: null is cached
        'search Caching 1', // once
        'search Caching 9', // condition false: the method ran, the store was bypassed
        'search Nothing 1',
        'search Nothing 1', // unless: an empty result is not kept
      ],
      renamed: 'Caching, in layers', // written by @DelegatedPut: title() was not called
      found: true,
      foundAfterRemove: false,
      searched: true,
      searchedAfterReindex: false,
    });
  });
});
