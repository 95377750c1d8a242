import { describe, expect, it } from '@jest/globals';
import { quickStart } from '../../examples/quick-start.js';

describe('the README quick start (examples/quick-start.ts)', () => {
  it('reads from the database, back-fills both caches, then serves memory; a write reaches the caches', async () => {
    const lines: string[] = [];
    const { first, second, third } = await quickStart((line) => lines.push(line));
    expect(first).toEqual({ id: '1', name: 'Ada' });
    expect(second).toEqual({ id: '1', name: 'Ada' });
    expect(third).toEqual({ id: '1', name: 'Ada Lovelace' });
    expect(lines.filter((line) => line.startsWith('served by'))).toEqual([
      'served by database',
      'served by memory',
      'served by memory',
    ]);
    expect(lines).toContain('back-filled user:1 into layer 0');
    expect(lines).toContain('back-filled user:1 into layer 1');
    // loggingMiddleware: a line when each operation starts and one when it ends, never the value.
    expect(lines.filter((line) => line === 'delegated-store get user:1 ...')).toHaveLength(3);
    expect(lines.filter((line) => /^delegated-store set user:1 ok \(/.test(line))).toHaveLength(1);
    expect(lines.some((line) => line.includes('Lovelace'))).toBe(false);
  });
});
