import { ConfigurationError } from '../core/errors.js';
import type { RedisClient } from './connection.js';

/** Validates `{ nodes, options? }` for a cluster connection. */
export function checkClusterOptions(owner: string, cluster: unknown): void {
  const nodes = (cluster as { nodes?: unknown } | null)?.nodes;
  if (cluster === null || typeof cluster !== 'object' || !Array.isArray(nodes) || nodes.length === 0) {
    throw new ConfigurationError(
      `${owner}: cluster must be { nodes: [{ host, port }, ...], options? } with at least one node, got ${describeValue(cluster)}`,
    );
  }
  const options = (cluster as { options?: unknown }).options;
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new ConfigurationError(
      `${owner}: cluster.options must be ioredis Cluster options, got ${describeValue(options)}`,
    );
  }
}

/** An ioredis client (of either major, possibly another copy): something with the commands the store sends. */
export function isClient(client: unknown): client is RedisClient {
  return (
    client !== null &&
    typeof client === 'object' &&
    typeof (client as RedisClient).get === 'function' &&
    typeof (client as RedisClient).on === 'function' &&
    typeof (client as { status?: unknown }).status === 'string'
  );
}

/** `null`, `"text"`, `42 (number)`, `an array`, `an object`... for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `${JSON.stringify(value)} (string)`;
  if (typeof value === 'object') return `${(value as object).constructor?.name ?? 'an object'} object`;
  return `${String(value)} (${typeof value})`;
}
