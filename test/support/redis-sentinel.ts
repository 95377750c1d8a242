import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort, ScratchRedis } from './redis-server.js';
import { isReachable } from './services.js';

/**
 * A scratch Sentinel setup: a master, a replica, and `count` sentinels that watch them under `name`, each
 * a child process on a free port, only ever signalled by its own pid. `kill()` belongs in afterAll.
 */
export class ScratchSentinels {
  readonly name = 'scratch-master';

  private constructor(
    readonly master: ScratchRedis,
    readonly replica: ScratchRedis,
    readonly ports: number[],
    private readonly processes: ChildProcess[],
    private readonly dir: string,
  ) {}

  /** `downAfter` (ms): how long the master must be unreachable before the sentinels fail it over. */
  static async start(count = 3, downAfter = 1000): Promise<ScratchSentinels> {
    const dir = mkdtempSync(join(tmpdir(), 'scratch-sentinel-'));
    const master = await ScratchRedis.start();
    const replica = await ScratchRedis.start(['--replicaof', '127.0.0.1', String(master.port)]);
    const ports: number[] = [];
    const processes: ChildProcess[] = [];
    const setup = new ScratchSentinels(master, replica, ports, processes, dir);
    try {
      for (let i = 0; i < count; i++) {
        const port = await freePort();
        const config = join(dir, `sentinel-${port}.conf`);
        writeFileSync(
          config,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            `sentinel monitor ${setup.name} 127.0.0.1 ${master.port} ${Math.floor(count / 2) + 1}`,
            `sentinel down-after-milliseconds ${setup.name} ${downAfter}`,
            `sentinel failover-timeout ${setup.name} 5000`,
            `sentinel parallel-syncs ${setup.name} 1`,
          ].join('\n') + '\n',
        );
        processes.push(spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' }));
        ports.push(port);
        const deadline = Date.now() + 5000;
        while (!(await isReachable(`redis://127.0.0.1:${port}`, port, 200))) {
          if (Date.now() > deadline) throw new Error(`redis-sentinel did not start on port ${port}`);
          await sleep(20);
        }
      }
      await setup.waitUntilWatching();
      return setup;
    } catch (error) {
      await setup.kill();
      throw error;
    }
  }

  /** For ioredis: `{ sentinels, name }`. */
  get sentinels(): Array<{ host: string; port: number }> {
    return this.ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  /** The master's port, as the first sentinel reports it. */
  async masterPort(): Promise<number> {
    const sentinel = new Redis(this.ports[0], '127.0.0.1', { maxRetriesPerRequest: 0 });
    try {
      const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name)) as [
        string,
        string,
      ];
      return Number(port);
    } finally {
      sentinel.disconnect();
    }
  }

  /** Waits until every sentinel knows the replica and the other sentinels (so that they can elect). */
  async waitUntilWatching(within = 30_000): Promise<void> {
    const deadline = Date.now() + within;
    for (;;) {
      let ready = true;
      for (const port of this.ports) {
        const sentinel = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0 });
        try {
          const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', this.name)) as unknown[];
          const others = (await sentinel.call('SENTINEL', 'SENTINELS', this.name)) as unknown[];
          if (replicas.length < 1 || others.length < this.ports.length - 1) ready = false;
        } catch {
          ready = false;
        } finally {
          sentinel.disconnect();
        }
      }
      if (ready) return;
      if (Date.now() > deadline) throw new Error('the scratch sentinels did not discover each other in time');
      await sleep(100);
    }
  }

  /** For afterAll: every process killed, the directory removed. */
  async kill(): Promise<void> {
    await Promise.all(
      this.processes.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await Promise.all([this.master.kill(), this.replica.kill()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
