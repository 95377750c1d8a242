import type { DelegatedStore } from '../../lib/index.js';
import { nextRandom } from './random.js';

export interface TrafficOptions {
  keys?: number;
  workers?: number;
  /** A behaviour bound, not a benchmark: a read slower than this (ms) is reported as a problem. */
  readBound?: number;
}

export interface Traffic {
  reads: number;
  writes: number;
  slowest: number;
  /** Every read's duration (ms), in order. */
  latencies: number[];
  /** When each read started (performance.now()), in the order of `latencies`. */
  startedAt: number[];
  problems: string[];
  /** Reads only from now on: a stale value left in a layer then shows, instead of being overwritten. */
  readOnly(): void;
  stop(): Promise<void>;
  /** The last version written and resolved of each key (`k<i>#<version>`). */
  committed: number[];
}

/**
 * Reads and writes on `keys` keys (`k0`…) from `workers` loops, checking every read: it must return a
 * version at least as new as the last write resolved before it started, and no newer than the last write
 * started before it ended (a read concurrent with writes may see any of them). A rejection is a problem.
 */
export function traffic(store: DelegatedStore<string, string>, options: TrafficOptions = {}): Traffic {
  const { keys = 40, workers = 8, readBound } = options;
  const committed = new Array<number>(keys).fill(1);
  const issued = new Array<number>(keys).fill(1);
  let running = true;
  let writing = true;
  const result: Traffic = {
    reads: 0,
    writes: 0,
    slowest: 0,
    latencies: [],
    startedAt: [],
    problems: [],
    committed,
    readOnly: () => (writing = false),
    stop: async () => {},
  };
  const worker = async (seed: number) => {
    let n = seed;
    for (let op = 1; running; op++) {
      n = nextRandom(n);
      const k = n % keys;
      const key = `k${k}`;
      if (writing && n % 5 === 0) {
        const version = ++issued[k];
        try {
          await store.set(key, `${key}#${version}`);
          committed[k] = Math.max(committed[k], version);
          result.writes++;
        } catch (error) {
          result.problems.push(`set ${key} rejected: ${String(error)}`);
        }
      } else {
        const floor = committed[k];
        const started = performance.now();
        try {
          const value = await store.get(key);
          const took = performance.now() - started;
          result.latencies.push(took);
          result.startedAt.push(started);
          result.slowest = Math.max(result.slowest, took);
          if (readBound !== undefined && took > readBound) {
            result.problems.push(`get ${key} took ${Math.round(took)} ms`);
          }
          const version = Number(value?.split('#')[1]);
          if (!(version >= floor && version <= issued[k])) {
            result.problems.push(`get ${key} gave ${value}, expected a version in [${floor}, ${issued[k]}]`);
          }
          result.reads++;
        } catch (error) {
          result.problems.push(`get ${key} rejected: ${String(error)}`);
        }
      }
      // Yield to timers now and then: the memory and in-test layers answer in microtasks only, and a
      // loop of microtasks would starve the timers that stop the traffic.
      if (op % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const loops = Array.from({ length: workers }, (_, i) => worker(i + 1));
  result.stop = async () => {
    running = false;
    await Promise.all(loops);
  };
  return result;
}

/** The p-th percentile (0–100) of some durations. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}
