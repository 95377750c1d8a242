import type { Redis } from 'ioredis';
import { RedisUnavailableError, redactCommand } from './redis-errors.js';

const RECOVERY_RETRY_MS = 1000;

/**
 * Whether commands may be sent on a connection. It closes when the connection drops and opens again once
 * ioredis reports it ready and `recover` (if any) succeeded: in between, a command is refused at once
 * rather than queued. Before the first connection completes it is open, so that the first commands wait
 * for the connection (bounded by ioredis's connectTimeout) instead of failing.
 *
 * Writes may go out earlier than reads: as soon as the new connection is ready, while `recover` runs.
 * Redis runs the commands of one connection in order, and `recover` sends its first commands when the
 * connection becomes ready, so a write sent then lands after them. Refusing it instead would leave its
 * key holding an older value that `recover`, already under way, no longer knows about.
 */
export class ConnectionGate {
  #open: boolean;
  #lastError: unknown;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #detached = false;
  readonly #client: Redis;
  readonly #recover: (() => Promise<void>) | undefined;

  /**
   * `watchErrors`: record connection errors (and so keep ioredis from printing them); for owned clients.
   * `recover`: runs on each reconnection before the gate opens, e.g. to repair what failed during the outage.
   */
  constructor(client: Redis, watchErrors: boolean, recover?: () => Promise<void>) {
    this.#client = client;
    this.#recover = recover;
    this.#open = client.status !== 'close' && client.status !== 'end' && client.status !== 'reconnecting';
    client.on('ready', this.#onReady);
    client.on('close', this.#onClose);
    client.on('end', this.#onClose);
    // Without an 'error' listener ioredis prints every failed reconnection attempt to the console.
    if (watchErrors) client.on('error', this.#onError);
  }

  /** Whether reads (and every other command) may be sent. */
  get open(): boolean {
    return this.#open;
  }

  /** Whether writes may be sent: the gate is open, or the connection is ready and `recover` is running. */
  get writable(): boolean {
    return this.#open || (this.#client.status === 'ready' && !this.#detached);
  }

  /** The error to reject with while the gate is closed. */
  refusal(): RedisUnavailableError {
    return new RedisUnavailableError(this.#client.status, this.#lastError);
  }

  detach(): void {
    this.#detached = true;
    clearTimeout(this.#retry);
    this.#client.off('ready', this.#onReady);
    this.#client.off('close', this.#onClose);
    this.#client.off('end', this.#onClose);
    this.#client.off('error', this.#onError);
  }

  readonly #onReady = (): void => {
    if (this.#recover === undefined) {
      this.#open = true;
      this.#lastError = undefined;
      return;
    }
    this.#recover().then(
      () => {
        if (this.#client.status !== 'ready' || this.#detached) return;
        this.#open = true;
        this.#lastError = undefined;
      },
      (error: unknown) => {
        this.#lastError = redactCommand(error);
        // Still connected but the repair failed (e.g. a server error): try again rather than stay shut.
        if (this.#client.status === 'ready' && !this.#detached) {
          this.#retry = setTimeout(this.#onReady, RECOVERY_RETRY_MS);
          this.#retry.unref?.();
        }
      },
    );
  };

  readonly #onClose = (): void => {
    this.#open = false;
    clearTimeout(this.#retry);
  };

  readonly #onError = (error: unknown): void => {
    this.#lastError = redactCommand(error);
  };
}
