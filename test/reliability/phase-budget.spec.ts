/** The fault load's wall-clock budget: how long each phase may run, and the reads it must do. */
import { describe, expect, it } from '@jest/globals';
import { phaseLimits, progressFloor, type BudgetedPhase } from './support/phase-budget.js';

const quiet: BudgetedPhase = { ms: 1000, stretch: true, shrink: true };
const redisFault: BudgetedPhase = { ms: 2000, stretch: false, shrink: false };
const databaseFault: BudgetedPhase = { ms: 2500, stretch: true, shrink: false };
const phases = [quiet, redisFault, quiet, databaseFault, quiet];

describe('phase budget', () => {
  it('without a budget, a phase may stretch to the cap', () => {
    expect(phaseLimits(phases, 0, Infinity, 20_000)).toEqual({ minMs: 1000, maxMs: 20_000 });
  });

  it('shares the spare time among the phases still to run that may stretch', () => {
    // 7.5 s nominal; 7.5 s spare for 4 phases that stretch.
    expect(phaseLimits(phases, 0, 15_000, 20_000)).toEqual({ minMs: 1000, maxMs: 1000 + 7500 / 4 });
    expect(phaseLimits(phases, 3, 10_000, 20_000)).toEqual({ minMs: 2500, maxMs: 2500 + 6500 / 2 });
  });

  it('keeps the length of a Redis fault phase, even over budget', () => {
    expect(phaseLimits(phases, 1, Infinity, 20_000)).toEqual({ minMs: 2000, maxMs: 2000 });
    expect(phaseLimits(phases, 1, 0, 20_000)).toEqual({ minMs: 2000, maxMs: 2000 });
  });

  it('over budget, shortens the phases without a fault and keeps the database fault phase', () => {
    // 4.5 s nominal left, 4 s of budget: 0.5 s too much for 2 phases that shrink.
    expect(phaseLimits(phases, 2, 4000, 20_000)).toEqual({ minMs: 750, maxMs: 750 });
    expect(phaseLimits(phases, 3, 3000, 20_000)).toEqual({ minMs: 2500, maxMs: 2500 });
    expect(phaseLimits(phases, 4, -60_000, 20_000)).toEqual({ minMs: 300, maxMs: 300 });
  });

  it('holds a phase the budget may cut short to operations in proportion to its time, at the stall rate', () => {
    expect(progressFloor(300, 20_000, 20_000)).toBe(300);
    expect(progressFloor(300, 2000, 20_000)).toBe(30);
    expect(progressFloor(300, 10, 20_000)).toBe(1);
  });
});
