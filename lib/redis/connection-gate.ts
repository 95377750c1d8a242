import type { Redis } from 'ioredis';
import { RedisUnavailableError } from './redis-errors.js';

/**
 * Whether commands may be sent on a connection. It closes when the connection drops and opens again when
 * ioredis reports it ready: in between, a command is refused at once rather than queued. Before the
 * first connection completes it is open, so that the first commands wait for the connection (bounded by
 * ioredis's connectTimeout) instead of failing.
 */
export class ConnectionGate {
  #open: boolean;
  #lastError: unknown;
  readonly #client: Redis;

  /** `watchErrors`: record connection errors (and so keep ioredis from printing them); for owned clients. */
  constructor(client: Redis, watchErrors: boolean) {
    this.#client = client;
    this.#open = client.status !== 'close' && client.status !== 'end' && client.status !== 'reconnecting';
    client.on('ready', this.#onReady);
    client.on('close', this.#onClose);
    client.on('end', this.#onClose);
    // Without an 'error' listener ioredis prints every failed reconnection attempt to the console.
    if (watchErrors) client.on('error', this.#onError);
  }

  get open(): boolean {
    return this.#open;
  }

  /** The error to reject with while the gate is closed. */
  refusal(): RedisUnavailableError {
    return new RedisUnavailableError(this.#client.status, this.#lastError);
  }

  detach(): void {
    this.#client.off('ready', this.#onReady);
    this.#client.off('close', this.#onClose);
    this.#client.off('end', this.#onClose);
    this.#client.off('error', this.#onError);
  }

  readonly #onReady = (): void => {
    this.#open = true;
    this.#lastError = undefined;
  };

  readonly #onClose = (): void => {
    this.#open = false;
  };

  readonly #onError = (error: unknown): void => {
    this.#lastError = error;
  };
}
