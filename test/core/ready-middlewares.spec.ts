import { describe, expect, it } from '@jest/globals';
import {
  DelegatedStore,
  loggingMiddleware,
  metricsMiddleware,
  withMiddleware,
  type OperationSample,
} from '../../lib/index.js';
import { TestStore } from '../support/test-store.js';

function store(entries: Record<string, string> = {}) {
  const db = new TestStore<string>(entries);
  return {
    db,
    store: new DelegatedStore<string, string>([
      { store: new TestStore<string>() },
      { store: db, primary: true },
    ]),
  };
}

describe('loggingMiddleware', () => {
  it('logs one line when an operation starts and one when it ends, with the outcome and never the value', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const { db, store: s } = store({ 'user:1': 'secret-value' });
    s.use(loggingMiddleware({ log: (line) => lines.push(line), error: (line) => errors.push(line) }));
    await s.get('user:1');
    await s.get('user:2');
    await s.set('user:3', 'another-secret');
    db.failures.get = new Error('db down');
    await expect(s.get('user:4')).rejects.toThrow('db down');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^delegated-store get user:1 \.\.\.$/);
    expect(lines[1]).toMatch(/^delegated-store get user:1 ok \([\d.]+ ms\)$/);
    expect(lines[3]).toMatch(/^delegated-store get user:2 miss /);
    expect(lines[5]).toMatch(/^delegated-store set user:3 ok /);
    expect(lines[6]).toMatch(/^delegated-store get user:4 \.\.\.$/);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^delegated-store get user:4 failed: db down /);
    expect([...lines, ...errors].join('\n')).not.toMatch(/secret/);
  });

  it('names every key of a getMany (a bounded list) and has as ok/miss', async () => {
    const lines: string[] = [];
    const { store: s } = store({ a: '1' });
    s.use(loggingMiddleware({ log: (line) => lines.push(line) }));
    await s.getMany(['a', 'b']);
    await s.has('a');
    await s.has('zz');
    await s.getMany(['1', '2', '3', '4', '5', '6', '7']);
    expect(lines[1]).toMatch(/^delegated-store getMany \[a, b\] ok \(1 of 2 found\)/);
    expect(lines[3]).toMatch(/^delegated-store has a ok /);
    expect(lines[5]).toMatch(/^delegated-store has zz miss /);
    expect(lines[6]).toBe('delegated-store getMany [1, 2, 3, 4, 5, … +2] ...');
  });

  it('uses console by default and refuses a logger without log()', () => {
    expect(typeof loggingMiddleware()).toBe('function');
    expect(() => loggingMiddleware({} as never)).toThrow(TypeError);
  });
});

describe('metricsMiddleware', () => {
  it('records once per operation after it settled, with its duration and error', async () => {
    const samples: OperationSample[] = [];
    const { db, store: s } = store({ k: 'v' });
    s.use(metricsMiddleware((sample) => samples.push(sample)));
    await s.get('k');
    await s.set('k', 'w');
    const failure = new Error('db down');
    db.failures.delete = failure;
    await expect(s.delete('k')).rejects.toBe(failure);
    expect(samples.map((sample) => sample.operation)).toEqual(['get', 'set', 'delete']);
    expect(samples.every((sample) => sample.durationMs >= 0)).toBe(true);
    expect(samples[0].error).toBeUndefined();
    expect(samples[2].error).toBe(failure);
  });

  it('a record that throws never fails the operation', async () => {
    const { store: s } = store({ k: 'v' });
    s.use(
      metricsMiddleware(() => {
        throw new Error('metrics sink down');
      }),
    );
    expect(await s.get('k')).toBe('v');
  });

  it('composes with other middlewares and sees the operation name', async () => {
    const samples: string[] = [];
    const db = new TestStore<string>({ k: 'v' });
    const s = new DelegatedStore<string, string>(
      [{ store: db, primary: true }],
      withMiddleware(metricsMiddleware((sample) => samples.push(sample.operation))),
    );
    await s.has('k');
    await s.invalidate('k');
    expect(samples).toEqual(['has', 'invalidate']);
  });
});
