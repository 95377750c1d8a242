import type { Redis } from 'ioredis';
import { redactCommand } from './redis-errors.js';

/** Turns the text at a Redis key (`null` for a miss) into what the read resolves; may throw (bad JSON). */
export type Decode<T> = (raw: string | null) => T;

/** A read waiting for its turn's command. */
export interface PendingRead {
  readonly name: string;
  readonly decode: Decode<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Single-key reads, batched. */
export interface Reads {
  /** The text at a Redis key (`null` for a miss), decoded by `decode`. */
  read<T>(name: string, decode: Decode<T>): Promise<T>;
}

/** Settles a read with its decoded text, or with the decoder's error. */
export function settle(read: PendingRead, raw: string | null): void {
  let value: unknown;
  try {
    value = read.decode(raw);
  } catch (error) {
    read.reject(error);
    return;
  }
  read.resolve(value);
}

/**
 * The reads of one turn: `first`, and `more` only when there are others (a lone read, the common case
 * of a sequential caller, allocates no array).
 */
export abstract class TurnBatcher implements Reads {
  #first: PendingRead | undefined;
  #more: PendingRead[] | undefined;

  read<T>(name: string, decode: Decode<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const read = { name, decode, resolve, reject } as PendingRead;
      if (this.#first === undefined) {
        this.#first = read;
        queueMicrotask(this.#flush);
      } else if (this.#more === undefined) {
        this.#more = [read];
      } else {
        this.#more.push(read);
      }
    });
  }

  readonly #flush = (): void => {
    const first = this.#first!;
    const more = this.#more;
    this.#first = undefined;
    this.#more = undefined;
    if (more === undefined) this.sendOne(first);
    else {
      more.unshift(first);
      this.sendMany(more);
    }
  };

  /** A lone read: a plain GET. */
  protected abstract sendOne(read: PendingRead): void;
  /** Two reads or more, in the order they were issued. */
  protected abstract sendMany(reads: PendingRead[]): void;
}

/**
 * Sends the single-key reads issued together (in one turn of the microtask queue) as one MGET: one
 * command and one socket write instead of one each. Under concurrency this is most of the cost of a
 * read that misses the memory layer; a lone read still goes out at once, as a plain GET. Each read is
 * decoded here and its promise resolved with the result: one promise and one turn per read between
 * ioredis's reply and the caller.
 */
export class ReadBatcher extends TurnBatcher {
  readonly #client: Redis;

  constructor(client: Redis) {
    super();
    this.#client = client;
  }

  protected sendOne(read: PendingRead): void {
    this.#client.get(read.name).then(
      (raw) => settle(read, raw),
      (error: unknown) => read.reject(redactCommand(error)),
    );
  }

  protected sendMany(reads: PendingRead[]): void {
    const names = new Array<string>(reads.length);
    for (let i = 0; i < reads.length; i++) names[i] = reads[i].name;
    this.#client.mget(names).then(
      (values) => {
        for (let i = 0; i < reads.length; i++) settle(reads[i], values[i]);
      },
      (error: unknown) => {
        const redacted = redactCommand(error);
        for (const read of reads) read.reject(redacted);
      },
    );
  }
}
