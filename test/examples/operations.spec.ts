/** The examples of docs/store-operations.md (examples/operations/). */
import { describe, expect, it } from '@jest/globals';
import { changeCallbacks } from '../../examples/operations/change-callbacks.js';
import { clearAndKeys } from '../../examples/operations/clear-and-keys.js';
import { hasAndGetSet } from '../../examples/operations/has-get-set.js';
import { invalidateAndCachesOnly } from '../../examples/operations/invalidate.js';
import { loggingAndMetrics } from '../../examples/operations/logging-and-metrics.js';

describe('examples/operations', () => {
  it('has-get-set.ts: has, getSet taking turns, getLayer', async () => {
    expect(await hasAndGetSet()).toEqual({
      has: true,
      hasMissing: false,
      replaced: [1, 2],
      now: 3,
      layer: { name: 'database', primary: true },
      outOfRange: 'getLayer: index must be a whole number from 0 to 1, got 2',
    });
  });

  it('clear-and-keys.ts: keys of the primary, the cache purge keeps the table, clear empties it', async () => {
    expect(await clearAndKeys()).toEqual({
      keys: ['session:a', 'session:b'],
      afterPurge: { memory: 0, table: 2 },
      stillThere: 'alice',
      afterClear: { memory: 0, table: 0 },
    });
  });

  it('invalidate.ts: invalidate and cachesOnly reach the caches only', async () => {
    expect(await invalidateAndCachesOnly()).toEqual({
      cached: 'Ada',
      reread: 'Ada Lovelace',
      notCached: undefined,
      preview: 'Grace H.',
      rows: ['user:1', 'user:2'],
    });
  });

  it('change-callbacks.ts: onChange and onDelete with the old values; a throwing callback is contained', async () => {
    expect(await changeCallbacks()).toEqual({
      changes: [
        'set user:1: Ada -> Ada Lovelace',
        'getSet user:1: Ada Lovelace -> Ada King',
        'delete user:1: Ada King deleted',
        'set user:2: Grace -> Grace Hopper',
      ],
      contained: ['callback onChange: audit log unavailable'],
      written: 'Grace Hopper',
    });
  });

  it('logging-and-metrics.ts: a line when an operation starts and ends, a sample when it settled', async () => {
    expect(await loggingAndMetrics()).toEqual({
      lines: [
        'delegated-store set user:1 ...',
        'delegated-store set user:1 ok (… ms)',
        'delegated-store get user:1 ...',
        'delegated-store get user:1 ok (… ms)',
        'delegated-store get user:2 ...',
        'delegated-store get user:2 miss (… ms)',
        'delegated-store getMany [user:1, user:2] ...',
        'delegated-store getMany [user:1, user:2] ok (1 of 2 found) (… ms)',
        'delegated-store getOrLoad user:3 ...',
        'ERROR delegated-store getOrLoad user:3 failed: the API is down (… ms)',
      ],
      operations: ['set', 'get', 'get', 'getMany', 'getOrLoad'],
      durationsAreNumbers: true,
    });
  });
});
