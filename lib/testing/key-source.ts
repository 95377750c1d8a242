import { inspect } from 'node:util';
import { describeValue } from '../core/errors.js';
import { show } from './assertions.js';

/** A key as a string that two equal keys share, so keys of any type can be counted and compared. */
export function keyId(key: unknown): string {
  if (typeof key === 'object' && key !== null) {
    return `object:${inspect(key, { depth: Infinity, sorted: true, breakLength: Infinity })}`;
  }
  return `${typeof key}:${String(key)}`;
}

/**
 * The keys of one suite run: a fresh one for every request, never the same twice in the run, so that a
 * test never meets what an earlier one left behind.
 */
export class KeySource<K> {
  readonly #make: (n: number) => K;
  readonly #given = new Map<string, number>();
  #next = 1;

  constructor(make: (n: number) => K) {
    this.#make = make;
  }

  next(): K {
    const n = this.#next++;
    const key = this.#make(n);
    if (key === undefined || key === null) {
      throw new TypeError(
        `describeStoreConformance: options.key(${n}) gave ${describeValue(key)}; it must give a key`,
      );
    }
    const id = keyId(key);
    const earlier = this.#given.get(id);
    if (earlier !== undefined) {
      throw new TypeError(
        `describeStoreConformance: options.key gave ${show(key)} for both ${earlier} and ${n}; it must give ` +
          'a different key for each number',
      );
    }
    this.#given.set(id, n);
    return key;
  }
}
