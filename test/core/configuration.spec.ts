import { describe, expect, it } from '@jest/globals';
import {
  ConfigurationError,
  DelegatedStore,
  retryMiddleware,
  withBackFillCallback,
  withMiddleware,
  type Layer,
} from '../../lib/index.js';
import { TestStore } from '../support/test-store.js';

const build = (layers: unknown, ...options: unknown[]) =>
  new DelegatedStore(layers as Layer<string, unknown>[], ...(options as []));

describe('DelegatedStore configuration', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['no layers', () => build([]), /at least one layer/],
    ['layers not an array', () => build(undefined), /at least one layer/],
    ['a layer without a store', () => build([{}]), /layer 0 needs a store with get, set and delete/],
    [
      'a store without delete',
      () => build([{ store: { get: async () => 1, set: async () => {} } }]),
      /layer 0 needs a store with get, set and delete/,
    ],
    [
      'two primary layers',
      () =>
        build([
          { store: new TestStore(), primary: true },
          { store: new TestStore(), primary: true },
        ]),
      /at most one layer can be primary, 2 are/,
    ],
    ['a ttl of 0', () => build([{ store: new TestStore(), ttl: 0 }]), /ttl must be a finite number/],
    ['a negative ttl', () => build([{ store: new TestStore(), ttl: -5 }]), /ttl must be a finite number/],
    [
      'an infinite ttl',
      () => build([{ store: new TestStore(), ttl: Infinity }]),
      /ttl must be a finite number/,
    ],
    ['a NaN ttl', () => build([{ store: new TestStore(), ttl: NaN }]), /ttl must be a finite number/],
    ['a string ttl', () => build([{ store: new TestStore(), ttl: '10' }]), /ttl must be a finite number/],
    [
      'a timeout of 0',
      () => build([{ store: new TestStore(), timeout: 0 }]),
      /timeout must be a finite number/,
    ],
    [
      'two layers with the same name',
      () =>
        build([
          { store: new TestStore(), name: 'a' },
          { store: new TestStore(), name: 'a' },
        ]),
      /two layers are named "a"/,
    ],
    [
      'a name that clashes with a default name',
      () => build([{ store: new TestStore() }, { store: new TestStore(), name: 'layer0' }]),
      /two layers are named "layer0"/,
    ],
    [
      'an option that is not a function',
      () => build([{ store: new TestStore() }], 42),
      /option 0 must be a function/,
    ],
    ['a null option', () => build([{ store: new TestStore() }], null), /option 0 must be a function/],
    ['retryMiddleware(-1)', () => retryMiddleware(-1), /maxRetries must be a whole number >= 0/],
    ['retryMiddleware(1.5)', () => retryMiddleware(1.5), /maxRetries must be a whole number >= 0/],
    ['retryMiddleware(NaN)', () => retryMiddleware(NaN), /maxRetries must be a whole number >= 0/],
    ['withMiddleware(non-function)', () => withMiddleware(3 as never), /middleware must be a function/],
    [
      'withBackFillCallback(non-function)',
      () => withBackFillCallback('x' as never),
      /callback must be a function/,
    ],
  ];

  it.each(cases)('throws ConfigurationError synchronously for %s', (_name, make, message) => {
    let thrown: unknown;
    try {
      make();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as ConfigurationError).code).toBe('CONFIGURATION');
  });

  it('accepts a valid configuration and names layers by default', () => {
    const store = new DelegatedStore<string, number>([
      { store: new TestStore() },
      { store: new TestStore(), name: 'db', primary: true, ttl: 1000 },
    ]);
    expect(store.stats().layers.map((layer) => layer.name)).toEqual(['layer0', 'db']);
  });

  it('retryMiddleware(0) is valid: one call, no retry', () => {
    expect(() => retryMiddleware(0)).not.toThrow();
  });

  it('use() rejects a middleware that is not a function', () => {
    const store = new DelegatedStore<string, number>([{ store: new TestStore() }]);
    expect(() => store.use(1 as never)).toThrow(ConfigurationError);
  });
});

describe('configuration errors name the type of what they got', () => {
  it('a ttl read from the environment as a string says so', () => {
    expect(() => new DelegatedStore([{ store: new TestStore(), ttl: '60000' as unknown as number }])).toThrow(
      'layer 0: ttl must be a finite number of milliseconds > 0, got "60000" (string)',
    );
  });
});
