import { Redis, type RedisOptions } from 'ioredis';

/**
 * Options for a connection that fails fast: while Redis is down, hung or refusing connections, commands
 * reject quickly instead of waiting in ioredis's unbounded offline queue, and the client keeps
 * reconnecting in the background.
 */
export const FAIL_FAST_OPTIONS: Readonly<RedisOptions> = Object.freeze({
  // A command written to a connection that then drops is rejected, not re-sent on the next connection.
  autoResendUnfulfilledCommands: false,
  // Every failed connection attempt flushes what is queued (only commands issued while connecting).
  maxRetriesPerRequest: 0,
  // A hung server (SIGSTOP, a dead host behind a live TCP path) answers nothing: drop the connection.
  socketTimeout: 2000,
  connectTimeout: 2000,
  // How long a closing socket may take to end before it is destroyed (ioredis keeps a timer that long,
  // even for a socket that already closed): short, so that a closed store leaves nothing running.
  disconnectTimeout: 200,
  // Retry soon, then every second: recovery takes at most about a second once Redis is back.
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
});

/** A new connection: the caller's options win over the fail-fast defaults. */
export function connect(url: string | undefined, options: RedisOptions | undefined): Redis {
  const merged: RedisOptions = { ...FAIL_FAST_OPTIONS, ...options };
  return url === undefined ? new Redis(merged) : new Redis(url, merged);
}

/** Closes a connection, and resolves once it ended, without waiting long on a server that does not answer. */
export async function quit(client: Redis, waitMs = 1000): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'reconnecting' || client.status === 'close' || client.status === 'wait') {
    // No socket to close: stopping the reconnection (its timer) is all there is to do, and ioredis would
    // never emit 'end' for it, so there is nothing to wait for.
    client.disconnect();
    clearSocketTimeout(client);
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = new Promise<void>((resolve) => {
    client.once('end', resolve);
    timer = setTimeout(resolve, waitMs);
  });
  try {
    // QUIT lets Redis finish the replies in flight; without a ready connection there is nothing to finish.
    if (client.status === 'ready') client.quit().catch(() => client.disconnect());
    else client.disconnect();
    await ended;
  } finally {
    clearTimeout(timer);
    if ((client.status as string) !== 'end') client.disconnect();
    clearSocketTimeout(client);
  }
}

/**
 * ioredis arms a `socketTimeout` timer when it writes a command and does not clear it when the socket
 * closes before an answer: left alone it keeps a closed client's process alive for `socketTimeout` ms.
 */
function clearSocketTimeout(client: Redis): void {
  const internal = client as unknown as { socketTimeoutTimer?: ReturnType<typeof setTimeout> };
  if (internal.socketTimeoutTimer !== undefined) {
    clearTimeout(internal.socketTimeoutTimer);
    internal.socketTimeoutTimer = undefined;
  }
}
