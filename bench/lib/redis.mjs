// A scratch Redis for the benchmark, and the command counters the workloads read from it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { profiled } from './profiler.mjs';

/** A TCP port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `redis-server` on a free loopback port, without persistence. Resolves `{ url, pid, stop }` once
 * it answers PING. `stop()` kills it by pid; it is also killed when this process exits.
 */
export async function startScratchRedis() {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const failed = new Promise((_, reject) => {
    child.once('error', (error) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('redis-server is not on the PATH: install Redis, or set REDIS_URL=redis://host:port')
          : error,
      ),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}: ${stderr}`)));
  });
  failed.catch(() => {});
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  // Killed with this process: at exit, and on Ctrl-C / SIGTERM, which would otherwise skip 'exit'.
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  }
  const url = `redis://127.0.0.1:${port}`;
  try {
    await Promise.race([waitForPing(url), failed]);
  } catch (error) {
    stop();
    throw error;
  }
  return { url, pid: child.pid, stop };
}

async function waitForPing(url, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // refused while the server starts: retried below
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Redis at ${url} did not answer PING: ${error.message}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
}

/** Redis's per-command call counters (INFO commandstats): `{ get: 12, mget: 3, ... }`. */
export async function commandCounts(client) {
  const text = await client.info('commandstats');
  const counts = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts[match[1]] = Number(match[2]);
  return counts;
}

/** What was called between two `commandCounts` readings, without the INFO calls themselves. */
export function countsDelta(before, after) {
  const delta = {};
  for (const [name, calls] of Object.entries(after)) {
    const diff = calls - (before[name] ?? 0) - (name === 'info' ? 1 : 0);
    if (diff > 0) delta[name] = diff;
  }
  return delta;
}

/** Read commands in a delta: what a cache layer above Redis is meant to save. */
export function readCalls(delta) {
  return (delta.get ?? 0) + (delta.mget ?? 0) + (delta.hget ?? 0) + (delta.hgetall ?? 0) + (delta.hmget ?? 0);
}

/**
 * Counts commands around `fn`, the measured section of a workload (profiled with BENCH_PROFILE=<dir>);
 * `settleMs` lets background writes land before the second reading. `cpuMicros` is the CPU time (user +
 * system, every thread) the benchmark process spent in `fn`: unlike the wall time, it does not grow while
 * the process waits for Redis or for a core, so it shows a contender's own cost on a busy machine.
 */
export async function countCommands(client, fn, settleMs = 0) {
  const before = await commandCounts(client);
  const cpu = process.cpuUsage();
  const result = await profiled(fn);
  const { user, system } = process.cpuUsage(cpu);
  if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
  const after = await commandCounts(client);
  return { result, delta: countsDelta(before, after), cpuMicros: user + system };
}

/** Removes every key whose name contains `tag` (used on a shared REDIS_URL; a scratch Redis is flushed). */
export async function deleteTagged(client, tag) {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `*${tag}*`, 'COUNT', 1000);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
