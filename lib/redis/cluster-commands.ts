import type { Cluster, Redis } from 'ioredis';
import { scanNode, type KeyCommands, type SetCommand, type WriteFailure } from './key-commands.js';
import { planBySlot } from './slot-plan.js';

type PipelineResults = Array<[error: Error | null, result: unknown]> | null;

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
    const sent: Array<Promise<void>> = nodes.map((slots) => {
      const pipeline = this.cluster.pipeline();
      for (const indexes of slots) pipeline.mget(indexes.map((i) => names[i]));
      return pipeline.exec().then((results: PipelineResults) => {
        for (let s = 0; s < slots.length; s++) {
          const [error, found] = resultAt(results, s);
          if (error) throw error;
          const indexes = slots[s];
          for (let j = 0; j < indexes.length; j++) values[indexes[j]] = (found as Array<string | null>)[j];
        }
      });
    });
    for (const i of alone) sent.push(this.cluster.get(names[i]).then((found) => void (values[i] = found)));
    await Promise.all(sent);
    return values;
  }

  /** One SET per key, pipelined per node: each key is written or reported in doubt on its own. */
  async setMany(commands: readonly SetCommand[]): Promise<WriteFailure | undefined> {
    const names = commands.map((args) => args[0]);
    return this.#write(names, (pipeline, indexes) => {
      for (const i of indexes) {
        const args = commands[i];
        if (args.length === 2) pipeline.set(args[0], args[1]);
        else pipeline.set(args[0], args[1], args[2], args[3]);
      }
      return indexes.map((i) => [i]);
    });
  }

  /** One DEL (or UNLINK) per slot, pipelined per node. */
  deleteMany(names: readonly string[], command: 'del' | 'unlink' = 'del'): Promise<WriteFailure | undefined> {
    return this.#write(names, (pipeline, indexes, slots) => {
      for (const slot of slots) pipeline[command](...slot.map((i) => names[i]));
      return slots;
    });
  }

  /** SCAN of every master in turn (a key is on exactly one, but may move during a resharding). */
  async *scan(pattern: string, count: number): AsyncIterable<string[]> {
    await whenReady(this.cluster);
    const masters = this.cluster.nodes('master');
    if (masters.length === 0) throw new Error('RedisStore: the Redis Cluster has no known master');
    for (const master of masters) yield* scanNode(master as Redis, pattern, count, this.keyPrefix);
  }

  /**
   * Sends, per node, one pipeline that `add` fills; `add` returns the key indexes that each of its
   * commands wrote. The keys of a command that failed (or of a node whose pipeline failed) are in doubt.
   */
  async #write(
    names: readonly string[],
    add: (pipeline: ReturnType<Cluster['pipeline']>, indexes: number[], slots: number[][]) => number[][],
  ): Promise<WriteFailure | undefined> {
    const { nodes, alone } = planBySlot(this.cluster, names, this.keyPrefix);
    for (const i of alone) nodes.push([[i]]);
    const failed: string[] = [];
    let firstError: unknown;
    const fail = (indexes: readonly number[], error: unknown) => {
      firstError ??= error;
      for (const i of indexes) failed.push(names[i]);
    };
    await Promise.all(
      nodes.map(async (slots) => {
        const pipeline = this.cluster.pipeline();
        const written = add(pipeline, slots.flat(), slots);
        try {
          const results: PipelineResults = await pipeline.exec();
          for (let c = 0; c < written.length; c++) {
            const [error] = resultAt(results, c);
            if (error) fail(written[c], error);
          }
        } catch (error) {
          fail(written.flat(), error);
        }
      }),
    );
    return failed.length === 0 ? undefined : { names: failed, error: firstError };
  }
}

function resultAt(results: PipelineResults, index: number): [error: Error | null, result: unknown] {
  return results?.[index] ?? [new Error('RedisStore: the pipeline was aborted'), undefined];
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
