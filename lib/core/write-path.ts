import { ConfigurationError, NotFoundError, WriteFailedError } from './errors.js';
import type { KeyFlight } from './key-flight.js';
import type { LayerRuntime } from './layer-runtime.js';
import type { LayerStack } from './layer-stack.js';
import type { OperationContext } from './operation.js';
import type { ChangeCallbacks } from './change-callbacks.js';
import { isKnownMiss } from './known-miss.js';

const noop = () => {};

/** A write that holds the key: it waited for the writes issued before it and for the readers' writes. */
interface HeldKey<K, V> {
  key: K;
  flight: KeyFlight<V>;
  /** Resolves when the key is this write's to write; `undefined` when it was free at once. */
  ready: Promise<unknown> | undefined;
}

/**
 * The writes: set, delete, getSet, invalidate and clear. Each write of a key takes the key's turn (writes
 * of one key land in issue order) and waits for the layer writes that readers of the key still have in
 * flight, so that it always lands last; it makes every reader that overlapped it stale (their backfills
 * are dropped). With a primary layer, the primary is written first, then the caches.
 */
export class WritePath<K, V> {
  readonly #stack: LayerStack<K, V>;
  readonly #changes: ChangeCallbacks<K, V>;
  /** Writes of keys admitted (waiting for their key's turn, or writing): a clear waits for them. */
  #admitted = 0;
  #admittedIdle: (() => void) | undefined;
  /**
   * The clear in progress: writes issued meanwhile wait for it to end before they take their key's turn,
   * so that clears and writes land in the order they were issued (a clear never wipes the primary under a
   * later write whose cache copies then survive it).
   */
  #clearing: Promise<void> | undefined;

  constructor(stack: LayerStack<K, V>, changes: ChangeCallbacks<K, V>) {
    this.#stack = stack;
    this.#changes = changes;
    // A primary write that timed out was reported as failed and left the caches alone; when it lands
    // after all, the caches may hold the value it replaced: drop their copies, as a write of the key.
    if (stack.primary && stack.caches.length > 0) {
      stack.primary.onLateWrite = (keys) => {
        for (const key of keys) void this.#dropCopies(key, stack.caches, 'layer');
      };
    }
  }

  /**
   * A set (value given) or a delete (value undefined). `cachesOnly`: the cache layers only, as
   * `invalidate` for a delete and as a fenced write of the caches for a set; no change callback.
   */
  async write(
    ctx: OperationContext,
    key: K,
    value: V | undefined,
    ttl: number | undefined,
    cachesOnly: boolean,
  ): Promise<void> {
    const held = this.#hold(key);
    try {
      if (held.ready) await held.ready;
      const primary = this.#stack.primary;
      if (cachesOnly && primary) {
        await this.#writeCachesOnly(ctx, key, value, ttl);
        return;
      }
      const watched = cachesOnly ? undefined : this.#changes.watched(value === undefined);
      const old = watched ? await this.#oldValueForCallbacks(ctx, key) : undefined;
      if (primary) {
        await writeLayer(primary, key, value, primary.ttl);
        await this.#writeCaches(ctx, key, value, ttl);
      } else {
        await this.#writeWithoutPrimary(ctx, key, value, ttl);
      }
      if (old !== undefined) this.#changes.report(ctx, key, old.value, value);
    } finally {
      this.#release(held);
    }
  }

  /**
   * Writes the value as `set` does and resolves the value a `get` would have returned just before, inside
   * the key's turn: concurrent getSets of a key each see what the previous one wrote. When the primary
   * store has `getSet`, the swap at the primary is that call (atomic across processes).
   */
  async getSet(ctx: OperationContext, key: K, value: V, ttl: number | undefined): Promise<V | undefined> {
    const held = this.#hold(key);
    try {
      if (held.ready) await held.ready;
      const primary = this.#stack.primary;
      let old: V | undefined;
      if (primary) {
        if (primary.store.getSet) {
          old = await primary.getSet(key, value, primary.ttl);
        } else {
          old = await this.#readCurrent(ctx, key);
          await writeLayer(primary, key, value, primary.ttl);
        }
        await this.#writeCaches(ctx, key, value, ttl);
      } else {
        old = await this.#readCurrent(ctx, key);
        await this.#writeWithoutPrimary(ctx, key, value, ttl);
      }
      if (old !== undefined && this.#changes.watched(false)) this.#changes.report(ctx, key, old, value);
      return old;
    } finally {
      this.#release(held);
    }
  }

  /**
   * Removes the keys from every cache layer, as a write of each key (fenced, in its turn). Keys that are
   * all free go to each layer together (one deleteMany when the layer has it); a failed layer rejects the
   * call once every layer was tried.
   */
  async invalidate(ctx: OperationContext, keys: readonly K[]): Promise<void> {
    if (keys.length === 1) return this.write(ctx, keys[0], undefined, undefined, true);
    const held = [...new Set(keys)].map((key) => this.#hold(key));
    if (held.every((entry) => entry.ready === undefined)) {
      try {
        await this.#deleteFromCaches(
          ctx,
          held.map((entry) => entry.key),
        );
      } finally {
        held.forEach((entry) => this.#release(entry));
      }
      return;
    }
    // Some keys are busy: each key waits for its own turn only (never one key's turn while holding
    // another's, which could deadlock with a concurrent invalidate of the same keys in another order), and
    // gives it back once done. Every key stays fenced until the whole invalidation resolved (rule 5).
    const outcomes = await Promise.allSettled(
      held.map(async (entry) => {
        try {
          if (entry.ready) await entry.ready;
          await this.#deleteFromCaches(ctx, [entry.key]);
        } finally {
          entry.flight.releaseWrite();
        }
      }),
    );
    held.forEach((entry) => this.#endWrite(entry));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /**
   * Empties the given layers (`clear` of each store: the primary first, then the others concurrently).
   * Fences every key: every reader in flight is made stale (its backfill dropped) and waited for, and a
   * reader born during the clear is stale too.
   */
  async clear(ctx: OperationContext, layers: readonly LayerRuntime<K, V>[]): Promise<void> {
    const missing = layers.find((layer) => typeof layer.store.clear !== 'function');
    if (missing) {
      const cachesOnly = !layers.some((layer) => layer.primary) && this.#stack.primary !== undefined;
      throw new ConfigurationError(
        `${ctx.operation}: layer "${missing.name}" has a store without clear(), which ` +
          (cachesOnly
            ? 'clear({ cachesOnly: true }) needs on every cache layer: give its store a clear() method'
            : 'clear() needs on every layer: give its store a clear() method, or clear the caches only with clear({ cachesOnly: true })'),
      );
    }
    const flights = this.#stack.flights;
    flights.clearing++;
    for (const flight of flights.all()) flight.overlapWrite();
    const previous = this.#clearing;
    let cleared!: () => void;
    const barrier = new Promise<void>((resolve) => (cleared = resolve));
    this.#clearing = barrier;
    const errors: Array<{ layer: LayerRuntime<K, V>; error: unknown }> = [];
    try {
      // Clears and writes take turns in issue order: the earlier clear, then the writes admitted before.
      if (previous) await previous;
      if (this.#admitted > 0) await new Promise<void>((resolve) => (this.#admittedIdle = resolve));
      const readerWrites: Promise<unknown>[] = [];
      for (const flight of flights.all()) readerWrites.push(...flight.pendingReaderWrites());
      if (readerWrites.length > 0) await Promise.allSettled(readerWrites);
      const primary = layers.find((layer) => layer.primary);
      if (primary) await primary.clear().catch((error: unknown) => errors.push({ layer: primary, error }));
      const others = layers.filter((layer) => !layer.primary);
      const outcomes = await Promise.allSettled(others.map((layer) => layer.clear()));
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'rejected') errors.push({ layer: others[i], error: outcome.reason });
      });
    } finally {
      flights.clearing--;
      for (const flight of flights.all()) {
        flight.writesDone++;
        flight.overlapWrite();
      }
      if (this.#clearing === barrier) this.#clearing = undefined;
      cleared();
    }
    if (errors.length > 0) this.#fail(ctx, errors, 'clear');
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

  // ── Holding a key ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Marks the write in progress (readers overlapping it are stale) and asks for the key's turn: at once,
   * or once the clear in progress (if any) is done.
   */
  #hold(key: K): HeldKey<K, V> {
    const flight = this.#stack.flights.open(key);
    flight.writing++;
    flight.overlapWrite();
    const clearing = this.#clearing;
    const ready = clearing === undefined ? this.#admit(flight) : clearing.then(() => this.#admit(flight));
    return { key, flight, ready };
  }

  /** Takes the key's turn; resolves (or is undefined) when the write may go. */
  #admit(flight: KeyFlight<V>): Promise<unknown> | undefined {
    this.#admitted++;
    const readerWrites = flight.pendingReaderWrites();
    const turn = flight.acquireWrite();
    if (readerWrites.length === 0) return turn;
    const settled = Promise.allSettled(readerWrites);
    return turn ? turn.then(() => settled) : settled;
  }

  /** Gives the key's turn to the next write, and ends the write. */
  #release(held: HeldKey<K, V>): void {
    held.flight.releaseWrite();
    this.#endWrite(held);
  }

  /** The write is over: readers born from now on are not fenced by it; a waiting clear may go. */
  #endWrite({ key, flight }: HeldKey<K, V>): void {
    flight.writing--;
    flight.writesDone++;
    flight.overlapWrite();
    this.#stack.flights.release(key, flight);
    if (--this.#admitted === 0 && this.#admittedIdle !== undefined) {
      const idle = this.#admittedIdle;
      this.#admittedIdle = undefined;
      idle();
    }
  }

  // ── Layer writes ────────────────────────────────────────────────────────────────────────────────────

  /** The cache layers after the primary: a failure never fails the call; the key is deleted there instead. */
  #writeCaches(ctx: OperationContext, key: K, value: V | undefined, ttl: number | undefined) {
    const caches = this.#stack.caches;
    if (caches.length === 1)
      return this.#writeCache(ctx, caches[0], key, value, caches[0].writeTtl(ttl ?? caches[0].ttl));
    return Promise.all(
      caches.map((layer) => this.#writeCache(ctx, layer, key, value, layer.writeTtl(ttl ?? layer.ttl))),
    );
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

  /**
   * A write of the caches only. A set whose layer write failed deletes the key there; the call rejects
   * (once every layer was tried) only when a layer may still hold an older value: its delete failed too.
   */
  async #writeCachesOnly(ctx: OperationContext, key: K, value: V | undefined, ttl: number | undefined) {
    if (value === undefined) return this.#deleteFromCaches(ctx, [key]);
    const caches = this.#stack.caches;
    const errors: Array<{ layer: LayerRuntime<K, V>; error: unknown }> = [];
    await Promise.all(
      caches.map(async (layer) => {
        try {
          await layer.set(key, value, layer.writeTtl(ttl ?? layer.ttl));
        } catch (error) {
          layer.errors++;
          this.#stack.reportError(error, { kind: 'layer', layerName: layer.name, operation: ctx.operation });
          await layer.delete(key).catch((cleanup: unknown) => errors.push({ layer, error: cleanup }));
        }
      }),
    );
    if (errors.length > 0) this.#fail(ctx, errors, 'write');
  }

  /** Deletes keys from every cache layer; rejects, once every layer was tried, when one failed. */
  async #deleteFromCaches(ctx: OperationContext, keys: readonly K[]): Promise<void> {
    const caches = this.#stack.caches;
    const errors: Array<{ layer: LayerRuntime<K, V>; error: unknown }> = [];
    await Promise.all(
      caches.map((layer) => {
        const deleted =
          keys.length === 1
            ? layer.delete(keys[0])
            : layer.store.deleteMany
              ? layer.deleteMany(keys)
              : Promise.all(keys.map((key) => layer.delete(key)));
        return deleted.then(undefined, (error: unknown) => {
          layer.errors++;
          errors.push({ layer, error });
        });
      }),
    );
    if (errors.length > 0) this.#fail(ctx, errors, 'delete');
  }

  /** Every layer at once; the call fails only when every layer failed. */
  async #writeWithoutPrimary(ctx: OperationContext, key: K, value: V | undefined, ttl: number | undefined) {
    const layers = this.#stack.layers;
    const outcomes = await Promise.allSettled(
      layers.map((layer) => writeLayer(layer, key, value, layer.writeTtl(ttl ?? layer.ttl))),
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

  /** Rejects with the only error, or with a WriteFailedError naming every layer that failed. */
  #fail(ctx: OperationContext, errors: Array<{ layer: LayerRuntime<K, V>; error: unknown }>, what: string) {
    if (errors.length === 1) throw errors[0].error;
    const names = errors.map(({ layer }) => `"${layer.name}"`).join(', ');
    throw new WriteFailedError(
      `${ctx.operation}: the ${what} failed in layers ${names}`,
      errors.map(({ error }) => error),
    );
  }

  // ── Reading inside a write ──────────────────────────────────────────────────────────────────────────

  /** What a get would return now (no backfill): the first value in layer order; a failing primary rejects. */
  async #readCurrent(ctx: OperationContext, key: K): Promise<V | undefined> {
    const stack = this.#stack;
    for (const layer of stack.layers) {
      let value: V | undefined;
      try {
        value = await layer.get(key);
      } catch (error) {
        if (error instanceof NotFoundError) continue;
        stack.readFailed(layer, error, ctx.operation);
        continue;
      }
      // A known miss is no value: the key has none.
      if (value !== undefined) return isKnownMiss(value) ? undefined : value;
    }
    return undefined;
  }

  /** The old value for the change callbacks; a failed read is reported and the write goes on without them. */
  async #oldValueForCallbacks(ctx: OperationContext, key: K): Promise<{ value: V } | undefined> {
    try {
      const value = await this.#readCurrent(ctx, key);
      return value === undefined ? undefined : { value };
    } catch (error) {
      this.#stack.reportError(error, { kind: 'callback', operation: ctx.operation, callback: 'change' });
      return undefined;
    }
  }
}

function writeLayer<K, V>(layer: LayerRuntime<K, V>, key: K, value: V | undefined, ttl: number | undefined) {
  return value === undefined ? layer.delete(key) : layer.set(key, value, ttl);
}
