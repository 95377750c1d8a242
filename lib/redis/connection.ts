import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import { watchdogTimeout, watchSocket } from './socket-watchdog.js';

/** A connection to one Redis (standalone, or a master found through Sentinel) or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** How to reach a Redis Cluster: a few of its nodes (the others are discovered), and ioredis options. */
export interface RedisClusterConnection {
  /** Seed nodes (`{ host, port }` or `'host:port'`); the others are discovered from them. */
  nodes: ClusterNode[];
  /** ioredis Cluster options; they replace FAIL_FAST_CLUSTER_OPTIONS key by key (`redisOptions` too). */
  options?: ClusterOptions;
}

/** Duck-typed rather than `instanceof`, so that a client from another copy of ioredis is recognised. */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: unknown }).isCluster === true;
}

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
  // A hung server (SIGSTOP, a dead host behind a live TCP path) answers nothing: drop the connection
  // once its commands waited that long without a byte. Kept by the library's socket watchdog (one timer
  // per connection) rather than by ioredis (a timer armed and cleared around every command).
  socketTimeout: 2000,
  connectTimeout: 2000,
  // How long a closing socket may take to end before it is destroyed (ioredis keeps a timer that long,
  // even for a socket that already closed): short, so that a closed store leaves nothing running.
  disconnectTimeout: 200,
  // Retry soon, then every second: recovery takes at most about a second once Redis is back.
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
});

/**
 * The same for a Redis Cluster. ioredis retries a command that met a dead master, a cluster that is down
 * or a slot being migrated after 100 ms, up to 16 times: a read of a slot whose master just died could
 * wait well over a second. Retrying at once (still up to 16 redirections, which also follow MOVED)
 * lets it fail within milliseconds, so that a cache layer costs a miss rather than a wait. Measured on
 * a 3-master cluster with a master killed under load: see docs/redis.md.
 */
export const FAIL_FAST_CLUSTER_OPTIONS: Readonly<ClusterOptions> = Object.freeze({
  retryDelayOnFailover: 0,
  retryDelayOnClusterDown: 0,
  retryDelayOnTryAgain: 0,
  // The whole cluster unreachable: reconnect soon, then every second (ioredis: up to every 2 s).
  clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
  // The node connections: no resending on a new connection, and a hung node is dropped (the cluster
  // client owns their reconnection and queueing, so retryStrategy and the offline queue are its own).
  redisOptions: Object.freeze({
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    socketTimeout: 2000,
    connectTimeout: 2000,
    disconnectTimeout: 200,
  }),
});

/**
 * A new connection: the caller's options win over the fail-fast defaults. Its `socketTimeout` is kept by
 * a socket watchdog instead of ioredis (the same rule, at a fraction of the cost per command).
 */
export function connect(url: string | undefined, options: RedisOptions | undefined): Redis {
  const merged: RedisOptions = { ...FAIL_FAST_OPTIONS, ...options };
  const socketTimeout = merged.socketTimeout;
  if (watchdogTimeout(socketTimeout)) delete merged.socketTimeout;
  const client = url === undefined ? new Redis(merged) : new Redis(url, merged);
  if (watchdogTimeout(socketTimeout)) watchSocket(client, socketTimeout);
  return client;
}

/** A new cluster connection: the caller's options (and node options) win over the fail-fast defaults. */
export function connectCluster(cluster: RedisClusterConnection, extra?: ClusterOptions): Cluster {
  const given = cluster.options ?? {};
  const merged: ClusterOptions = {
    ...FAIL_FAST_CLUSTER_OPTIONS,
    ...extra,
    ...given,
    redisOptions: {
      ...FAIL_FAST_CLUSTER_OPTIONS.redisOptions,
      ...extra?.redisOptions,
      ...given.redisOptions,
    },
  };
  const client = new Cluster(cluster.nodes, merged);
  watchNodes(client);
  return client;
}

/**
 * A cluster's node connections get a socket watchdog in place of ioredis's `socketTimeout`: each node's
 * own option is removed as the node is created (before it sends anything), and a watchdog with the same
 * timeout watches it. The cluster's `redisOptions` keep the option, for the connections ioredis makes
 * apart from the node pool (the sharded subscribers), which stay with ioredis's timer.
 */
function watchNodes(cluster: Cluster): void {
  const onNode = (node: Redis): void => {
    const socketTimeout = node.options.socketTimeout;
    if (!watchdogTimeout(socketTimeout)) return;
    delete node.options.socketTimeout;
    watchSocket(node, socketTimeout);
  };
  cluster.on('+node', onNode);
  // ioredis creates the nodes once their addresses are resolved (a later turn), but in case some exist:
  for (const node of cluster.nodes()) onNode(node);
}

/** Closes a connection, and resolves once it ended, without waiting long on a server that does not answer. */
export async function quit(client: RedisClient, waitMs = 1000): Promise<void> {
  const status = client.status as string;
  if (status === 'end') return;
  // A cluster's node connections, taken now: ioredis forgets them once it disconnects.
  const connections: RedisClient[] = isCluster(client) ? client.nodes() : [client];
  // Ending the connection may fail what was in flight; nobody listens for that any more.
  client.on('error', noop);
  if (status === 'reconnecting' || status === 'close' || status === 'wait') {
    // No socket to close: stopping the reconnection (its timer) is all there is to do, and ioredis would
    // never emit 'end' for it, so there is nothing to wait for.
    client.disconnect();
    clearSocketTimeouts(connections);
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = new Promise<void>((resolve) => {
    client.once('end', resolve);
    timer = setTimeout(resolve, waitMs);
  });
  try {
    // QUIT lets Redis finish the replies in flight; without a ready connection there is nothing to finish.
    if (status === 'ready') client.quit().catch(() => client.disconnect());
    else client.disconnect();
    await ended;
  } finally {
    clearTimeout(timer);
    if ((client.status as string) !== 'end') client.disconnect();
    clearSocketTimeouts(connections);
  }
}

/**
 * ioredis arms a `socketTimeout` timer when it writes a command and does not clear it when the socket
 * closes before an answer: left alone it keeps a closed client's process alive for `socketTimeout` ms.
 * A cluster holds one such connection per node. (The connections `connect` and `connectCluster` make use
 * a socket watchdog instead, whose timer is unref'd; this is for connections ioredis times itself, such
 * as a duplicate of a client given by the application.)
 */
function clearSocketTimeouts(connections: readonly RedisClient[]): void {
  for (const connection of connections) {
    const internal = connection as unknown as { socketTimeoutTimer?: ReturnType<typeof setTimeout> };
    if (internal.socketTimeoutTimer !== undefined) {
      clearTimeout(internal.socketTimeoutTimer);
      internal.socketTimeoutTimer = undefined;
    }
  }
}

function noop(): void {}
