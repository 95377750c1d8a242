import type { Cluster, Redis } from 'ioredis';
import { scanNode, type KeyCommands, type SetCommand, type WriteFailure } from './key-commands.js';
import { sendPipeline, type SlotCommand } from './cluster-pipeline.js';
import { planBySlot } from './slot-plan.js';

/**
 * The multi-key commands on a Redis Cluster, where one command may only touch keys of one hash slot:
 * one command per slot, sent as one pipeline per node, so a batch costs one round trip per node (the
 * nodes are asked concurrently), not one per key or per slot.
 */
export class ClusterCommands implements KeyCommands {
  constructor(
    private readonly cluster: Cluster,
    /** ioredis's `keyPrefix` option: part of the key Redis hashes, missing from a SCAN pattern. */
    private readonly keyPrefix = '',
  ) {}

  async mget(names: readonly string[]): Promise<Array<string | null>> {
    const values = new Array<string | null>(names.length);
    const { nodes, alone } = planBySlot(this.cluster, names, this.keyPrefix);
    const sent: Array<Promise<void>> = nodes.map(async (slots) => {
      const results = await sendPipeline(
        this.cluster,
        slots.map((indexes) => {
          const slotNames = indexes.map((i) => names[i]);
          return { add: (pipeline) => pipeline.mget(slotNames), alone: () => this.cluster.mget(slotNames) };
        }),
      );
      for (let s = 0; s < slots.length; s++) {
        const [error, found] = results[s];
        if (error) throw error;
        const indexes = slots[s];
        for (let j = 0; j < indexes.length; j++) values[indexes[j]] = (found as Array<string | null>)[j];
      }
    });
    for (const i of alone) sent.push(this.cluster.get(names[i]).then((found) => void (values[i] = found)));
    await Promise.all(sent);
    return values;
  }

  /** One SET per key, pipelined per node: each key is written or reported in doubt on its own. */
  async setMany(commands: readonly SetCommand[]): Promise<WriteFailure | undefined> {
    const names = commands.map((args) => args[0]);
    return this.#write(names, (slots) =>
      slots.flat().map((i) => {
        const args = commands[i];
        return {
          indexes: [i],
          add: (pipeline) =>
            args.length === 2
              ? pipeline.set(args[0], args[1])
              : pipeline.set(args[0], args[1], args[2], args[3]),
          alone: () =>
            args.length === 2
              ? this.cluster.set(args[0], args[1])
              : this.cluster.set(args[0], args[1], args[2], args[3]),
        };
      }),
    );
  }

  /** One DEL (or UNLINK) per slot, pipelined per node. */
  deleteMany(names: readonly string[], command: 'del' | 'unlink' = 'del'): Promise<WriteFailure | undefined> {
    return this.#write(names, (slots) =>
      slots.map((indexes) => {
        const slotNames = indexes.map((i) => names[i]);
        return {
          indexes,
          add: (pipeline) => pipeline[command](...slotNames),
          alone: () => this.cluster[command](...slotNames),
        };
      }),
    );
  }

  /** SCAN of every master in turn (a key is on exactly one, but may move during a resharding). */
  async *scan(pattern: string, count: number, onError?: (error: unknown) => void): AsyncIterable<string[]> {
    await whenReady(this.cluster);
    // A scan must reach every master of the current topology: not of a slot table that predates a failover.
    await new Promise<void>((resolve) => this.cluster.refreshSlotsCache(() => resolve()));
    for (const master of this.#masters()) {
      try {
        if (typeof master === 'string') throw new Error(`RedisStore: no connection to the master ${master}`);
        yield* scanNode(master, pattern, count, this.keyPrefix);
      } catch (error) {
        if (onError === undefined) throw error;
        onError(error);
      }
    }
  }

  /**
   * The connection to every master that serves slots, from the slot table: a master whose connection
   * ioredis dropped (it is down) still holds keys, so it appears, as its address, rather than being
   * skipped without a word.
   */
  #masters(): Array<Redis | string> {
    const owners = new Set<string>();
    for (const nodes of this.cluster.slots) if (nodes !== undefined && nodes.length > 0) owners.add(nodes[0]);
    if (owners.size === 0) throw new Error('RedisStore: the Redis Cluster has no known master');
    const connections = new Map(
      this.cluster.nodes('all').map((node) => [`${node.options.host}:${node.options.port}`, node]),
    );
    return [...owners].map((owner) => connections.get(owner) ?? owner);
  }

  /**
   * Sends, per node, one pipeline of the commands that `commandsOf` makes for its slots (each command
   * says which key indexes it writes). The keys of a command that failed are in doubt.
   */
  async #write(
    names: readonly string[],
    commandsOf: (slots: number[][]) => Array<SlotCommand & { indexes: number[] }>,
  ): Promise<WriteFailure | undefined> {
    const { nodes, alone } = planBySlot(this.cluster, names, this.keyPrefix);
    for (const i of alone) nodes.push([[i]]);
    const failed: string[] = [];
    let firstError: unknown;
    await Promise.all(
      nodes.map(async (slots) => {
        const commands = commandsOf(slots);
        const results = await sendPipeline(this.cluster, commands);
        for (let c = 0; c < commands.length; c++) {
          const [error] = results[c];
          if (!error) continue;
          firstError ??= error;
          for (const i of commands[c].indexes) failed.push(names[i]);
        }
      }),
    );
    return failed.length === 0 ? undefined : { names: failed, error: firstError };
  }
}

/** Resolves once the cluster is connected (a SCAN needs its list of masters); rejects if it is not connecting. */
export function whenReady(cluster: Cluster): Promise<void> {
  if (cluster.status === 'ready') return Promise.resolve();
  if (cluster.status !== 'wait' && cluster.status !== 'connecting' && cluster.status !== 'connect') {
    return Promise.reject(new Error(`RedisStore: the Redis Cluster connection is ${cluster.status}`));
  }
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      cluster.off('ready', onReady);
      cluster.off('close', onEnd);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => done();
    const onEnd = () => done(new Error('RedisStore: the Redis Cluster connection failed'));
    cluster.once('ready', onReady);
    cluster.once('close', onEnd);
    if (cluster.status === 'wait') cluster.connect().catch(() => {});
  });
}
