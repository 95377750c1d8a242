/**
 * Faults under stress: the fault load of faults-under-load.spec.ts with every core kept busy by spinning
 * threads and tight layer timeouts (Redis 20 ms, PostgreSQL 100 ms), so that layer calls time out all the
 * time and many of them still run afterwards: the conditions of issue 12, where a busy machine turned
 * timed-out writes into stale reads. Its floors count work, not time, within a wall-clock budget of
 * 10 s + 15 s per fault cycle (40 s for the two of npm test: about a minute for the file): a busy machine
 * stretches the phases without a Redis fault to do their reads while the budget allows, then ends or
 * shortens them and asks only that the store kept answering (support/phase-budget.ts), so it does less
 * work rather than overrunning, and the file fails only for a wrong result or a store that stopped.
 * Every fault phase keeps its length.
 *
 * `npm run test:stress` runs it longer: STRESS_ROUNDS fault cycles (8 by default there, a budget of 130 s)
 * instead of two.
 */
import { availableParallelism } from 'node:os';
import { describeFaultLoad } from './support/fault-load-suite.js';

const rounds = Number(process.env.STRESS_ROUNDS ?? 2);
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new TypeError(`STRESS_ROUNDS must be a whole number >= 1, got ${process.env.STRESS_ROUNDS}`);
}

describeFaultLoad({
  title:
    'faults under stress: [memory, Redis (timeout 20 ms), PostgreSQL primary (timeout 100 ms)], cores busy',
  redisTimeout: 20,
  primaryTimeout: 100,
  rounds,
  minReads: 300,
  phaseCapMs: 20_000,
  budgetMs: 10_000 + 15_000 * rounds,
  busyThreads: availableParallelism(),
  // A read during a Redis fault waits for Redis's timeout, then maybe for the primary's.
  faultP99BoundMs: 20 + 100 + 400,
});
