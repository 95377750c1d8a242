// A scratch Redis Cluster for the benchmark (3 masters, no replicas: only throughput is measured), and the
// command counters of every master.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { commandCounts, freePort } from './redis.mjs';

const run = promisify(execFile);

/** `BENCH_CLUSTER_NODES=host:port,...` (else REDIS_CLUSTER_NODES), parsed; undefined when neither is set. */
export function clusterNodesFromEnv() {
  const text = process.env.BENCH_CLUSTER_NODES ?? process.env.REDIS_CLUSTER_NODES;
  if (!text) return undefined;
  return text.split(',').map((address) => {
    const [host, port] = address.trim().split(':');
    return { host, port: Number(port) };
  });
}

/**
 * Starts `masters` cluster-enabled redis-server children on free ports and joins them with
 * `redis-cli --cluster create`. Resolves `{ nodes, stop }`; `stop()` kills them by pid (also at exit).
 */
export async function startScratchCluster(masters = 3) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-cluster-'));
  const children = [];
  const stop = () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  try {
    const nodes = [];
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const args = [
        ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        ...[
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--dir',
          dir,
        ],
        ...['--cluster-port', String(await freePort()), '--cluster-node-timeout', '5000'],
      ];
      children.push(spawn('redis-server', args, { stdio: 'ignore' }));
      nodes.push({ host: '127.0.0.1', port });
    }
    for (const { port } of nodes)
      await waitFor(() => new Redis(port, '127.0.0.1', { lazyConnect: true }), 'ping');
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `${n.host}:${n.port}`),
      '--cluster-yes',
    ]);
    for (const { port } of nodes) {
      await waitFor(
        () => new Redis(port, '127.0.0.1', { lazyConnect: true }),
        async (client) => /cluster_state:ok/.test(await client.cluster('INFO')),
      );
    }
    return { nodes, pids: children.map((child) => child.pid), stop };
  } catch (error) {
    stop();
    throw error;
  }
}

async function waitFor(make, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = make();
    client.on('error', () => {});
    try {
      await client.connect();
      if (check === 'ping' ? (await client.ping()) === 'PONG' : await check(client)) return;
    } catch {
      // not up yet
    } finally {
      client.disconnect();
    }
    if (Date.now() > deadline) throw new Error('the scratch Redis Cluster did not come up');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A connected Cluster client for counting and cleaning up. */
export async function clusterAdmin(nodes) {
  const cluster = new Cluster(nodes);
  await new Promise((resolve, reject) => {
    cluster.once('ready', resolve);
    cluster.once('end', () => reject(new Error('cannot reach the Redis Cluster')));
  });
  return cluster;
}

/** Per-command call counts summed over every master of the cluster. */
export async function clusterCommandCounts(cluster) {
  const total = {};
  for (const master of cluster.nodes('master')) {
    for (const [name, calls] of Object.entries(await commandCounts(master)))
      total[name] = (total[name] ?? 0) + calls;
  }
  return total;
}
