import { describe, expect, it } from '@jest/globals';
import { quickStart } from '../../examples/quick-start.js';

describe('the README quick start', () => {
  it('runs: database, then memory, then the written value; backfill reported', async () => {
    const lines: string[] = [];
    const { first, second, third } = await quickStart((line) => lines.push(line));
    expect(first).toEqual({ id: '1', name: 'Ada' });
    expect(second).toEqual({ id: '1', name: 'Ada' });
    expect(third).toEqual({ id: '1', name: 'Ada Lovelace' });
    expect(lines).toContain('back-filled user:1 into layer 0');
    expect(lines).toContain('back-filled user:1 into layer 1');
    expect(lines.filter((line) => line.startsWith('get user:1 took'))).toHaveLength(3);
    const stats = JSON.parse(lines[lines.length - 1]) as Array<{ name: string; hits: number }>;
    expect(stats.map((layer) => [layer.name, layer.hits])).toEqual([
      ['memory', 2],
      ['shared', 0],
      ['database', 1],
    ]);
  });
});
