import { describe, it } from '@jest/globals';
import { createConnection } from 'node:net';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether something accepts TCP connections at the URL's host and port. */
export function isReachable(url: string, defaultPort: number, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port) || defaultPort });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

type Describe = (name: string, fn: () => void) => void;

/**
 * `describe` for suites that need a real service. When the service is down: with CI=true the suite fails
 * (a missing service is a broken CI), elsewhere it is skipped with a message that says what to start.
 */
function describeWith(service: string, url: string, up: boolean): Describe {
  if (up) return describe;
  if (process.env.CI === 'true') {
    return (name) =>
      describe(name, () => {
        it(`needs ${service} at ${url}`, () => {
          throw new Error(`${service} is not reachable at ${url}; CI must start it (see .ci/run)`);
        });
      });
  }
  return (name, fn) => {
    console.warn(`skipping "${name}": ${service} is not reachable at ${url} (start it, or set the URL)`);
    describe.skip(name, fn);
  };
}

export const redisUp = await isReachable(REDIS_URL, 6379);
export const postgresUp = await isReachable(DATABASE_URL, 5432);
export const describeWithRedis: Describe = describeWith('Redis', REDIS_URL, redisUp);
export const describeWithPostgres: Describe = describeWith('PostgreSQL', DATABASE_URL, postgresUp);
