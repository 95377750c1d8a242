import type { Redis } from 'ioredis';
import { throwRedacted } from './redis-errors.js';

interface Waiter {
  resolve(raw: string | null): void;
  reject(error: unknown): void;
}

/** Single-key reads, batched. */
export interface Reads {
  /** The raw text at a Redis key, `null` for a miss. */
  read(name: string): Promise<string | null>;
}

/**
 * Sends the single-key reads issued together (in one turn of the microtask queue) as one MGET: one
 * command and one socket write instead of one each. Under concurrency this is most of the cost of a
 * read that misses the memory layer; a lone read still goes out at once, as a plain GET.
 */
export class ReadBatcher implements Reads {
  readonly #client: Redis;
  #names: string[] = [];
  #waiters: Waiter[] = [];

  constructor(client: Redis) {
    this.#client = client;
  }

  /** The raw text at a Redis key, `null` for a miss. */
  read(name: string): Promise<string | null> {
    if (this.#names.length === 0) queueMicrotask(this.#flush);
    this.#names.push(name);
    return new Promise<string | null>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  readonly #flush = (): void => {
    const names = this.#names;
    const waiters = this.#waiters;
    this.#names = [];
    this.#waiters = [];
    if (names.length === 1) {
      this.#client.get(names[0]).then(waiters[0].resolve, (error: unknown) => {
        try {
          throwRedacted(error);
        } catch (redacted) {
          waiters[0].reject(redacted);
        }
      });
      return;
    }
    this.#client.mget(names).then(
      (values) => waiters.forEach((waiter, i) => waiter.resolve(values[i])),
      (error: unknown) => {
        let redacted: unknown;
        try {
          throwRedacted(error);
        } catch (caught) {
          redacted = caught;
        }
        for (const waiter of waiters) waiter.reject(redacted);
      },
    );
  };
}
