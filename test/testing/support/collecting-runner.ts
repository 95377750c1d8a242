import type {
  ConformanceHook,
  ConformanceRunner,
  ConformanceTestFunction,
} from '../../../lib/testing/index.js';

/** One test as the collecting runner ran it. */
export interface CollectedResult {
  /** The names of the enclosing describes and of the test, outermost first. */
  path: string[];
  /** The test's own name. */
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  /** The failure's message, or the skip's reason. */
  message?: string;
  error?: unknown;
}

/** The message of an error from any realm (node:assert's errors are not jest's `Error`). */
function messageOf(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

interface Suite {
  name: string;
  children: Array<{ suite: Suite } | { test: { name: string; fn: ConformanceTestFunction } }>;
  beforeAll: ConformanceHook[];
  afterAll: ConformanceHook[];
  beforeEach: ConformanceHook[];
  afterEach: ConformanceHook[];
}

export interface CollectingRunnerOptions {
  /**
   * Hand each test a context with `skip(reason)`, as node:test and vitest do; without it, tests get no
   * argument, as under jest (where a skipped check passes).
   */
  context?: boolean;
  /** Use node:test's names (`before`, `after`) for the suite hooks. */
  nodeNames?: boolean;
}

const newSuite = (name: string): Suite => ({
  name,
  children: [],
  beforeAll: [],
  afterAll: [],
  beforeEach: [],
  afterEach: [],
});

/**
 * A test runner for tests about the suite: `describe`/`it`/hooks record a tree, `run()` runs it the way
 * jest does (suite hooks around a describe, each-hooks outer first / inner last, a failing beforeAll
 * fails the tests under it) and resolves every test's outcome, so a spec can assert what the suite
 * reported without nesting real jest tests. It also records any function given with a declared
 * parameter: jest would take it for a `done` callback.
 */
export function collectingRunner(options: CollectingRunnerOptions = {}) {
  const root = newSuite('');
  let current = root;
  const declaredParameters: string[] = [];
  const note = (what: string, fn: Function) => {
    if (fn.length > 0) declaredParameters.push(`${what} declares ${fn.length} parameter(s)`);
  };
  const hook = (kind: 'beforeAll' | 'afterAll' | 'beforeEach' | 'afterEach') => (fn: ConformanceHook) => {
    note(kind, fn);
    current[kind].push(fn);
  };
  const runner: ConformanceRunner = {
    describe(name, body) {
      const suite = newSuite(name);
      current.children.push({ suite });
      const parent = current;
      current = suite;
      try {
        body();
      } finally {
        current = parent;
      }
    },
    it(name, fn) {
      note(`it(${name})`, fn);
      current.children.push({ test: { name, fn } });
    },
    beforeEach: hook('beforeEach'),
    afterEach: hook('afterEach'),
    ...(options.nodeNames
      ? { before: hook('beforeAll'), after: hook('afterAll') }
      : { beforeAll: hook('beforeAll'), afterAll: hook('afterAll') }),
  };

  async function runTest(
    path: string[],
    test: { name: string; fn: ConformanceTestFunction },
    each: { before: ConformanceHook[]; after: ConformanceHook[] },
    setupError: unknown,
  ): Promise<CollectedResult> {
    const result = (
      status: CollectedResult['status'],
      error?: unknown,
      message?: string,
    ): CollectedResult => ({
      path,
      name: test.name,
      status,
      error,
      message: message ?? messageOf(error),
    });
    if (setupError !== undefined) return result('failed', setupError);
    let skipped: string | undefined;
    const context = { skip: (reason: string) => void (skipped = reason) };
    let failure: unknown;
    try {
      for (const fn of each.before) await fn();
      await (options.context ? test.fn(context) : test.fn());
    } catch (error) {
      failure = error;
    }
    try {
      for (const fn of each.after) await fn();
    } catch (error) {
      failure ??= error;
    }
    if (failure !== undefined) return result('failed', failure);
    if (skipped !== undefined) return result('skipped', undefined, skipped);
    return result('passed');
  }

  async function runSuite(
    suite: Suite,
    path: string[],
    inherited: { before: ConformanceHook[]; after: ConformanceHook[] },
    inheritedError: unknown,
  ): Promise<CollectedResult[]> {
    let setupError = inheritedError;
    if (setupError === undefined) {
      try {
        for (const fn of suite.beforeAll) await fn();
      } catch (error) {
        setupError = error;
      }
    }
    const each = {
      before: [...inherited.before, ...suite.beforeEach],
      after: [...suite.afterEach, ...inherited.after],
    };
    const results: CollectedResult[] = [];
    for (const child of suite.children) {
      if ('suite' in child) {
        results.push(...(await runSuite(child.suite, [...path, child.suite.name], each, setupError)));
      } else {
        results.push(await runTest([...path, child.test.name], child.test, each, setupError));
      }
    }
    for (const fn of suite.afterAll) await fn();
    return results;
  }

  return {
    runner,
    declaredParameters,
    /** Runs every test declared so far. */
    run: () => runSuite(root, [], { before: [], after: [] }, undefined),
  };
}

/** A check by its group and name, `getMany › answers [] for no keys` (the suite's own describe left out). */
export function checkId(result: CollectedResult): string {
  return result.path.slice(1).join(' › ');
}
