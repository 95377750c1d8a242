/**
 * A total wall-clock budget for the phases of a fault load, so that a slow machine does less work rather
 * than overrunning. A Redis fault phase keeps its length: its fault must be felt. Another phase runs at
 * least its length and until it did its reads; the budget's spare time (what is left after the nominal
 * length of every phase still to run) is shared by the phases still to run that may stretch. Once the
 * budget is overrun, the phases without any fault are shortened instead (the database fault phase keeps
 * its length too).
 */
export interface BudgetedPhase {
  /** The nominal length, ms. */
  ms: number;
  /** It may run longer than `ms` to do its reads (not a Redis fault phase). */
  stretch: boolean;
  /** It may run shorter than `ms` when the budget is overrun (no fault at all). */
  shrink: boolean;
}

export interface PhaseLimits {
  /** The phase runs at least this long, ms. */
  minMs: number;
  /** And at most this long, even short of its reads, ms. */
  maxMs: number;
}

/** A shortened phase still runs this long: the load must reach it. */
const SHORTEST_MS = 300;

/**
 * The limits of phase `index`, when `leftMs` of the budget are left as it begins (Infinity: no budget).
 * `capMs`: the longest any phase may stretch to do its reads.
 */
export function phaseLimits(
  phases: readonly BudgetedPhase[],
  index: number,
  leftMs: number,
  capMs: number,
): PhaseLimits {
  const phase = phases[index];
  if (!phase.stretch) return { minMs: phase.ms, maxMs: phase.ms };
  const rest = phases.slice(index);
  const spare = leftMs - rest.reduce((sum, p) => sum + p.ms, 0);
  if (spare >= 0) {
    const share = spare / rest.filter((p) => p.stretch).length;
    return { minMs: phase.ms, maxMs: Math.max(phase.ms, Math.min(capMs, phase.ms + share)) };
  }
  if (!phase.shrink) return { minMs: phase.ms, maxMs: phase.ms };
  const ms = Math.max(SHORTEST_MS, phase.ms + spare / rest.filter((p) => p.shrink).length);
  return { minMs: ms, maxMs: ms };
}

/**
 * What a phase that may run `maxMs` must do to show that the store makes progress: all of `minReads`
 * reads when it may run the full `capMs`; else, when the budget may cut it short, operations answered (a
 * value or a rejection: under the database fault most operations meet the primary's timeout) in
 * proportion to its time, at the rate that defines a stall (`minReads` per `capMs`), and at least one.
 * A slow machine passes it; a store that stopped answering does not.
 */
export function progressFloor(minReads: number, maxMs: number, capMs: number): number {
  if (maxMs >= capMs) return minReads;
  return Math.max(1, Math.ceil((minReads * maxMs) / capMs));
}
