import { WriteFailedError } from './errors.js';
import type { LayerRuntime } from './layer-runtime.js';
import type { LayerStack } from './layer-stack.js';
import type { OperationContext } from './operation.js';

const noop = () => {};

/**
 * set and delete: the primary first, then the other layers; and the invalidation of local layers that
 * another instance's write asks for. Writes of one key are serialised, and each waits for the layer
 * writes that readers of the key still have in flight, so that the write always lands last.
 */
export class WritePath<K, V> {
  readonly #stack: LayerStack<K, V>;

  constructor(stack: LayerStack<K, V>) {
    this.#stack = stack;
    // A primary write that timed out was reported as failed and left the caches alone; when it lands
    // after all, the caches may hold the value it replaced: drop their copies, as a write of the key.
    if (stack.primary && stack.caches.length > 0) {
      stack.primary.onLateWrite = (keys) => {
        for (const key of keys) void this.#dropCopies(key, stack.caches, 'layer');
      };
    }
  }

  /** A set (value given) or a delete (value undefined). */
  async write(ctx: OperationContext, key: K, value: V | undefined, ttl: number | undefined): Promise<void> {
    const stack = this.#stack;
    const flight = stack.flights.open(key);
    flight.writing++;
    flight.overlapWrite();
    const readerWrites = flight.pendingReaderWrites();
    const turn = flight.acquireWrite();
    try {
      if (turn) await turn;
      if (readerWrites.length > 0) await Promise.allSettled(readerWrites);
      const primary = stack.primary;
      if (primary) {
        await writeLayer(primary, key, value, primary.ttl);
        await Promise.all(
          stack.caches.map((layer) => this.#writeCache(ctx, layer, key, value, ttl ?? layer.ttl)),
        );
      } else {
        await this.#writeWithoutPrimary(ctx, key, value, ttl);
      }
    } finally {
      flight.writing--;
      flight.writesDone++;
      flight.overlapWrite();
      flight.releaseWrite();
      stack.flights.release(key, flight);
    }
  }

  /** A cache layer's write never fails the call: on failure the key is deleted there, so it cannot serve old data. */
  async #writeCache(
    ctx: OperationContext,
    layer: LayerRuntime<K, V>,
    key: K,
    value: V | undefined,
    ttl: number | undefined,
  ): Promise<void> {
    try {
      await writeLayer(layer, key, value, ttl);
    } catch (error) {
      layer.errors++;
      this.#stack.reportError(error, { kind: 'layer', layerName: layer.name, operation: ctx.operation });
      if (value !== undefined) await layer.delete(key).catch(noop);
    }
  }

  /** Every layer at once; the call fails only when every layer failed. */
  async #writeWithoutPrimary(ctx: OperationContext, key: K, value: V | undefined, ttl: number | undefined) {
    const layers = this.#stack.layers;
    const outcomes = await Promise.allSettled(
      layers.map((layer) => writeLayer(layer, key, value, ttl ?? layer.ttl)),
    );
    const errors: unknown[] = [];
    const cleanups: Promise<unknown>[] = [];
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') return;
      const layer = layers[index];
      layer.errors++;
      errors.push(outcome.reason);
      if (value !== undefined) cleanups.push(layer.delete(key).catch(noop));
    });
    if (cleanups.length > 0) await Promise.all(cleanups);
    if (errors.length === layers.length) {
      if (errors.length === 1) throw errors[0];
      throw new WriteFailedError(
        `${ctx.operation}: every layer failed (${this.#stack.names.join(', ')})`,
        errors,
      );
    }
    errors.forEach((error) => this.#stack.reportError(error, { kind: 'layer', operation: ctx.operation }));
  }

  /** Another instance wrote the key: drop our local copies and every backfill of it in flight. */
  invalidateLocal(key: K): Promise<void> {
    return this.#dropCopies(key, this.#stack.locals, 'bus');
  }

  /** Deletes the key from `layers`, fenced like a write: no backfill that overlapped it lands after it. */
  async #dropCopies(key: K, layers: LayerRuntime<K, V>[], kind: 'bus' | 'layer'): Promise<void> {
    const stack = this.#stack;
    const flight = stack.flights.open(key);
    flight.writing++;
    flight.overlapWrite();
    const readerWrites = flight.pendingReaderWrites();
    try {
      if (readerWrites.length > 0) await Promise.allSettled(readerWrites);
      await Promise.all(
        layers.map((layer) =>
          layer.delete(key).catch((error: unknown) => {
            layer.errors++;
            stack.reportError(error, { kind, layerName: layer.name });
          }),
        ),
      );
    } finally {
      flight.writing--;
      flight.writesDone++;
      flight.overlapWrite();
      stack.flights.release(key, flight);
    }
  }
}

function writeLayer<K, V>(layer: LayerRuntime<K, V>, key: K, value: V | undefined, ttl: number | undefined) {
  return value === undefined ? layer.delete(key) : layer.set(key, value, ttl);
}
