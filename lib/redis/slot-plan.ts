import type { Cluster } from 'ioredis';
import { hashSlot } from './hash-slot.js';

/**
 * How a batch of keys goes to a Redis Cluster: for each node, the keys of each of its hash slots (as
 * indexes into the batch), so that each node gets one pipeline (one round trip) of one command per slot.
 */
export interface SlotPlan {
  /** Per node, per slot: the indexes of the keys. */
  nodes: number[][][];
  /** Keys that ioredis could route elsewhere than Redis would (see mayBeMisrouted): sent on their own. */
  alone: number[];
}

/** The node group of each slot-table entry, cached by the entry (ioredis shares one array per slot range). */
const groupNames = new WeakMap<readonly string[], string>();

/**
 * Groups keys by the node that serves their slot, as ioredis's pipeline check groups them (the master
 * and its replicas, `slots[slot]`). Before the cluster is connected the slot table is empty: each slot
 * is then a group of its own (ioredis waits for the table before it sends a pipeline). `keyPrefix` is
 * ioredis's option of that name, which it puts before every key it sends.
 */
export function planBySlot(cluster: Cluster, names: readonly string[], keyPrefix: string): SlotPlan {
  const byNode = new Map<string | number, Map<number, number[]>>();
  const alone: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = keyPrefix + names[i];
    if (mayBeMisrouted(name)) {
      alone.push(i);
      continue;
    }
    const slot = hashSlot(name);
    const owners = cluster.slots[slot] as readonly string[] | undefined;
    let group: string | number = slot;
    if (owners !== undefined) {
      let known = groupNames.get(owners);
      if (known === undefined) groupNames.set(owners, (known = owners.join(';')));
      group = known;
    }
    let slots = byNode.get(group);
    if (slots === undefined) byNode.set(group, (slots = new Map()));
    const indexes = slots.get(slot);
    if (indexes === undefined) slots.set(slot, [i]);
    else indexes.push(i);
  }
  const nodes: number[][][] = [];
  for (const slots of byNode.values()) nodes.push([...slots.values()]);
  return { nodes, alone };
}

/**
 * ioredis computes slots with `cluster-key-slot`, which differs from Redis for a key with an empty hash
 * tag followed by another `{…}` (`a{}b{c}`) and for unpaired UTF-16 surrogates. Such a key in a pipeline
 * could make ioredis refuse the whole pipeline; sent alone it is only redirected (MOVED) once.
 */
export function mayBeMisrouted(name: string): boolean {
  return name.includes('{}') || LONE_SURROGATE.test(name);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
