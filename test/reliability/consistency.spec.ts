/**
 * Property-based consistency tests: random programs over 1 to 3 scheduled layers, checked against the
 * reference model in support/model.ts. See the Reliability section of README.md.
 *
 * Unhandled rejections: Jest 30 fails the running test on any unhandled rejection, so every property
 * below also checks that none occurred.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { numRuns, seed } from './support/fc-config.js';
import { KNOWN_BUGS } from './support/known-bugs.js';
import { checkRun, describeRun } from './support/model.js';
import {
  buildStore,
  commandArb,
  configArb,
  runProgram,
  timedCommandArb,
  type Config,
} from './support/program.js';

const params = () => ({ numRuns: numRuns(300), seed: seed(), endOnFailure: false });

/** What the programs exercised, so that a property can check its generator reaches the feature. */
const exercised = { staleHits: 0, refreshes: 0, clears: 0, getSets: 0 };

async function checkProgram(
  s: fc.Scheduler,
  config: Config,
  program: Parameters<typeof runProgram>[2],
  failures: boolean,
) {
  const run = await runProgram(s, config, program);
  for (const layer of run.store.stats().layers) {
    exercised.staleHits += layer.staleHits;
    exercised.refreshes += layer.refreshes;
  }
  exercised.clears += run.ops.filter((op) => op.command.op === 'clear' && op.ok).length;
  exercised.getSets += run.ops.filter((op) => op.command.op === 'getSet' && op.ok).length;
  const violations = checkRun(run, { failuresInjected: failures });
  if (violations.length > 0) {
    throw new Error(`${violations.join('\n')}\n${describeRun(run)}\nschedule:\n${s.toString()}`);
  }
}

describe('consistency model (property-based)', () => {
  it('holds without failures: read-your-writes, no resurrection, cache ⊆ history, primary has every ack, caches agree', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        configArb({ failures: false }),
        fc.array(commandArb, { minLength: 1, maxLength: 8 }),
        (s, config, program) => checkProgram(s, config, program, false),
      ),
      params(),
    );
  });

  it('holds with the layer failures the contract covers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        configArb({ failures: true }),
        fc.array(commandArb, { minLength: 1, maxLength: 8 }),
        (s, config, program) => checkProgram(s, config, program, true),
      ),
      params(),
    );
  });

  it('holds with grace and time: stale entries never older than a completed write, nor more than grace past their ttl', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        configArb({ failures: true, grace: true }),
        fc.array(timedCommandArb, { minLength: 1, maxLength: 10 }),
        (s, config, program) => checkProgram(s, config, program, true),
      ),
      params(),
    );
    // The programs did reach what this property is about.
    expect(exercised.staleHits).toBeGreaterThan(0);
    expect(exercised.refreshes).toBeGreaterThan(0);
    expect(exercised.clears).toBeGreaterThan(0);
    expect(exercised.getSets).toBeGreaterThan(0);
  });

  it('single flight: concurrent reads of one key read each layer at most once and load at most once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        configArb({ failures: true }),
        fc.array(fc.constantFrom('get', 'getOrLoad', 'getMany'), { minLength: 2, maxLength: 6 }),
        fc.constantFrom<'value' | 'undefined' | 'reject'>('value', 'undefined', 'reject'),
        async (s, config, reads, outcome) => {
          const { store, stores } = buildStore(s, { ...config, initial: {} });
          let loads = 0;
          const loader = () => {
            loads++;
            return s.schedule(Promise.resolve(), 'loader').then(() => {
              if (outcome === 'reject') throw new Error('loader failed');
              return outcome === 'value' ? 'loaded' : undefined;
            });
          };
          const calls = reads.map((read) =>
            (read === 'get'
              ? store.get('a')
              : read === 'getMany'
                ? store.getMany(['a'])
                : store.getOrLoad('a', loader)
            ).catch(() => undefined),
          );
          await s.waitFor(Promise.all(calls));
          await s.waitFor(store.drain());
          for (const layer of stores) {
            if ((layer.reads.get('a') ?? 0) > 1) {
              throw new Error(`${layer.name} was read ${layer.reads.get('a')} times\n${s.toString()}`);
            }
          }
          const knownBug =
            KNOWN_BUGS.loaderCalledTwiceAcrossWalks &&
            config.layers === 1 &&
            config.sync &&
            reads.includes('getMany');
          if (loads > 1 && !knownBug)
            throw new Error(`the loader was called ${loads} times\n${s.toString()}`);
        },
      ),
      params(),
    );
  });
});
