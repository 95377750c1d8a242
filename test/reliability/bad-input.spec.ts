/**
 * Bad input, as one table: each row is an input, the documented behaviour (an error class, or what the
 * core does with it), and after every row the same store must still work (a normal set and get).
 * README.md (Reliability, Bad input) lists the same table.
 */
import { describe, expect, it } from '@jest/globals';
import {
  DelegatedStore,
  LayerTimeoutError,
  StoreClosedError,
  type Middleware,
  type Store,
} from '../../lib/index.js';
import { RecordingStore } from './support/recording-store.js';

type AnyStore = DelegatedStore<any, any>;

interface Setup {
  store: AnyStore;
  cache: RecordingStore;
  primary: RecordingStore;
}

type Outcome =
  | { rejects: new (...args: any[]) => unknown; message?: RegExp }
  | { resolves: (value: unknown, setup: Setup) => void };

interface Row {
  input: string;
  /** Changes the default setup (a cache layer over a primary layer) before the row runs. */
  prepare?: (setup: Setup) => void | Promise<void>;
  /** Builds another store when the row is about configuration. */
  layers?: (
    cache: RecordingStore,
    primary: RecordingStore,
  ) => ConstructorParameters<typeof DelegatedStore>[0];
  act: (setup: Setup) => unknown;
  outcome: Outcome;
  /** No layer store is called by the operation. */
  untouched?: boolean;
}

const BAD = 'bad';
const rejectsTypeError = { rejects: TypeError } as const;

/** A middleware that misbehaves only for the key 'bad'. */
const onBadKey =
  (behave: () => Promise<unknown>): Middleware<any, any> =>
  (next) =>
  (ctx, key, value) =>
    key === BAD ? (behave() as Promise<any>) : next(ctx, key, value);

const hugeArray = Array.from({ length: 1_000_000 }, (_, i) => i);
const cyclic: Record<string, unknown> = { name: 'cycle' };
cyclic.self = cyclic;
const fn = () => 'a function value';
const longKey = 'k'.repeat(1_000_000);
const objectKey = { id: 1 };
const abortReason = new Error('aborted by the caller');

const rows: Row[] = [
  // ── Keys ──
  ...(['get', 'delete', 'getOrLoad'] as const).flatMap((op) =>
    [undefined, null].map((key): Row => ({
      input: `${op}(${String(key)})`,
      act: ({ store }) => (op === 'getOrLoad' ? store.getOrLoad(key, async () => 1) : store[op](key)),
      outcome: rejectsTypeError,
      untouched: true,
    })),
  ),
  ...[undefined, null].map((key): Row => ({
    input: `set(${String(key)}, 1)`,
    act: ({ store }) => store.set(key, 1),
    outcome: rejectsTypeError,
    untouched: true,
  })),
  {
    input: "getMany(['a', undefined])",
    act: ({ store }) => store.getMany(['a', undefined]),
    outcome: rejectsTypeError,
    untouched: true,
  },
  {
    input: "getMany('a') (not an array)",
    act: ({ store }) => store.getMany('a' as any),
    outcome: rejectsTypeError,
    untouched: true,
  },
  {
    input: "set('', 1) then get('')",
    act: async ({ store }) => (await store.set('', 1), store.get('')),
    outcome: { resolves: (value) => expect(value).toBe(1) },
  },
  {
    input: 'a 1 MB string key',
    act: async ({ store }) => (await store.set(longKey, 'long'), store.get(longKey)),
    outcome: { resolves: (value) => expect(value).toBe('long') },
  },
  {
    input: 'number key 42 (not "42")',
    act: async ({ store }) => (await store.set(42, 'n'), [await store.get(42), await store.get('42')]),
    outcome: {
      resolves: (value, { primary }) => {
        expect(value).toEqual(['n', undefined]);
        expect(primary.data.get(42)).toBe('n'); // passed to the layer as is, not stringified
      },
    },
  },
  {
    input: 'object key (by identity in a Map layer)',
    act: async ({ store }) => (
      await store.set(objectKey, 'o'),
      [await store.get(objectKey), await store.get({ id: 1 })]
    ),
    outcome: { resolves: (value) => expect(value).toEqual(['o', undefined]) },
  },
  // ── Values ──
  {
    input: "set('k', undefined)",
    act: ({ store }) => store.set('k', undefined),
    outcome: rejectsTypeError,
    untouched: true,
  },
  {
    input: "set('k', null): null is a value",
    act: async ({ store }) => (await store.set('k', null), store.get('k')),
    outcome: { resolves: (value) => expect(value).toBeNull() },
  },
  ...(
    [
      ['a BigInt', 10n ** 30n],
      ['a cyclic object', cyclic],
      ['a function', fn],
      ['a 1e6-element array', hugeArray],
    ] as const
  ).map(([what, written]): Row => ({
    input: `set('k', ${what}), then a read that backfills`,
    prepare: ({ primary }) => void primary.data.set('k2', written),
    act: async ({ store }) => {
      await store.set('k', written);
      const read = await store.get('k2'); // found in the primary: backfilled into the cache
      await store.drain();
      return [await store.get('k'), read];
    },
    outcome: {
      resolves: (value, { cache }) => {
        const [direct, backfilled] = value as unknown[];
        expect(direct).toBe(written); // the same reference: the core never copies nor serialises
        expect(backfilled).toBe(written);
        expect(cache.data.get('k2')).toBe(written);
      },
    },
  })),
  // ── Layer stores that misbehave ──
  {
    input: 'cache get resolves synchronously (returns a plain value, no promise)',
    prepare: ({ cache }) => {
      cache.get = ((key: unknown) => (key === BAD ? 'plain' : cache.data.get(key))) as Store<
        unknown,
        unknown
      >['get'];
    },
    act: ({ store }) => store.get(BAD),
    outcome: { resolves: (value) => expect(value).toBe('plain') },
  },
  {
    input: 'cache get throws synchronously',
    prepare: ({ cache, primary }) => {
      primary.data.set(BAD, 'from primary');
      const get = cache.get.bind(cache);
      cache.get = (key) => {
        if (key === BAD) throw new Error('sync throw');
        return get(key);
      };
    },
    act: ({ store }) => store.get(BAD),
    outcome: { resolves: (value) => expect(value).toBe('from primary') }, // a miss: the walk goes on
  },
  {
    input: 'primary get throws synchronously',
    prepare: ({ primary }) => {
      const get = primary.get.bind(primary);
      primary.get = (key) => {
        if (key === BAD) throw new RangeError('sync throw');
        return get(key);
      };
    },
    act: ({ store }) => store.get(BAD),
    outcome: { rejects: RangeError },
  },
  {
    input: 'cache getMany returns the wrong length',
    prepare: ({ cache, primary }) => {
      primary.data.set(BAD, 'from primary');
      cache.getMany = async (keys) => (keys.includes(BAD) ? [] : keys.map((key) => cache.data.get(key)));
    },
    act: ({ store }) => store.getMany([BAD, 'x']),
    outcome: { resolves: (value) => expect(value).toEqual(['from primary', undefined]) }, // a miss for the batch
  },
  {
    input: 'primary getMany returns a non-array',
    prepare: ({ primary }) => {
      primary.getMany = async (keys) =>
        keys.includes(BAD) ? (42 as any) : keys.map((key) => primary.data.get(key));
    },
    act: ({ store }) => store.getMany([BAD]),
    outcome: { rejects: TypeError, message: /answered a batch of 1 keys with 42/ },
  },
  {
    input: 'cache set throws synchronously (set)',
    prepare: ({ cache }) => {
      const set = cache.set.bind(cache);
      cache.set = (key, value) => {
        if (key === BAD) throw new Error('sync throw');
        return set(key, value);
      };
    },
    act: async ({ store }) => (await store.set(BAD, 'v'), store.get(BAD)),
    outcome: {
      resolves: (value, { cache }) => {
        expect(value).toBe('v'); // contained: the cache got a best-effort delete, the primary has it
        expect(cache.data.has(BAD)).toBe(false);
      },
    },
  },
  {
    input: 'primary set throws synchronously',
    prepare: ({ primary }) => {
      const set = primary.set.bind(primary);
      primary.set = (key, value) => {
        if (key === BAD) throw new RangeError('sync throw');
        return set(key, value);
      };
    },
    act: ({ store }) => store.set(BAD, 'v'),
    outcome: { rejects: RangeError },
  },
  {
    input: 'cache get never settles, layer timeout 20 ms',
    layers: (cache, primary) => [
      { store: cache, timeout: 20 },
      { store: primary, primary: true },
    ],
    prepare: ({ cache, primary }) => {
      primary.data.set(BAD, 'from primary');
      const get = cache.get.bind(cache);
      cache.get = (key) => (key === BAD ? new Promise(() => {}) : get(key));
    },
    act: ({ store }) => store.get(BAD),
    outcome: { resolves: (value) => expect(value).toBe('from primary') }, // the timeout is a miss
  },
  {
    input: 'primary get never settles, layer timeout 20 ms',
    layers: (cache, primary) => [{ store: cache }, { store: primary, primary: true, timeout: 20 }],
    prepare: ({ primary }) => {
      const get = primary.get.bind(primary);
      primary.get = (key) => (key === BAD ? new Promise(() => {}) : get(key));
    },
    act: ({ store }) => store.get(BAD),
    outcome: { rejects: LayerTimeoutError },
  },
  {
    input: 'primary get never settles, no timeout, signal aborted while waiting',
    prepare: ({ primary }) => {
      const get = primary.get.bind(primary);
      primary.get = (key) => (key === BAD ? new Promise(() => {}) : get(key));
    },
    act: async ({ store }) => {
      const controller = new AbortController();
      const read = store.get(BAD, { signal: controller.signal });
      await Promise.resolve();
      controller.abort(abortReason);
      return read.catch((error: unknown) => {
        expect(error).toBe(abortReason);
        throw error;
      });
    },
    outcome: { rejects: Error, message: /aborted by the caller/ },
  },
  // ── Middleware and callbacks ──
  {
    input: 'middleware rejects',
    prepare: ({ store }) => store.use(onBadKey(() => Promise.reject(new RangeError('middleware')))),
    act: ({ store }) => store.get(BAD),
    outcome: { rejects: RangeError },
  },
  {
    input: 'a middleware factory that throws at use()',
    act: ({ store }) => {
      expect(() =>
        store.use(() => {
          throw new RangeError('factory');
        }),
      ).toThrow(RangeError);
      return store.get('x'); // the chain was left as it was
    },
    outcome: { resolves: (value) => expect(value).toBeUndefined() },
  },
  ...(['sync throw', 'rejection'] as const).map((how): Row => ({
    input: `backfill callback: ${how}`,
    prepare: ({ store, primary }) => {
      primary.data.set(BAD, 'p');
      store.onBackFill(() => {
        if (how === 'sync throw') throw new Error('callback');
        return Promise.reject(new Error('callback'));
      });
    },
    act: async ({ store }) => {
      const seen: unknown[] = [];
      store.onBackFill((_ctx, key) => void seen.push(key));
      const value = await store.get(BAD);
      await store.drain();
      return [value, seen];
    },
    outcome: {
      resolves: (value, { cache }) => {
        expect(value).toEqual(['p', [BAD]]); // the next callback still ran
        expect(cache.data.get(BAD)).toBe('p'); // the backfill happened
      },
    },
  })),
  // ── Options and loader ──
  ...(['a string', null, 42] as const).map((options): Row => ({
    input: `options = ${String(options)}`,
    act: ({ store }) => store.get('k', options as any),
    outcome: rejectsTypeError,
    untouched: true,
  })),
  ...([0, -1, Number.NaN, Infinity, '10'] as const).map((ttl): Row => ({
    input: `set with options.ttl = ${typeof ttl === 'string' ? `'${ttl}'` : String(ttl)}`,
    act: ({ store }) => store.set('k', 1, { ttl: ttl as any }),
    outcome: rejectsTypeError,
    untouched: true,
  })),
  {
    input: 'an already aborted signal',
    act: ({ store }) => store.get('k', { signal: AbortSignal.abort(abortReason) }),
    outcome: { rejects: Error, message: /aborted by the caller/ },
    untouched: true,
  },
  {
    input: 'getOrLoad with a non-function loader',
    act: ({ store }) => store.getOrLoad('k', 'not a function' as any),
    outcome: rejectsTypeError,
    untouched: true,
  },
  {
    input: 'getOrLoad whose loader throws synchronously',
    act: ({ store }) =>
      store.getOrLoad(BAD, () => {
        throw new RangeError('loader');
      }),
    outcome: { rejects: RangeError },
  },
];

async function setup(row: Row): Promise<Setup> {
  const cache = new RecordingStore({ batch: true });
  const primary = new RecordingStore({ batch: true });
  const layers = row.layers?.(cache, primary) ?? [{ store: cache }, { store: primary, primary: true }];
  const built: Setup = { store: new DelegatedStore<any, any>(layers as any), cache, primary };
  await row.prepare?.(built);
  return built;
}

async function run(
  act: () => unknown,
): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await act() };
  } catch (error) {
    return { ok: false, error };
  }
}

describe('bad input', () => {
  it.each(rows.map((row) => [row.input, row] as const))('%s', async (_input, row) => {
    const built = await setup(row);
    const callsBefore = built.cache.calls.length + built.primary.calls.length;
    const result = await run(() => row.act(built));
    if ('rejects' in row.outcome) {
      expect(result.ok).toBe(false);
      const { error } = result as { error: unknown };
      expect(error).toBeInstanceOf(row.outcome.rejects);
      if (row.outcome.message) expect((error as Error).message).toMatch(row.outcome.message);
    } else {
      if (!result.ok) throw (result as { error: unknown }).error;
      row.outcome.resolves(result.value, built);
    }
    if (row.untouched) expect(built.cache.calls.length + built.primary.calls.length).toBe(callsBefore);

    // The store keeps working.
    await built.store.set('after', 'fine');
    expect(await built.store.get('after')).toBe('fine');
    expect(await built.store.getMany(['after'])).toEqual(['fine']);
    await built.store.drain();
  });

  // A public operation returns a promise: whatever goes wrong, it rejects and never throws synchronously.
  it.each(['get', 'getOrLoad', 'getMany'] as const)(
    'a middleware that throws synchronously: %s rejects instead of throwing',
    async (op) => {
      const built = await setup({ input: '', act: () => undefined, outcome: rejectsTypeError });
      built.store.use(() => (_ctx, key) => {
        if (key === BAD || (Array.isArray(key) && key.includes(BAD))) throw new RangeError('middleware');
        return Promise.resolve(undefined);
      });
      let call: Promise<unknown> | undefined;
      expect(() => {
        call =
          op === 'getMany'
            ? built.store.getMany([BAD])
            : op === 'get'
              ? built.store.get(BAD)
              : built.store.getOrLoad(BAD, async () => 1);
      }).not.toThrow(); // actual: the RangeError is thrown synchronously
      await expect(call).rejects.toThrow(RangeError);
    },
  );

  it.each(['set', 'delete'] as const)('a middleware that throws synchronously: %s rejects', async (op) => {
    const built = await setup({ input: '', act: () => undefined, outcome: rejectsTypeError });
    built.store.use(
      onBadKey(() => {
        throw new RangeError('middleware');
      }),
    );
    await expect(op === 'set' ? built.store.set(BAD, 1) : built.store.delete(BAD)).rejects.toThrow(
      RangeError,
    );
    await built.store.set('after', 'fine');
    expect(await built.store.get('after')).toBe('fine');
  });

  describe('after close()', () => {
    const operations: Array<[string, (store: AnyStore) => Promise<unknown>]> = [
      ['get', (store) => store.get('k')],
      ['set', (store) => store.set('k', 1)],
      ['delete', (store) => store.delete('k')],
      ['getOrLoad', (store) => store.getOrLoad('k', async () => 1)],
      ['getMany', (store) => store.getMany(['k'])],
      ['getMany([])', (store) => store.getMany([])],
    ];
    it.each(operations)('%s rejects with StoreClosedError and touches no layer', async (_name, op) => {
      const built = await setup({ input: '', act: () => undefined, outcome: rejectsTypeError });
      await built.store.close();
      const before = built.cache.calls.length + built.primary.calls.length;
      await expect(op(built.store)).rejects.toBeInstanceOf(StoreClosedError);
      expect(built.cache.calls.length + built.primary.calls.length).toBe(before);
      await built.store.close(); // idempotent
    });

    it('a bad key is still a TypeError after close()', async () => {
      const built = await setup({ input: '', act: () => undefined, outcome: rejectsTypeError });
      await built.store.close();
      await expect(built.store.get(undefined)).rejects.toBeInstanceOf(TypeError);
    });
  });
});
