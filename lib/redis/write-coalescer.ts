import type { Redis } from 'ioredis';

interface Corkable {
  cork(): void;
  uncork(): void;
  writable?: boolean;
}

/**
 * Coalesces the socket writes of the write commands a store sends on its connection in one tick of the
 * process (the callback that ran and the promise continuations it set off): the first goes out at once,
 * as it would; from the second on, the socket is corked until the tick is done, and they leave in one
 * system call. A socket write to Redis on loopback is most of a command's CPU time, so concurrent writes
 * cost one write between them, not one each. Nothing waits longer than the tick that issued it: no timer,
 * and a lone write is not held. Reads are batched already (ReadBatcher) and are left alone.
 */
export class WriteCoalescer {
  readonly #client: Redis;
  #issued = 0;
  #corked: Corkable | undefined;

  constructor(client: Redis) {
    this.#client = client;
  }

  /** Call right before sending a write command. */
  beforeWrite(): void {
    if (this.#issued++ === 0) {
      process.nextTick(this.#endTick);
    } else if (this.#corked === undefined && this.#client.status === 'ready') {
      const socket = (this.#client as unknown as { stream?: Corkable }).stream;
      if (socket !== undefined && socket.writable !== false) {
        socket.cork();
        this.#corked = socket;
      }
    }
  }

  readonly #endTick = (): void => {
    this.#issued = 0;
    const socket = this.#corked;
    this.#corked = undefined;
    socket?.uncork();
  };
}
