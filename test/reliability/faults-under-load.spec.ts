/**
 * Faults under load: a [memory (local), Redis (timeout 100 ms), PostgreSQL (primary, timeout 2 s)] store
 * under a bounded load of mixed operations (8 workers over 200 keys) while, phase after phase, Redis is
 * killed, hung (SIGSTOP), restarted, and the database connections are dropped; then the recorded
 * history is checked (see support/fault-load.ts). The figures are printed as a table
 * (docs/reliability.md quotes them). faults-under-stress.spec.ts runs the same with the cores busy and
 * tighter timeouts.
 */
import { describe, expect, it } from '@jest/globals';
import { History, type ReadRecord } from './support/fault-load.js';
import { describeFaultLoad } from './support/fault-load-suite.js';

describeFaultLoad({
  title: 'faults under load: [memory, Redis (timeout 100 ms), PostgreSQL primary (timeout 2000 ms)]',
  redisTimeout: 100,
  primaryTimeout: 2000,
  rounds: 1,
  minReads: 1000,
  phaseCapMs: 20_000,
  busyThreads: 0,
  faultP99BoundMs: 100 + 400,
});

describe('the history check of the load test', () => {
  const at = (start: number, end: number) => ({ start, end });
  function historyOf(writes: Array<[value: string | undefined, start: number, end: number, ok: boolean]>) {
    const history = new History();
    for (const [value, start, end, ok] of writes) {
      const write = history.startWrite('k', value === undefined);
      Object.assign(write, { value, start, end, ok });
    }
    return history;
  }
  const read = (value: string | undefined, start: number, end: number): ReadRecord => ({
    op: 'get',
    key: 'k',
    value,
    ...at(start, end),
    phase: 0,
  });

  it('accepts what a read may return and flags what it may not', () => {
    const history = historyOf([
      ['v1', 0, 1, true],
      ['v2', 2, 3, true],
      [undefined, 4, 5, true], // a delete
      ['v4', 6, 8, false], // rejected: it may or may not have landed
    ]);
    expect(history.checkRead(read('v2', 3.5, 3.9))).toBeUndefined();
    expect(history.checkRead(read('v1', 3.5, 3.9))).toMatch(/returned v1; last acknowledged before it: v2/);
    expect(history.checkRead(read('v1', 1.5, 2.5))).toBeUndefined(); // overlaps the write of v2
    expect(history.checkRead(read(undefined, 5.5, 5.9))).toBeUndefined();
    expect(history.checkRead(read('v2', 5.5, 5.9))).toMatch(/returned v2/); // resurrected after the delete
    expect(history.checkRead(read('v4', 5.5, 5.9))).toMatch(/returned v4/); // not issued before the read ended
    expect(history.checkRead(read('v4', 6.5, 9))).toBeUndefined();
    const loadedBefore = history.load('k');
    history.loads.set(loadedBefore, 3.5);
    const loadedAfter = history.load('k');
    history.loads.set(loadedAfter, 5.5);
    expect(history.checkRead(read(loadedAfter, 5.6, 5.9))).toBeUndefined();
    expect(history.checkRead(read(loadedBefore, 5.6, 5.9))).toMatch(/returned k@L1/); // loaded before the delete
    expect(history.allowedInPrimary('k')).toEqual([undefined, 'v4']);
    expect(history.allowedInCache('k', 'v2', undefined)).toBe(false);
    expect(history.allowedInCache('k', loadedAfter, undefined)).toBe(true);
  });
});
