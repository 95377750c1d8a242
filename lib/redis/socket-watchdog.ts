import type { Redis } from 'ioredis';

/** How many times per `socketTimeout` a connection is checked. */
const CHECKS_PER_TIMEOUT = 8;
/** The shortest interval between two checks, for very short timeouts. */
const MIN_INTERVAL_MS = 5;

/** What a watchdog reads of an ioredis connection (public in the typings of ioredis 5 and 6). */
interface Watched {
  readonly stream: { readonly bytesRead: number; readonly destroyed: boolean; destroy(error?: Error): void };
  readonly commandQueue: { readonly length: number };
}

/**
 * ioredis's `socketTimeout` rule, kept by one interval timer per connection instead of around every
 * command: a connection whose commands have waited `timeout` ms without a byte received is destroyed,
 * which rejects what it held and lets ioredis reconnect. (ioredis arms a `setTimeout`, adds a `'data'`
 * listener and clears the timer for every command written to an idle connection, and again for every
 * reply: a few microseconds of CPU per command, a tenth of a GET.)
 *
 * Every `timeout / 8` ms, the timer reads whether commands are waiting for a reply and the socket's byte
 * counter. The connection is destroyed after `timeout` ms of checks that all saw commands waiting and no
 * new byte, counted from the first check that saw them waiting (so never earlier than `timeout` ms after
 * the command was written, and at most one interval later). A check delayed by a busy event loop delays
 * the verdict, never hastens it: a reply that arrived meanwhile is read before the next check.
 *
 * The timer runs while the connection has a socket (from `'connect'` to `'close'`), is unref'd (it never
 * keeps a process alive), and stops by itself if it finds the socket it watches gone.
 */
class SocketWatchdog {
  readonly #client: Redis;
  readonly #timeout: number;
  readonly #interval: number;
  /** Consecutive silent checks that make a hang. */
  readonly #limit: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stream: Watched['stream'] | undefined;
  #bytes = 0;
  #waiting = false;
  #silent = 0;

  constructor(client: Redis, timeout: number) {
    this.#client = client;
    this.#timeout = timeout;
    this.#interval = Math.max(Math.ceil(timeout / CHECKS_PER_TIMEOUT), MIN_INTERVAL_MS);
    this.#limit = Math.ceil(timeout / this.#interval);
    client.on('connect', this.#start);
    client.on('close', this.#stop);
    client.on('end', this.#stop);
    // Attached to a connection that already has its socket (ioredis connects on the next turn, so
    // normally it has none yet).
    if (client.status === 'connect' || client.status === 'ready') this.#start();
  }

  readonly #start = (): void => {
    this.#stop();
    const stream = (this.#client as unknown as Watched).stream;
    if (stream === undefined || stream === null || stream.destroyed) return;
    this.#stream = stream;
    this.#bytes = stream.bytesRead;
    this.#waiting = false;
    this.#silent = 0;
    this.#timer = setInterval(this.#check, this.#interval);
    this.#timer.unref?.();
  };

  readonly #stop = (): void => {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stream = undefined;
  };

  readonly #check = (): void => {
    const stream = this.#stream;
    const client = this.#client as unknown as Watched;
    if (stream === undefined || client.stream !== stream || stream.destroyed) return this.#stop();
    const waiting = client.commandQueue.length !== 0;
    const bytes = stream.bytesRead;
    // Silent: commands were already waiting at the previous check, still are, and no byte came since.
    if (waiting && this.#waiting && bytes === this.#bytes) {
      if (++this.#silent >= this.#limit) {
        this.#stop();
        stream.destroy(
          new Error(`Socket timeout. Expecting data, but didn't receive any in ${this.#timeout}ms.`),
        );
        return;
      }
    } else {
      this.#silent = 0;
    }
    this.#waiting = waiting;
    this.#bytes = bytes;
  };
}

/** A `socketTimeout` that the watchdog keeps; anything else is left to ioredis as it is. */
export function watchdogTimeout(socketTimeout: unknown): socketTimeout is number {
  return typeof socketTimeout === 'number' && Number.isFinite(socketTimeout) && socketTimeout > 0;
}

/** Watches a connection for the rest of its life: see SocketWatchdog. */
export function watchSocket(client: Redis, timeout: number): void {
  new SocketWatchdog(client, timeout);
}
