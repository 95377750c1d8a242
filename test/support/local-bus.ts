import type { InvalidationBus } from '../../lib/index.js';

/** An in-process invalidation bus: every instance connected to it hears the others, never itself. */
export class LocalBus {
  readonly #listeners = new Map<InvalidationBus, (keys: string[]) => void>();
  /** Every publish, in order. */
  published: string[][] = [];

  connect(): InvalidationBus {
    const bus: InvalidationBus = {
      publish: async (keys) => {
        this.published.push([...keys]);
        for (const [other, listener] of this.#listeners) if (other !== bus) listener([...keys]);
      },
      subscribe: async (onKeys) => void this.#listeners.set(bus, onKeys),
      close: async () => void this.#listeners.delete(bus),
    };
    return bus;
  }
}
