/** The checker itself can fail: hand-written histories that break each property must be reported. */
import { describe, expect, it } from '@jest/globals';
import type fc from 'fast-check';
import { checkRun } from './support/model.js';
import type { OpRecord, Run } from './support/program.js';
import { Clock, ScheduledStore } from './support/scheduled-store.js';

function history(ops: OpRecord[], layers: Array<Record<string, string>>, primary: boolean): Run {
  const clock = new Clock();
  for (let i = 0; i < 100; i++) clock.tick();
  const stores = layers.map((data, i) => {
    const store = new ScheduledStore(`L${i}`, undefined as unknown as fc.Scheduler, clock);
    for (const [key, value] of Object.entries(data)) store.data.set(key, value);
    return store;
  });
  return {
    config: undefined as never,
    store: undefined as never,
    layers: stores,
    primary: primary ? stores[stores.length - 1] : undefined,
    ops,
    loads: [],
    initial: new Map([['a', 'init-a']]),
    clock,
    violations: [],
  };
}

const set = (id: number, inv: number, res: number, value: string): OpRecord => ({
  id,
  command: { op: 'set', key: 'a' },
  inv,
  res,
  ok: true,
  written: value,
});
const get = (id: number, inv: number, res: number, value: string | undefined): OpRecord => ({
  id,
  command: { op: 'get', key: 'a' },
  inv,
  res,
  ok: true,
  results: [value],
});

describe('the reference model', () => {
  it('accepts a consistent history', () => {
    const run = history([set(0, 1, 2, 'v1'), get(1, 3, 4, 'v1')], [{ a: 'v1' }, { a: 'v1' }], true);
    expect(checkRun(run, { failuresInjected: false })).toEqual([]);
  });

  it('accepts any value of an overlapping write, or the value before it', () => {
    const run = history(
      [set(0, 1, 6, 'v1'), get(1, 2, 3, 'init-a'), get(2, 4, 5, 'v1')],
      [{ a: 'v1' }, { a: 'v1' }],
      true,
    );
    expect(checkRun(run, { failuresInjected: false })).toEqual([]);
  });

  it('reports a read that returns the value before an acknowledged write', () => {
    const run = history([set(0, 1, 2, 'v1'), get(1, 3, 4, 'init-a')], [{ a: 'v1' }, { a: 'v1' }], true);
    expect(checkRun(run, { failuresInjected: false }).join('\n')).toMatch(/read-your-writes: #1/);
  });

  it('reports a cache layer that holds an old value after drain (resurrection)', () => {
    const run = history([set(0, 1, 2, 'v1')], [{ a: 'init-a' }, { a: 'v1' }], true);
    const violations = checkRun(run, { failuresInjected: false }).join('\n');
    expect(violations).toMatch(/no resurrection: after drain, L0 holds init-a/);
    expect(violations).toMatch(/agreement: L0 holds init-a/);
  });

  it('reports a primary that lost an acknowledged write', () => {
    const run = history([set(0, 1, 2, 'v1'), set(1, 3, 4, 'v2')], [{}, { a: 'v1' }], true);
    expect(checkRun(run, { failuresInjected: false }).join('\n')).toMatch(
      /acknowledged write: the primary holds v1 for a, expected v2/,
    );
  });

  it('reports a value no one wrote in a cache layer', () => {
    const run = history([], [{ a: 'init-a' }, { a: 'init-a' }], true);
    run.layers[0].events.push({ at: 50, layer: 'L0', method: 'set', key: 'a', value: 'forged' });
    expect(checkRun(run, { failuresInjected: false }).join('\n')).toMatch(
      /cache ⊆ history: L0 was written forged/,
    );
  });

  it('reports, with grace, a read served from a cache past ttl + grace, and a write asking for longer', () => {
    // init-a landed in L0 at wall 0 (ttl + grace = 110 ms); L0 handed it out at wall 111 to a get.
    const served = { ...get(1, 3, 6, 'init-a'), served: { layer: 'L0', stale: false } };
    const run = history([served], [{ a: 'init-a' }, { a: 'init-a' }], true);
    run.config = { grace: true } as Run['config'];
    run.layers[0].events.push(
      { at: 1, layer: 'L0', method: 'set', key: 'a', value: 'init-a', wall: 0, ttl: 110 },
      { at: 2, layer: 'L0', method: 'set', key: 'a', value: 'init-a', wall: 0, ttl: 111 },
      { at: 4, layer: 'L0', method: 'read', key: 'a', value: 'init-a', wall: 111 },
    );
    const violations = checkRun(run, { failuresInjected: false }).join('\n');
    expect(violations).toMatch(/grace bound: #1 get\(a\) .* L0 handed it out 111 ms after it landed/);
    expect(violations).toMatch(/grace bound: L0 was written init-a for a with ttl 111/);
    // Handed out before it expired, from writes within the bound: no violation.
    run.layers[0].events[2] = { ...run.layers[0].events[2], wall: 109 };
    run.layers[0].events[1] = { ...run.layers[0].events[1], ttl: 110 };
    expect(checkRun(run, { failuresInjected: false }).join('\n')).not.toMatch(/grace bound/);
  });
});
