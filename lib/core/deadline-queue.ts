/** Told what became of a bounded call: whose deadline passed, and when it really settled. */
export interface DeadlineWatcher {
  /** The deadline passed before the call settled: its caller is told it failed, yet it may still run. */
  expired(): void;
  /** The call settled (after its deadline or not). */
  settled(fulfilled: boolean): void;
}

interface Deadline {
  at: number;
  expired: boolean;
  done: boolean;
  onExpire: () => void;
}

/**
 * Times out calls of one layer with a single timer, however many calls are in flight: every call of a
 * layer has the same timeout, so deadlines arrive in order and the timer only ever waits for the oldest.
 */
export class DeadlineQueue {
  readonly #timeout: number;
  #entries: Deadline[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeout: number) {
    this.#timeout = timeout;
  }

  /**
   * Settles like `promise`, or rejects with `onTimeout()` once the timeout passed. The promise is not
   * cancelled: the work may still happen after its caller was told it failed. `watcher`, when given, is
   * told when the deadline passed and when the promise settled, so that its owner can account for that.
   */
  bound<T>(promise: PromiseLike<T>, onTimeout: () => Error, watcher?: DeadlineWatcher): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Deadline = {
        at: performance.now() + this.#timeout,
        expired: false,
        done: false,
        onExpire: () => {
          watcher?.expired();
          reject(onTimeout());
        },
      };
      this.#entries.push(entry);
      if (this.#timer === undefined) this.#arm();
      promise.then(
        (value) => {
          entry.done = true;
          if (!entry.expired) resolve(value);
          watcher?.settled(true);
        },
        (error: unknown) => {
          entry.done = true;
          if (!entry.expired) reject(error);
          watcher?.settled(false);
        },
      );
    });
  }

  /** Stops the timer; calls in flight then settle with their promise only. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#entries = [];
    this.#head = 0;
  }

  #arm(): void {
    while (this.#head < this.#entries.length && this.#entries[this.#head].done) this.#head++;
    if (this.#head >= this.#entries.length) {
      this.#entries = [];
      this.#head = 0;
      this.#timer = undefined;
      return;
    }
    const wait = Math.max(0, this.#entries[this.#head].at - performance.now());
    this.#timer = setTimeout(this.#fire, Math.ceil(wait));
    this.#timer.unref?.();
  }

  readonly #fire = (): void => {
    const now = performance.now();
    const entries = this.#entries;
    while (this.#head < entries.length && entries[this.#head].at <= now + 0.5) {
      const entry = entries[this.#head++];
      if (!entry.done) {
        entry.expired = true;
        entry.done = true;
        entry.onExpire();
      }
    }
    if (this.#head > 1024 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
    this.#arm();
  };
}
