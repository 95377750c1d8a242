import { isCluster, type RedisClient } from './connection.js';
import { RedisUnavailableError, redactCommand } from './redis-errors.js';

const RECOVERY_RETRY_MS = 1000;
/** How long commands wait for a cluster's first connection (a connect timeout, then a slot table). */
const CLUSTER_START_MS = 3000;

/**
 * Whether commands may be sent on a connection. It closes when the connection drops and opens again once
 * ioredis reports it ready and `recover` (if any) succeeded: in between, a command is refused at once
 * rather than queued. Before the first connection completes it is open, so that the first commands wait
 * for the connection (bounded by ioredis's connectTimeout) instead of failing. A cluster client would
 * queue them without bound while it retries: the gate stays shut instead and `starting` lets them wait
 * for the first connection, up to a few seconds.
 *
 * Writes may go out earlier than reads: as soon as the new connection is ready, while `recover` runs.
 * Redis runs the commands of one connection in order, and `recover` sends its first commands when the
 * connection becomes ready, so a write sent then lands after them. Refusing it instead would leave its
 * key holding an older value that `recover`, already under way, no longer knows about.
 *
 * On a Redis Cluster it follows the cluster client as a whole, which stays `ready` while one master is
 * down or failing over: what that costs is handled per key (UnsureKeys), not here.
 */
export class ConnectionGate {
  #open: boolean;
  #lastError: unknown;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #detached = false;
  readonly #client: RedisClient;
  readonly #recover: (() => Promise<void>) | undefined;
  #starting: Promise<void> | undefined;
  #started:
    { resolve(): void; reject(error: unknown): void; timer: ReturnType<typeof setTimeout> } | undefined;

  /**
   * `watchErrors`: record connection errors (and so keep ioredis from printing them); for owned clients.
   * `recover`: runs on each reconnection before the gate opens, e.g. to repair what failed during the outage.
   */
  constructor(client: RedisClient, watchErrors: boolean, recover?: () => Promise<void>) {
    this.#client = client;
    this.#recover = recover;
    this.#open = client.status !== 'close' && client.status !== 'end' && client.status !== 'reconnecting';
    if (this.#open && isCluster(client) && client.status !== 'ready') this.#startCluster(client);
    client.on('ready', this.#onReady);
    client.on('close', this.#onClose);
    client.on('end', this.#onClose);
    // Without an 'error' listener ioredis prints every failed reconnection attempt to the console.
    if (watchErrors) client.on('error', this.#onError);
    // A cluster reports the failures of its node connections apart; they explain a refusal too.
    if (watchErrors) client.on('node error', this.#onError);
  }

  /** Whether reads (and every other command) may be sent. */
  get open(): boolean {
    return this.#open;
  }

  /** Whether writes may be sent: the gate is open, or the connection is ready and `recover` is running. */
  get writable(): boolean {
    return this.#open || (this.#client.status === 'ready' && !this.#detached);
  }

  /** While a cluster makes its first connection: resolves once the gate opened, or rejects (unavailable). */
  get starting(): Promise<void> | undefined {
    return this.#starting;
  }

  /** The error to reject with while the gate is closed. */
  refusal(): RedisUnavailableError {
    return new RedisUnavailableError(this.#client.status, this.#lastError);
  }

  detach(): void {
    this.#detached = true;
    clearTimeout(this.#retry);
    this.#endStart(this.refusal());
    this.#client.off('ready', this.#onReady);
    this.#client.off('close', this.#onClose);
    this.#client.off('end', this.#onClose);
    this.#client.off('error', this.#onError);
    this.#client.off('node error', this.#onError);
  }

  readonly #onReady = (): void => {
    if (this.#recover === undefined) {
      this.#open = true;
      this.#lastError = undefined;
      this.#endStart();
      return;
    }
    this.#recover().then(
      () => {
        if (this.#client.status !== 'ready' || this.#detached) return;
        this.#open = true;
        this.#lastError = undefined;
        this.#endStart();
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
    // A cluster that could not make its first connection: its waiting commands are refused now.
    if (this.#started) this.#endStart(this.refusal());
  };

  #startCluster(client: RedisClient): void {
    this.#open = false;
    this.#starting = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.#endStart(this.refusal()), CLUSTER_START_MS);
      timer.unref?.();
      this.#started = { resolve, reject, timer };
    });
    this.#starting.catch(() => {});
    // A lazyConnect client connects on its first command, which the gate now holds back.
    if (client.status === 'wait') client.connect().catch(() => {});
  }

  /** The first connection settled: waiting commands go on (no error) or are refused. */
  #endStart(error?: unknown): void {
    const started = this.#started;
    if (started === undefined) return;
    this.#started = undefined;
    this.#starting = undefined;
    clearTimeout(started.timer);
    if (error === undefined) started.resolve();
    else started.reject(error);
  }

  readonly #onError = (error: unknown): void => {
    this.#lastError = redactCommand(error);
  };
}
