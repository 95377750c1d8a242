import type { Cluster } from 'ioredis';
import { redactCommand } from './redis-errors.js';
import { settle, TurnBatcher, type PendingRead } from './read-batcher.js';
import { planBySlot } from './slot-plan.js';
import { sendPipeline, type Pipeline } from './cluster-pipeline.js';

/**
 * ReadBatcher for a Redis Cluster: the single-key reads issued together go out as one MGET per hash
 * slot, one pipeline per node. A slot whose command fails rejects only the reads of that slot, so a
 * master that is down costs the reads of its own keys, not the whole batch.
 */
export class ClusterReadBatcher extends TurnBatcher {
  readonly #cluster: Cluster;

  constructor(
    cluster: Cluster,
    /** ioredis's `keyPrefix` option: part of the key Redis hashes. */
    private readonly keyPrefix = '',
  ) {
    super();
    this.#cluster = cluster;
  }

  protected sendOne(read: PendingRead): void {
    this.#cluster.get(read.name).then(
      (raw) => settle(read, raw),
      (error: unknown) => read.reject(redactCommand(error)),
    );
  }

  protected sendMany(reads: PendingRead[]): void {
    const names = reads.map((read) => read.name);
    const { nodes, alone } = planBySlot(this.#cluster, names, this.keyPrefix);
    for (const slots of nodes) {
      const commands = slots.map((indexes) => {
        const slotNames = indexes.map((i) => names[i]);
        return {
          add: (pipeline: Pipeline) => pipeline.mget(slotNames),
          alone: () => this.#cluster.mget(slotNames),
        };
      });
      void sendPipeline(this.#cluster, commands).then((results) => {
        for (let s = 0; s < slots.length; s++) {
          const [error, found] = results[s];
          const indexes = slots[s];
          if (error) {
            const redacted = redactCommand(error);
            for (const i of indexes) reads[i].reject(redacted);
          } else {
            for (let j = 0; j < indexes.length; j++)
              settle(reads[indexes[j]], (found as Array<string | null>)[j]);
          }
        }
      });
    }
    for (const i of alone) this.sendOne(reads[i]);
  }
}
