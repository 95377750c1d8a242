import type { StoreCapability } from './store-capability.js';
import type { StoreProbe } from './store-probe.js';

/** One check of the suite: a test, and what the store must have for it to apply. */
export interface ConformanceCheck {
  /** The test's name, a rule in the words of the contract. */
  name: string;
  /** Capabilities the check uses: missing ones skip it (or fail it, when required). */
  needs?: readonly StoreCapability[];
  /** The check writes values of its own (null, 0, unicode...): only when no `value` factory is given. */
  anyValue?: boolean;
  /** The check empties the store: only with `isolated`. */
  isolated?: boolean;
  run(probe: StoreProbe<unknown, unknown>): Promise<void>;
}

/** The checks of one part of the contract, run under one `describe`. */
export interface ConformanceGroup {
  title: string;
  checks: readonly ConformanceCheck[];
}
