import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeWithPostgres } from '../../support/services.js';
import {
  FaultLoad,
  isPrimaryFailure,
  printReport,
  type FaultLoadOptions,
  type History,
  type LoadReport,
} from './fault-load.js';

export interface FaultLoadSuiteOptions extends FaultLoadOptions {
  /**
   * A behaviour bound, not a benchmark: during a Redis fault a read waits about the Redis layer's timeout,
   * never the 2 s it takes to give up on a hung connection. The p99 read latency of each Redis fault
   * phase must stay under it, plus twice what the machine delayed every step of the event loop in that
   * phase (its p99): a read is a few such steps, and a busy machine stretches each of them.
   */
  faultP99BoundMs: number;
}

/**
 * The fault-load suite: one run of the load (in beforeAll), then one test per property of the recorded
 * history. Every floor counts work done, never time: a busy machine fails it only for a wrong result.
 */
export function describeFaultLoad(options: FaultLoadSuiteOptions): { history: () => History } {
  const load = new FaultLoad(options);
  let report: LoadReport;
  const phasesWithoutFault = 1 + 5 * options.rounds;
  // The run's budget, plus the setup before it and the drain and checks after it (which a hang would
  // overrun); without a budget, every phase may stretch to phaseCapMs.
  const timeout =
    options.budgetMs !== undefined
      ? options.budgetMs + 30_000
      : 60_000 + options.rounds * 20_000 + phasesWithoutFault * options.phaseCapMs;

  describeWithPostgres(options.title, () => {
    beforeAll(async () => {
      await load.start();
      report = await load.run();
      printReport(options, report);
    }, timeout);

    afterAll(async () => {
      await load.stop();
    }, 30_000);

    it('runs the load through every phase, and every fault is felt', () => {
      // A phase without a Redis fault runs until it did its reads (fewer when the budget cut it short,
      // in proportion): one still short of them stalled.
      expect(report.phases.filter((phase) => phase.stalled).map((phase) => phase.phase)).toEqual([]);
      for (const phase of report.phases) {
        expect(phase.reads).toBeGreaterThanOrEqual(phase.redisFault ? 1 : phase.minReads);
      }
      const faults = (name: string) => report.phases.filter((phase) => phase.phase.startsWith(name));
      // Redis faults are contained (a miss, reported), never thrown at callers.
      for (const phase of [...faults('Redis killed'), ...faults('Redis hung 2.5 s')]) {
        expect(phase.contained).toBeGreaterThan(0);
      }
      expect(report.connectionsTerminated).toBeGreaterThan(0);
      // Only the primary can fail an operation: every rejection is a query on a dropped connection, or
      // the primary's timeout.
      expect(
        Object.keys(report.errorsByKind).filter(
          (kind) => !isPrimaryFailure(kind.slice(kind.indexOf(': ') + 2)),
        ),
      ).toEqual([]);
      expect(report.redisHits).toBeGreaterThan(0);
    });

    it('returns no wrong value: no read is older than the last write acknowledged before it began', () => {
      const floors = report.phases.reduce((sum, phase) => sum + phase.minReads, 0);
      expect(floors).toBeGreaterThan(0);
      expect(report.checkedReads).toBeGreaterThanOrEqual(floors);
      expect(report.wrongValues.slice(0, 10)).toEqual([]);
    });

    it('loses no acknowledged write: once every layer call settled, the primary holds every key’s last acknowledged value', () => {
      expect(report.lostWrites.slice(0, 10)).toEqual([]);
    });

    it('leaves no cache entry that the primary contradicts once Redis is back and the store is quiet', () => {
      expect(report.staleCacheEntries.slice(0, 10)).toEqual([]);
    });

    it('lets no promise rejection go unhandled', () => {
      expect(report.unhandledRejections).toEqual([]);
    });

    it(`keeps the p99 read latency of every Redis fault phase under ${options.faultP99BoundMs} ms + twice the event loop's delay`, () => {
      const faults = report.phases.filter((phase) => phase.redisFault);
      expect(faults.length).toBe(4 * options.rounds);
      expect(
        faults
          .filter((phase) => phase.p99 >= options.faultP99BoundMs + 2 * phase.loopDelayP99)
          .map((p) => `${p.phase}: p99 ${p.p99} ms, event loop delay p99 ${p.loopDelayP99} ms`),
      ).toEqual([]);
    });
  });

  return { history: () => load.history };
}
