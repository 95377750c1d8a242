import { describe, it } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { freePort, ScratchRedis } from './redis-server.js';

const run = promisify(execFile);

export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export interface ScratchClusterOptions {
  masters?: number;
  /** Replicas per master. */
  replicas?: number;
  /**
   * `cluster-node-timeout` (ms): how long a master must be unreachable before its replica takes over.
   * Short for fault tests; longer for a cluster that must not fail over under a busy machine.
   */
  nodeTimeout?: number;
}

/**
 * A scratch Redis Cluster: `masters` masters and `replicas` replicas each, every node a redis-server child
 * on a free port, without persistence, in a temporary directory. Nodes are only ever signalled by their
 * own pid; `kill()` belongs in afterAll.
 */
export class ScratchCluster {
  private constructor(
    readonly servers: ScratchRedis[],
    private readonly dir: string,
  ) {}

  static async start(options: ScratchClusterOptions = {}): Promise<ScratchCluster> {
    const { masters = 3, replicas = 1, nodeTimeout = 5000 } = options;
    const dir = mkdtempSync(join(tmpdir(), 'scratch-redis-cluster-'));
    const servers: ScratchRedis[] = [];
    const cluster = new ScratchCluster(servers, dir);
    try {
      const started = await Promise.allSettled(
        Array.from({ length: masters * (1 + replicas) }, async (_, i) =>
          startRetried(async () =>
            ScratchRedis.start([
              ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${i}.conf`)],
              ...['--dir', dir, '--cluster-node-timeout', String(nodeTimeout)],
              // The cluster bus listens on port + 10000 unless told otherwise, which may be taken or > 65535.
              ...['--cluster-port', String(await freePort())],
            ]),
          ),
        ),
      );
      for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      await run(
        'redis-cli',
        [
          ...['--cluster', 'create', ...servers.map((server) => `127.0.0.1:${server.port}`)],
          ...['--cluster-replicas', String(replicas), '--cluster-yes'],
        ],
        { timeout: 30_000 },
      );
      await cluster.waitUntilHealthy();
      return cluster;
    } catch (error) {
      await cluster.kill();
      throw error;
    }
  }

  get nodes(): ClusterNodeAddress[] {
    return this.servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
  }

  /**
   * Waits until every running node reports `cluster_state:ok`, sees every running node as connected,
   * and each master has as many connected replicas as `replicasPerMaster`.
   */
  async waitUntilHealthy(within = 30_000, replicasPerMaster?: number): Promise<void> {
    const deadline = Date.now() + within;
    let last = '';
    for (;;) {
      last = await this.#health(replicasPerMaster);
      if (last === '') return;
      if (Date.now() > deadline) throw new Error(`the scratch cluster is not healthy: ${last}`);
      await sleep(100);
    }
  }

  /** '' when healthy, else what is not. */
  async #health(replicasPerMaster: number | undefined): Promise<string> {
    for (const server of this.servers.filter((s) => s.running)) {
      const client = new Redis(server.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
      client.on('error', () => {});
      try {
        await client.connect();
        const info = await client.cluster('INFO');
        if (!/cluster_state:ok/.test(info)) return `node ${server.port}: ${info.split('\n')[0]}`;
        const nodes = (await client.cluster('NODES')) as string;
        const lines = nodes.trim().split('\n');
        const down = lines.filter(
          (line) => / (fail|fail\?|handshake|noaddr) /.test(line) || /disconnected/.test(line),
        );
        const liveDown = down.filter((line) =>
          this.servers.some((s) => s.running && line.includes(`:${s.port}@`)),
        );
        if (liveDown.length > 0) return `node ${server.port} sees ${liveDown[0]}`;
        if (replicasPerMaster !== undefined) {
          const masters = lines.filter(
            (line) => / master /.test(line.replace(/,/g, ' ')) && !/ fail/.test(line),
          );
          for (const master of masters) {
            const id = master.split(' ')[0];
            const replicas = lines.filter((line) => line.includes(` ${id} `) && !/fail/.test(line));
            if (replicas.length < replicasPerMaster) return `master ${id} has ${replicas.length} replicas`;
          }
        }
        const replication = await client.info('replication');
        if (/role:slave/.test(replication) && !/master_link_status:up/.test(replication)) {
          return `replica ${server.port} is not in sync`;
        }
      } catch (error) {
        return `node ${server.port}: ${String(error)}`;
      } finally {
        client.disconnect();
      }
    }
    return '';
  }

  /** The running masters, by asking each node its role. */
  async masters(): Promise<ScratchRedis[]> {
    const found: ScratchRedis[] = [];
    for (const server of this.servers.filter((s) => s.running)) {
      const client = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
      client.on('error', () => {});
      try {
        if (/role:master/.test(await client.info('replication'))) found.push(server);
      } finally {
        client.disconnect();
      }
    }
    return found;
  }

  /** The server that serves `slot` as master. */
  async masterOf(slot: number): Promise<ScratchRedis> {
    for (const server of await this.masters()) {
      const client = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
      client.on('error', () => {});
      try {
        const ranges = await client.cluster('SLOTS');
        const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
        if (owner && owner[2]?.[1] === server.port) return server;
      } finally {
        client.disconnect();
      }
    }
    throw new Error(`no running master serves slot ${slot}`);
  }

  /**
   * Starts every stopped node again, on its port and with its nodes.conf (so with its identity and slots,
   * but none of its keys: there is no persistence), and waits until the cluster is healthy.
   */
  async restartStopped(within = 30_000): Promise<void> {
    await Promise.all(this.servers.filter((server) => !server.running).map((server) => server.restart()));
    await this.waitUntilHealthy(within);
  }

  /** For afterAll: every node killed, the directory removed. */
  async kill(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A free port can be taken by another process before redis-server binds it (scratch servers of other
 * test runs start on the same machine): a node that exits on start is started again on other ports.
 */
async function startRetried(start: () => Promise<ScratchRedis>, attempts = 3): Promise<ScratchRedis> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !/exited with code/.test(String(error))) throw error;
    }
  }
}

/** `REDIS_CLUSTER_NODES=127.0.0.1:7100,127.0.0.1:7101`: a cluster that CI started for the test run. */
export const REDIS_CLUSTER_NODES: ClusterNodeAddress[] | undefined = parseNodes(
  process.env.REDIS_CLUSTER_NODES,
);

function parseNodes(text: string | undefined): ClusterNodeAddress[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return text.split(',').map((address) => {
    const [host, port] = address.trim().split(':');
    if (!host || !Number.isInteger(Number(port))) {
      throw new Error(`REDIS_CLUSTER_NODES: "${address}" is not host:port`);
    }
    return { host, port: Number(port) };
  });
}

/** Whether this machine can start scratch servers and clusters (redis-server and redis-cli on the PATH). */
export const canStartRedis: boolean =
  spawnSync('redis-server', ['--version']).status === 0 && spawnSync('redis-cli', ['--version']).status === 0;

type Describe = (name: string, fn: () => void) => void;

/**
 * `describe` for suites that need a Redis Cluster: REDIS_CLUSTER_NODES, or a scratch cluster (see
 * testCluster). Without either: with CI=true the suite fails, elsewhere it is skipped with a message.
 */
export const describeWithCluster: Describe =
  REDIS_CLUSTER_NODES !== undefined || canStartRedis
    ? describe
    : process.env.CI === 'true'
      ? (name) =>
          describe(name, () => {
            it('needs a Redis Cluster', () => {
              throw new Error(
                'set REDIS_CLUSTER_NODES, or put redis-server and redis-cli on the PATH (see .ci/run)',
              );
            });
          })
      : (name, fn) => {
          console.warn(
            `skipping "${name}": no Redis Cluster (set REDIS_CLUSTER_NODES=host:port,..., or install redis-server and redis-cli)`,
          );
          describe.skip(name, fn);
        };

/** `describe` for suites that start scratch servers of their own (faults, Sentinel): skipped without redis-server. */
export const describeWithScratchRedis: Describe = canStartRedis
  ? describe
  : process.env.CI === 'true'
    ? (name) =>
        describe(name, () => {
          it('needs redis-server', () => {
            throw new Error('put redis-server and redis-cli on the PATH (see .ci/run)');
          });
        })
    : (name, fn) => {
        console.warn(`skipping "${name}": redis-server and redis-cli are not on the PATH`);
        describe.skip(name, fn);
      };

let scratch: Promise<ScratchCluster> | undefined;

/**
 * The cluster of a test file that only reads and writes (faults need a cluster of their own): the one
 * in REDIS_CLUSTER_NODES, else a scratch cluster started on first use. Call `releaseTestCluster()` in
 * the file's afterAll.
 */
export async function testClusterNodes(): Promise<ClusterNodeAddress[]> {
  if (REDIS_CLUSTER_NODES !== undefined) return REDIS_CLUSTER_NODES;
  scratch ??= ScratchCluster.start();
  return (await scratch).nodes;
}

export async function releaseTestCluster(): Promise<void> {
  const started = scratch;
  scratch = undefined;
  if (started) await (await started.catch(() => undefined))?.kill();
}

/** Deletes every key matching `pattern` (SCAN, of every master of a cluster): the clean-up of a test. */
export async function deleteMatching(client: Redis | Cluster, pattern: string): Promise<void> {
  const servers: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, names] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      // One key at a time through the given client: a cluster routes each to its slot's master.
      await Promise.all(names.map((name) => client.unlink(name)));
      cursor = next;
    } while (cursor !== '0');
  }
}

/** A Cluster client for a test's own checks, once it knows the slots (a client quit while it connects lingers). */
export async function connectedCluster(
  nodes: ClusterNodeAddress[],
  options?: ClusterOptions,
): Promise<Cluster> {
  const cluster = new Cluster(nodes, options);
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', resolve);
    cluster.once('end', () => reject(new Error('the test cluster client could not connect')));
  });
  return cluster;
}
