import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { describeValue } from '../core/errors.js';
import { sampleValue, type ConformanceJsonValue } from './sample-values.js';
import { STORE_CAPABILITIES, type StoreCapability } from './store-capability.js';

/** The options of {@link describeStoreConformance} that every store may set. */
export interface StoreConformanceSettings<V> {
  /**
   * The ttl (ms) of the expiry checks, short enough to wait for: each of them waits `shortTtl +
   * expiryTolerance` once. Default 100. A store whose ttl has a coarser grain (seconds) needs more.
   */
  shortTtl?: number;
  /**
   * How late (ms) an entry may still be read after its ttl, and how far `getWithExpiry`'s `expiresAt` may
   * stray from the set's time + ttl. Default 100; a remote store may need more on a busy machine.
   */
  expiryTolerance?: number;
  /**
   * Capabilities the store must have: a missing one fails its checks instead of skipping them. By
   * default, the checks of a missing optional method are skipped (they light up when it is added).
   */
  require?: readonly StoreCapability[];
  /**
   * Capabilities never checked, even when the store has them. `'ttl'` for a store that keeps every
   * entry for good (a database primary: the suite then never passes a ttl).
   */
  skip?: readonly StoreCapability[];
  /**
   * `true` when the store under test holds nothing but what the suite writes (its own namespace, key
   * prefix, table or database): `clear()` is then checked (it empties the whole store), and `keys()`
   * must yield exactly what was written. Default `false`: `clear()` is never called, and `keys()` may
   * yield other keys too (a shared table, demo rows).
   */
  isolated?: boolean;
  /**
   * How a value read back is compared with the one written. Default: `isDeepStrictEqual` of node:util
   * (same types, prototypes and fields). Give your own for a store that hands back class instances for
   * plain objects, or normalises a field.
   */
  equals?: (actual: V, expected: V) => boolean;
  /** How many writes of one key the concurrency checks issue at once. Default 8. */
  concurrency?: number;
  /** The length (characters) of the long string in the large-value check. Default 100 000. */
  largeValueSize?: number;
  /** How many keys the `keys()` paging check writes (more than one page of a cursor). Default 250. */
  listingSize?: number;
}

/** The key factory of {@link StoreConformanceOptions}. */
export interface ConformanceKeyOption<K> {
  /**
   * A key of the store for each number `n` (1, 2, 3... unique within one run of the suite): a different
   * key for each `n`, and one that nothing else uses. Default: `conformance:<random>:<n>`, a string.
   * Required when the store's keys are not plain strings; give it also when the store accepts only
   * some keys (`user:<id>`), with a base of your own so that runs do not meet: `` (n) => `user:${base + n}` ``.
   */
  key: (n: number) => K;
}

/** The value factory of {@link StoreConformanceOptions}. */
export interface ConformanceValueOption<K, V> {
  /**
   * A value the store accepts under `key`; different variants must give different values (variants
   * 1, 2, 3...). Default: small JSON objects, and the checks of special values (`null`, `0`, `false`,
   * `''`, nested, unicode, large) run too. With a factory, those are skipped: the store is checked
   * with its own kind of values only (a users table gets User rows whose id matches the key).
   */
  value: (key: K, variant: number) => V;
}

/**
 * The options of {@link describeStoreConformance}. `key` is required when the store's keys are not
 * strings, and `value` when it does not hold any JSON value (`Store<string, User>`): the suite writes
 * what they make.
 */
export type StoreConformanceOptions<K, V> = StoreConformanceSettings<V> &
  (string extends K ? Partial<ConformanceKeyOption<K>> : ConformanceKeyOption<K>) &
  (ConformanceJsonValue extends V ? Partial<ConformanceValueOption<K, V>> : ConformanceValueOption<K, V>);

/** The options, checked, with their defaults. */
export interface ConformanceSettings<K, V> {
  key(n: number): K;
  value(key: K, variant: number): V;
  /** The values are the store's own (a `value` factory): the special-value checks do not apply. */
  ownValues: boolean;
  /** The keys are the store's own (a `key` factory), for the hints of failure messages. */
  ownKeys: boolean;
  shortTtl: number;
  expiryTolerance: number;
  required: ReadonlySet<StoreCapability>;
  skipped: ReadonlySet<StoreCapability>;
  isolated: boolean;
  equals(actual: V, expected: V): boolean;
  concurrency: number;
  largeValueSize: number;
  listingSize: number;
}

function invalid(what: string, rule: string, got: unknown): never {
  throw new TypeError(`describeStoreConformance: options.${what} must be ${rule}, got ${describeValue(got)}`);
}

function number(
  options: Record<string, unknown>,
  name: string,
  fallback: number,
  check: (n: number) => boolean,
  rule: string,
): number {
  const given = options[name];
  if (given === undefined) return fallback;
  if (typeof given !== 'number' || !check(given)) invalid(name, rule, given);
  return given;
}

function capabilities(options: Record<string, unknown>, name: 'require' | 'skip'): Set<StoreCapability> {
  const given = options[name];
  if (given === undefined) return new Set();
  if (!Array.isArray(given))
    invalid(name, `an array of capabilities (${STORE_CAPABILITIES.join(', ')})`, given);
  for (const entry of given) {
    if (!STORE_CAPABILITIES.includes(entry as StoreCapability)) {
      invalid(name, `an array of ${STORE_CAPABILITIES.map((c) => `'${c}'`).join(', ')}`, entry);
    }
  }
  return new Set(given as StoreCapability[]);
}

function fn<F>(options: Record<string, unknown>, name: string): F | undefined {
  const given = options[name];
  if (given !== undefined && typeof given !== 'function') invalid(name, 'a function', given);
  return given as F | undefined;
}

/** Checks the options once, when the suite is declared: a mistake fails there, naming the option. */
export function resolveOptions<K, V>(options: StoreConformanceOptions<K, V>): ConformanceSettings<K, V> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `describeStoreConformance: options must be an object ({} for the defaults), got ${describeValue(options)}`,
    );
  }
  const record = options as unknown as Record<string, unknown>;
  const isolated = record.isolated ?? false;
  if (typeof isolated !== 'boolean') invalid('isolated', 'a boolean', isolated);
  const required = capabilities(record, 'require');
  const skipped = capabilities(record, 'skip');
  const both = [...required].filter((capability) => skipped.has(capability));
  if (both.length > 0) {
    throw new TypeError(
      `describeStoreConformance: ${both.map((c) => `'${c}'`).join(', ')} is both in options.require and ` +
        'in options.skip; keep it in one of them',
    );
  }
  if (required.has('clear') && !isolated) {
    throw new TypeError(
      "describeStoreConformance: options.require lists 'clear', but clear() empties the whole store and " +
        'runs only on a store of its own: set options.isolated to true (a namespace, prefix or table that ' +
        'holds nothing else), or drop clear from options.require',
    );
  }
  const key = fn<(n: number) => K>(record, 'key');
  const value = fn<(key: K, variant: number) => V>(record, 'value');
  const equals = fn<(actual: V, expected: V) => boolean>(record, 'equals');
  const runId = randomUUID().slice(0, 8);
  return {
    key: key ?? ((n) => `conformance:${runId}:${n}` as K),
    value: value ?? ((k, variant) => sampleValue(k, variant) as V),
    ownValues: value !== undefined,
    ownKeys: key !== undefined,
    shortTtl: number(
      record,
      'shortTtl',
      100,
      (n) => Number.isFinite(n) && n > 0,
      'a finite number of milliseconds > 0',
    ),
    expiryTolerance: number(
      record,
      'expiryTolerance',
      100,
      (n) => Number.isFinite(n) && n >= 0,
      'a finite number of milliseconds >= 0',
    ),
    required,
    skipped,
    isolated,
    equals: equals ?? ((actual, expected) => isDeepStrictEqual(actual, expected)),
    concurrency: number(
      record,
      'concurrency',
      8,
      (n) => Number.isInteger(n) && n >= 2,
      'a whole number >= 2',
    ),
    largeValueSize: number(
      record,
      'largeValueSize',
      100_000,
      (n) => Number.isInteger(n) && n >= 1,
      'a whole number >= 1',
    ),
    listingSize: number(
      record,
      'listingSize',
      250,
      (n) => Number.isInteger(n) && n >= 1,
      'a whole number >= 1',
    ),
  };
}
