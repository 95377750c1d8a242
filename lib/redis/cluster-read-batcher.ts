import type { Cluster } from 'ioredis';
import { redactCommand } from './redis-errors.js';
import type { Reads } from './read-batcher.js';
import { planBySlot } from './slot-plan.js';
import { sendPipeline, type Pipeline } from './cluster-pipeline.js';

interface Waiter {
  resolve(raw: string | null): void;
  reject(error: unknown): void;
}

/**
 * ReadBatcher for a Redis Cluster: the single-key reads issued together go out as one MGET per hash
 * slot, one pipeline per node. A slot whose command fails rejects only the reads of that slot, so a
 * master that is down costs the reads of its own keys, not the whole batch.
 */
export class ClusterReadBatcher implements Reads {
  readonly #cluster: Cluster;
  #names: string[] = [];
  #waiters: Waiter[] = [];

  constructor(
    cluster: Cluster,
    /** ioredis's `keyPrefix` option: part of the key Redis hashes. */
    private readonly keyPrefix = '',
  ) {
    this.#cluster = cluster;
  }

  read(name: string): Promise<string | null> {
    if (this.#names.length === 0) queueMicrotask(this.#flush);
    this.#names.push(name);
    return new Promise<string | null>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  readonly #flush = (): void => {
    const names = this.#names;
    const waiters = this.#waiters;
    this.#names = [];
    this.#waiters = [];
    if (names.length === 1) {
      this.#cluster
        .get(names[0])
        .then(waiters[0].resolve, (error: unknown) => waiters[0].reject(redactCommand(error)));
      return;
    }
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
            for (const i of indexes) waiters[i].reject(redacted);
          } else {
            for (let j = 0; j < indexes.length; j++)
              waiters[indexes[j]].resolve((found as Array<string | null>)[j]);
          }
        }
      });
    }
    for (const i of alone) {
      this.#cluster
        .get(names[i])
        .then(waiters[i].resolve, (error: unknown) => waiters[i].reject(redactCommand(error)));
    }
  };
}
