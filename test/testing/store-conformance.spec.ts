/**
 * The conformance suite (lib/testing) checked against stores whose behaviour is known: a correct one
 * passes every check, each broken one is reported by the checks that concern its defect, in words that
 * name it, and every check of the suite is made to fail by at least one of them. The suite runs under a
 * collecting runner (support/collecting-runner.ts), so its outcomes are data to assert on.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { isDeepStrictEqual } from 'node:util';
import { NotFoundError, type Store } from '../../lib/index.js';
import { CONFORMANCE_GROUPS } from '../../lib/testing/checks/index.js';
import {
  describeStoreConformance,
  type ConformanceRunner,
  type StoreConformanceOptions,
  type StoreUnderTest,
} from '../../lib/testing/index.js';
import { BROKEN_STORES, HoldsOtherKeys } from './support/broken-stores.js';
import {
  checkId,
  collectingRunner,
  type CollectedResult,
  type CollectingRunnerOptions,
} from './support/collecting-runner.js';
import { ReferenceStore } from './support/reference-store.js';

/** Short waits: the suite's expiry checks wait shortTtl + expiryTolerance each. */
const FAST = { shortTtl: 40, expiryTolerance: 20, listingSize: 150 } as const;

const ALL_CHECKS = CONFORMANCE_GROUPS.flatMap((group) =>
  group.checks.map((check) => `${group.title} › ${check.name}`),
);

async function runSuite<K, V>(
  make: () => StoreUnderTest<K, V> | Promise<StoreUnderTest<K, V>>,
  options: StoreConformanceOptions<K, V>,
  runnerOptions: CollectingRunnerOptions = { context: true },
): Promise<{ results: CollectedResult[]; declaredParameters: string[] }> {
  const collected = collectingRunner(runnerOptions);
  describeStoreConformance<K, V>('store under test', make, options, collected.runner);
  return { results: await collected.run(), declaredParameters: collected.declaredParameters };
}

const byStatus = (results: readonly CollectedResult[], status: CollectedResult['status']) =>
  results.filter((r) => r.status === status).map(checkId);

const report = (results: readonly CollectedResult[]) =>
  results
    .filter((r) => r.status === 'failed')
    .map((r) => `${checkId(r)}: ${r.message}`)
    .join('\n');

describe('a correct store', () => {
  it('passes every check, with nothing skipped when it is isolated and has every capability', async () => {
    const store = new ReferenceStore();
    const { results, declaredParameters } = await runSuite(() => store, { ...FAST, isolated: true });
    expect(report(results)).toBe('');
    expect(results.map(checkId)).toEqual(ALL_CHECKS);
    expect(byStatus(results, 'passed')).toEqual(ALL_CHECKS);
    // jest takes a function with a declared parameter for a done-callback test: the suite gives none.
    expect(declaredParameters).toEqual([]);
    // Every key a test used was deleted after it.
    expect(store.size).toBe(0);
  });

  it("runs with node:test's hook names (before/after), and as under jest (no test context)", async () => {
    const node = await runSuite(
      () => new ReferenceStore(),
      { ...FAST, isolated: true },
      { nodeNames: true, context: true },
    );
    expect(report(node.results)).toBe('');
    expect(byStatus(node.results, 'passed')).toHaveLength(ALL_CHECKS.length);
    const jest = await runSuite(() => new ReferenceStore(), { ...FAST, isolated: true }, { context: false });
    expect(byStatus(jest.results, 'passed')).toHaveLength(ALL_CHECKS.length);
  });

  it('may report a miss by rejecting with NotFoundError', async () => {
    class RejectsMisses extends ReferenceStore {
      override async get(key: string): Promise<unknown> {
        const value = await super.get(key);
        if (value === undefined) throw new NotFoundError(`no ${key}`);
        return value;
      }
      override async getWithExpiry(key: string) {
        const found = await super.getWithExpiry(key);
        if (found === undefined) throw new NotFoundError(`no ${key}`);
        return found;
      }
    }
    const { results } = await runSuite(() => new RejectsMisses(), { ...FAST, isolated: true });
    expect(report(results)).toBe('');
  });
});

describe('each broken store is reported, in words that name its defect', () => {
  const outcomes = new Map<string, CollectedResult[]>();
  beforeAll(async () => {
    // Every store at once: the waits of their expiry checks overlap.
    await Promise.all(
      BROKEN_STORES.map(async (broken) => {
        const { results } = await runSuite(() => broken.make(), { ...FAST, isolated: true });
        outcomes.set(broken.defect, results);
      }),
    );
  }, 60_000);

  it.each(BROKEN_STORES.map((broken) => [broken.defect, broken] as const))('a store that %s', (_, broken) => {
    const results = outcomes.get(broken.defect) ?? [];
    for (const [check, message] of Object.entries(broken.reports)) {
      const result = results.find((r) => checkId(r) === check);
      expect({ check, status: result?.status }).toEqual({ check, status: 'failed' });
      expect(result?.message).toMatch(message);
    }
  });

  it('every check of the suite fails for at least one of them: none of them passes whatever the store does', () => {
    const reported = new Set(BROKEN_STORES.flatMap((broken) => Object.keys(broken.reports)));
    expect([...reported].filter((check) => !ALL_CHECKS.includes(check))).toEqual([]);
    expect(ALL_CHECKS.filter((check) => !reported.has(check))).toEqual([]);
  });
});

/** A store with the three required methods and nothing else. */
class MinimalStore implements Store<string, unknown> {
  readonly #inner = new ReferenceStore();
  get(key: string) {
    return this.#inner.get(key);
  }
  set(key: string, value: unknown, ttl?: number) {
    return this.#inner.set(key, value, ttl);
  }
  delete(key: string) {
    return this.#inner.delete(key);
  }
}

describe('capabilities', () => {
  it("skips the checks of a method the store lacks, naming it (node:test's and vitest's skip); jest: they pass", async () => {
    const { results } = await runSuite(() => new MinimalStore(), FAST);
    expect(report(results)).toBe('');
    const skipped = results.filter((r) => r.status === 'skipped');
    const ran = ['get, set and delete', 'values', 'ttl'];
    expect(byStatus(results, 'passed').every((check) => ran.some((group) => check.startsWith(group)))).toBe(
      true,
    );
    expect(skipped.map(checkId)).toEqual(
      ALL_CHECKS.filter((check) => !ran.some((group) => check.startsWith(group))),
    );
    expect(skipped.find((r) => checkId(r).startsWith('getSet ›'))?.message).toBe('the store has no getSet()');

    const jest = await runSuite(() => new MinimalStore(), FAST, { context: false });
    expect(byStatus(jest.results, 'passed')).toHaveLength(ALL_CHECKS.length);
  });

  it('fails the checks of a required method the store lacks', async () => {
    const { results } = await runSuite(() => new MinimalStore(), { ...FAST, require: ['getSet', 'keys'] });
    const failed = results.filter((r) => r.status === 'failed');
    expect(failed.map(checkId)).toEqual(
      // keys › yields nothing from an empty store: skipped, the store is not isolated.
      ALL_CHECKS.filter(
        (c) =>
          c.startsWith('getSet ›') ||
          (c.startsWith('keys ›') && c !== 'keys › yields nothing from an empty store'),
      ),
    );
    expect(failed[0].message).toBe('the store has no getSet(), which options.require lists');
  });

  it('never calls a method listed in options.skip, nor clear() on a store that is not isolated', async () => {
    class Guarded extends ReferenceStore {
      override async has(): Promise<boolean> {
        throw new Error('has() must not be called');
      }
      override async clear(): Promise<void> {
        throw new Error('clear() must not be called');
      }
    }
    const { results } = await runSuite(() => new Guarded(), { ...FAST, skip: ['has'] });
    expect(report(results)).toBe('');
    const skipped = results.filter((r) => r.status === 'skipped');
    expect(skipped.map(checkId)).toEqual(
      ALL_CHECKS.filter(
        (c) =>
          c.startsWith('has ›') ||
          c.startsWith('clear ›') ||
          c === 'keys › yields nothing from an empty store',
      ),
    );
    expect(skipped.find((r) => checkId(r).startsWith('has ›'))?.message).toBe("options.skip lists 'has'");
    expect(skipped.find((r) => checkId(r).startsWith('clear ›'))?.message).toMatch(
      /runs only with options.isolated/,
    );
  });

  it('tolerates keys it did not write when the store is not isolated (a shared namespace)', async () => {
    const { results } = await runSuite(() => new HoldsOtherKeys(), FAST);
    expect(report(results)).toBe('');
  });

  it("skips every expiry check with skip: ['ttl'], and then passes no ttl to the store", async () => {
    const ttls: Array<number | undefined> = [];
    class KeepsForever extends ReferenceStore {
      protected override write(key: string, value: unknown, ttl?: number): void {
        ttls.push(ttl);
        super.write(key, value);
      }
    }
    const { results } = await runSuite(() => new KeepsForever(), { ...FAST, isolated: true, skip: ['ttl'] });
    expect(report(results)).toBe('');
    expect(byStatus(results, 'skipped')).toContain(
      'ttl › an entry expires after its ttl, and one written without ttl does not',
    );
    expect(ttls.length).toBeGreaterThan(0);
    expect(ttls.filter((ttl) => ttl !== undefined)).toEqual([]);
  });
});

interface User {
  id: string;
  name: string;
}

/** A users table: only `user:<id>` keys, only User rows whose id is the key's, no ttl (a database primary). */
class UsersTable implements Store<string, User> {
  readonly rows = new Map<string, User>();
  #id(key: string): string | undefined {
    return /^user:([1-9]\d*)$/.exec(key)?.[1];
  }
  async get(key: string): Promise<User | undefined> {
    const id = this.#id(key);
    const row = id === undefined ? undefined : this.rows.get(id);
    return row && { ...row };
  }
  async set(key: string, user: User): Promise<void> {
    const id = this.#id(key);
    if (id === undefined || user?.id !== id)
      throw new TypeError(`UsersTable.set: ${key} is not the key of the user given`);
    this.rows.set(id, { id: user.id, name: user.name });
  }
  async delete(key: string): Promise<void> {
    const id = this.#id(key);
    if (id !== undefined) this.rows.delete(id);
  }
  async has(key: string): Promise<boolean> {
    const id = this.#id(key);
    return id !== undefined && this.rows.has(id);
  }
}

describe('stores that hold only some keys and values', () => {
  it('passes with key and value factories; the checks of special values are skipped', async () => {
    const table = new UsersTable();
    const base = 1_000;
    const { results } = await runSuite(() => table, {
      ...FAST,
      key: (n) => `user:${base + n}`,
      value: (key, variant) => ({ id: key.slice('user:'.length), name: `User ${variant}` }),
      skip: ['ttl'],
    });
    expect(report(results)).toBe('');
    expect(byStatus(results, 'passed')).toContain('has › false for a key never written, and after delete');
    const skipped = results.filter((r) => r.status === 'skipped');
    expect(skipped.find((r) => checkId(r) === 'values › null is a value, not a miss')?.message).toBe(
      'the store holds only the values of options.value',
    );
    expect(table.rows.size).toBe(0);
  });

  it('without them, the failure says to give them', async () => {
    const { results } = await runSuite(() => new UsersTable() as Store<string, unknown>, FAST);
    const failure = results.find(
      (r) => checkId(r) === 'get, set and delete › get after set returns the value',
    );
    expect(failure?.message).toMatch(
      /^set\('conformance:\w+:\d+', .*\) rejected with TypeError: UsersTable\.set: conformance:\w+:\d+ is not the key of the user given\. If the store holds only some keys or values, give options\.key and options\.value$/,
    );
  });

  it('compares values with options.equals (a store that hands back class instances)', async () => {
    class Row {}
    class InstanceStore extends ReferenceStore {
      override async get(key: string): Promise<unknown> {
        const value = await super.get(key);
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
        return Object.assign(new Row(), value);
      }
    }
    const strict = await runSuite(() => new InstanceStore(), { ...FAST, isolated: true });
    expect(
      strict.results.find((r) => checkId(r) === 'get, set and delete › get after set returns the value')
        ?.message,
    ).toMatch(/^get after set returned Row \{ variant: 1, .* instead of \{ variant: 1,/);
    const plain = (value: unknown) =>
      value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value } : value;
    const loose = await runSuite(() => new InstanceStore(), {
      ...FAST,
      isolated: true,
      equals: (actual, expected) => isDeepStrictEqual(plain(actual), plain(expected)),
    });
    expect(report(loose.results)).toBe('');
  });
});

describe('what make gives, and what is released', () => {
  it('releases { store, cleanup } with its cleanup, and a bare store with its close(), once', async () => {
    let cleanups = 0;
    await runSuite(() => ({ store: new ReferenceStore(), cleanup: () => void cleanups++ }), FAST);
    expect(cleanups).toBe(1);
    let closes = 0;
    class Closable extends MinimalStore {
      async close() {
        closes++;
      }
    }
    await runSuite(async () => new Closable(), FAST);
    expect(closes).toBe(1);
  });

  it('fails every check, with a message, when make gives something that is not a store', async () => {
    const { results } = await runSuite(() => ({ get: 1 }) as unknown as Store<string, unknown>, FAST);
    expect(byStatus(results, 'failed')).toEqual(ALL_CHECKS);
    expect(results[0].message).toBe(
      'store under test: make() gave an object, which is not a Store (an object with get, set and delete functions) nor { store, cleanup }',
    );
  });

  it('fails a check when options.key gives one key for two numbers', async () => {
    const { results } = await runSuite(() => new ReferenceStore(), { ...FAST, key: () => 'same' });
    expect(results.find((r) => r.status === 'failed')?.message).toBe(
      "describeStoreConformance: options.key gave 'same' for both 1 and 2; it must give a different key for each number",
    );
  });
});

describe('mistakes in the declaration fail at once, naming the problem', () => {
  const { runner } = collectingRunner();
  const make = () => new ReferenceStore();
  const declare =
    (options: unknown, given: unknown = runner) =>
    () =>
      describeStoreConformance(
        's',
        make,
        options as StoreConformanceOptions<string, unknown>,
        given as ConformanceRunner,
      );

  it.each([
    [
      { shortTtl: '100' },
      /^describeStoreConformance: options\.shortTtl must be a finite number of milliseconds > 0, got "100" \(string\)$/,
    ],
    [
      { expiryTolerance: -1 },
      /options\.expiryTolerance must be a finite number of milliseconds >= 0, got -1/,
    ],
    [{ concurrency: 1 }, /options\.concurrency must be a whole number >= 2, got 1/],
    [
      { require: ['getset'] },
      /options\.require must be an array of 'ttl', 'getMany', .*'keys', got "getset" \(string\)/,
    ],
    [{ skip: 'ttl' }, /options\.skip must be an array of capabilities/],
    [{ require: ['has'], skip: ['has'] }, /'has' is both in options\.require and in options\.skip/],
    [
      { require: ['clear'] },
      /options\.require lists 'clear', but clear\(\) empties the whole store .* set options\.isolated to true/,
    ],
    [{ isolated: 'yes' }, /options\.isolated must be a boolean, got "yes" \(string\)/],
    [{ key: 'user' }, /options\.key must be a function, got "user" \(string\)/],
    [null, /options must be an object \(\{\} for the defaults\), got null/],
  ])('options %p', (options, message) => {
    expect(declare(options)).toThrow(TypeError);
    expect(declare(options)).toThrow(message);
  });

  it('a runner without a function it needs', () => {
    const { afterAll: _afterAll, ...withoutAfterAll } = runner;
    expect(declare({}, withoutAfterAll)).toThrow(
      /^describeStoreConformance: the runner has no afterAll or after function; pass your test framework's functions/,
    );
    expect(declare({}, null)).toThrow(/the runner must be an object/);
    expect(() => describeStoreConformance('', make, {}, runner)).toThrow(/name must be a non-empty string/);
    expect(() =>
      describeStoreConformance('s', 'store' as unknown as () => Store<string, unknown>, {}, runner),
    ).toThrow(/make must be a function/);
  });
});
