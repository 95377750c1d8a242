/**
 * The suite under the runners users have: vitest and node:test, each in a child process on the fixture
 * suites (fixtures/fixture-suites.ts: a correct store, one with get/set/delete only, one that forgets),
 * read back from the runner's own report. jest is the runner of every other spec of test/stores and
 * test/redis (test/stores/store-contract.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CONFORMANCE_GROUPS } from '../../lib/testing/checks/index.js';
import { transpileForNode } from './support/transpile-for-node.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const CHECKS = CONFORMANCE_GROUPS.reduce((n, group) => n + group.checks.length, 0);
const CORE_GROUPS = ['get, set and delete', 'values', 'ttl'];
const CORE_CHECKS = CONFORMANCE_GROUPS.filter((g) => CORE_GROUPS.includes(g.title)).reduce(
  (n, group) => n + group.checks.length,
  0,
);

/** A test as a runner reported it: the suite it belongs to (Correct, Minimal, Forgetful), its name, its outcome. */
interface Outcome {
  suite: string;
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  message?: string;
}

/** The child's environment: without jest's NODE_OPTIONS (--experimental-vm-modules). */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

/** Runs the command; a failing exit is expected (the Forgetful suite fails), its report is read. */
async function runChild(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd: root, env: childEnv(), maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    return (error as { stdout?: string }).stdout ?? '';
  }
}

function expectOutcomes(outcomes: readonly Outcome[]): void {
  const of = (suite: string) => outcomes.filter((o) => o.suite === suite);
  const count = (suite: string, status: Outcome['status']) =>
    of(suite).filter((o) => o.status === status).length;

  expect(of('Correct')).toHaveLength(CHECKS);
  expect(count('Correct', 'passed')).toBe(CHECKS);

  expect(of('Minimal')).toHaveLength(CHECKS);
  expect(count('Minimal', 'passed')).toBe(CORE_CHECKS);
  expect(count('Minimal', 'skipped')).toBe(CHECKS - CORE_CHECKS);

  const forgot = of('Forgetful').find((o) => o.name === 'get after set returns the value');
  expect(forgot?.status).toBe('failed');
  expect(forgot?.message).toContain(
    'get after set returned undefined; a Store must return the value it was given',
  );
  expect(count('Forgetful', 'failed')).toBeGreaterThan(10);
}

describe('the suite under vitest', () => {
  it('passes a correct store, skips what a store lacks, reports a store that forgets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conformance-vitest-'));
    try {
      const report = join(dir, 'report.json');
      const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
      await runChild(process.execPath, [
        vitest,
        'run',
        '--root',
        'test/testing/fixtures/vitest',
        '--reporter=json',
        `--outputFile=${report}`,
      ]);
      const json = JSON.parse(readFileSync(report, 'utf8')) as {
        testResults: Array<{
          assertionResults: Array<{
            ancestorTitles: string[];
            title: string;
            status: string;
            failureMessages: string[];
          }>;
        }>;
      };
      const outcomes = json.testResults.flatMap((file) =>
        file.assertionResults.map((test): Outcome => ({
          suite: test.ancestorTitles[0].replace(': Store conformance', ''),
          name: test.title,
          status: test.status === 'pending' ? 'skipped' : (test.status as Outcome['status']),
          message: test.failureMessages[0],
        })),
      );
      expectOutcomes(outcomes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the suite under node:test', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'conformance-node-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a correct store, skips what a store lacks (t.skip), reports a store that forgets; before/after as hooks', async () => {
    const entry = transpileForNode(root, 'test/testing/fixtures/node-test/conformance.test.ts', dir);
    const reporter = join(root, 'test', 'testing', 'support', 'json-lines-reporter.mjs');
    const stdout = await runChild(process.execPath, ['--test', `--test-reporter=${reporter}`, entry]);
    const events = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map(
        (line) =>
          JSON.parse(line) as {
            name: string;
            nesting: number;
            status: Outcome['status'];
            skip?: string;
            message?: string;
          },
      );
    // Events come innermost first: a test (nesting 2), ..., its group (1), ..., its suite (0).
    const outcomes: Outcome[] = [];
    let pending: Array<(typeof events)[number]> = [];
    for (const event of events) {
      if (event.nesting === 2) pending.push(event);
      if (event.nesting === 0) {
        const suite = event.name.replace(': Store conformance', '');
        outcomes.push(
          ...pending.map((test) => ({ suite, name: test.name, status: test.status, message: test.message })),
        );
        pending = [];
      }
    }
    expectOutcomes(outcomes);
    const skip = events.find((e) => e.skip !== undefined);
    expect(skip?.skip).toMatch(/^the store has no \w+\(\)$/);
  }, 120_000);
});
