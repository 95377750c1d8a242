/**
 * A test of the suite as the runner calls it. It declares no parameter (`fn.length === 0`), so that jest
 * does not take it for a `done`-callback test; node:test and vitest pass their test context, which the
 * suite uses to mark a test skipped.
 */
export type ConformanceTestFunction = (...context: unknown[]) => Promise<void>;

/** A hook of the suite (opening the store, deleting what a test wrote); it declares no parameter either. */
export type ConformanceHook = () => Promise<void>;

/**
 * The functions of your test runner that the suite registers its tests with: jest's (from
 * `@jest/globals`), vitest's or node:test's, passed as they are. node:test names its suite hooks
 * `before` and `after`: pass those instead of `beforeAll` and `afterAll`.
 *
 * @example
 * ```ts
 * import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from '@jest/globals';
 * const runner = { describe, it, beforeAll, afterAll, beforeEach, afterEach };
 * ```
 */
export interface ConformanceRunner {
  /** Groups tests; the suite nests one `describe` per part of the contract. */
  describe(name: string, body: () => void): unknown;
  /** Declares a test. */
  it(name: string, test: ConformanceTestFunction): unknown;
  /** Runs once before the tests of a `describe` (jest, vitest). */
  beforeAll?(hook: ConformanceHook): unknown;
  /** Runs once after the tests of a `describe` (jest, vitest). */
  afterAll?(hook: ConformanceHook): unknown;
  /** node:test's name for `beforeAll`. */
  before?(hook: ConformanceHook): unknown;
  /** node:test's name for `afterAll`. */
  after?(hook: ConformanceHook): unknown;
  /** Accepted for symmetry with the runners' own lists; the suite does not need it. */
  beforeEach?(hook: ConformanceHook): unknown;
  /** Runs after each test: the suite deletes what the test wrote. */
  afterEach(hook: ConformanceHook): unknown;
}

/** The runner's functions under one set of names, checked. */
export interface ResolvedRunner {
  describe(name: string, body: () => void): void;
  it(name: string, test: ConformanceTestFunction): void;
  beforeAll(hook: ConformanceHook): void;
  afterAll(hook: ConformanceHook): void;
  afterEach(hook: ConformanceHook): void;
}

const HOW =
  "pass your test framework's functions: { describe, it, beforeAll, afterAll, beforeEach, afterEach } " +
  "(from '@jest/globals' or 'vitest'), or node:test's { describe, it, before, after, beforeEach, afterEach }";

/** Checks the runner once, when the suite is declared, and names what is missing. */
export function resolveRunner(runner: ConformanceRunner): ResolvedRunner {
  if (runner === null || typeof runner !== 'object') {
    throw new TypeError(`describeStoreConformance: the runner must be an object; ${HOW}`);
  }
  const pick = (names: ReadonlyArray<keyof ConformanceRunner>): ((...args: never[]) => unknown) => {
    for (const name of names) {
      const fn = runner[name];
      if (typeof fn === 'function') return fn.bind(runner) as (...args: never[]) => unknown;
    }
    const wanted = names.join(' or ');
    throw new TypeError(`describeStoreConformance: the runner has no ${wanted} function; ${HOW}`);
  };
  const describe = pick(['describe']) as (name: string, body: () => void) => unknown;
  const it = pick(['it']) as (name: string, test: ConformanceTestFunction) => unknown;
  const beforeAll = pick(['beforeAll', 'before']) as (hook: ConformanceHook) => unknown;
  const afterAll = pick(['afterAll', 'after']) as (hook: ConformanceHook) => unknown;
  const afterEach = pick(['afterEach']) as (hook: ConformanceHook) => unknown;
  return {
    describe: (name, body) => void describe(name, body),
    it: (name, test) => void it(name, test),
    beforeAll: (hook) => void beforeAll(hook),
    afterAll: (hook) => void afterAll(hook),
    afterEach: (hook) => void afterEach(hook),
  };
}

/**
 * Marks the running test skipped where the runner can say so from inside a test: node:test's `t.skip()`
 * and vitest's `ctx.skip()` (which throws to stop the test). jest cannot: there the test just passes.
 */
export function markSkipped(context: unknown, reason: string): void {
  const skip = (context as { skip?: unknown } | null | undefined)?.skip;
  if (typeof skip === 'function') skip.call(context, reason);
}
