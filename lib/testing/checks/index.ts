import type { ConformanceGroup } from '../conformance-check.js';
import { deleteManyChecks, getManyChecks, setManyChecks } from './batch.js';
import { clearChecks } from './clear.js';
import { getManyWithExpiryChecks, getWithExpiryChecks } from './expiry.js';
import { getSetChecks } from './get-set.js';
import { hasChecks } from './has.js';
import { keysChecks } from './keys.js';
import { readWriteChecks } from './read-write.js';
import { ttlChecks } from './ttl.js';
import { valueChecks } from './values.js';

/** Every check of the suite, by part of the contract, in the order they run. */
export const CONFORMANCE_GROUPS: readonly ConformanceGroup[] = [
  readWriteChecks,
  valueChecks,
  ttlChecks,
  getManyChecks,
  setManyChecks,
  deleteManyChecks,
  getWithExpiryChecks,
  getManyWithExpiryChecks,
  hasChecks,
  getSetChecks,
  clearChecks,
  keysChecks,
];
