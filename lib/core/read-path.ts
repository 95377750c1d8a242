import { raceAbort } from './abort.js';
import { NotFoundError } from './errors.js';
import type { KeyFlight, ReadTicket, SharedLoad, SharedWalk } from './key-flight.js';
import type { LayerStack } from './layer-stack.js';
import type { OperationContext, ServedInfo } from './operation.js';
import { OpContext, type ServedCallback } from './operation-context.js';

export type Loader<K, V> = (key: K) => Promise<V | undefined>;

const noop = () => {};
const FRESH: ServedInfo = Object.freeze({ stale: false });

/**
 * A read of one key: layer 0 synchronously when it can, else a walk of the layers shared by every
 * concurrent reader of the key, which leaves a backfill behind; and getOrLoad's single-flight load.
 */
export class ReadPath<K, V> {
  readonly #stack: LayerStack<K, V>;
  /** Loader calls made by getOrLoad. */
  loads = 0;

  constructor(stack: LayerStack<K, V>) {
    this.#stack = stack;
  }

  get(
    ctx: OperationContext | undefined,
    key: K,
    onServed?: ServedCallback,
    cachesOnly = false,
  ): Promise<V | undefined> {
    const sync = this.#stack.syncLayer;
    if (sync !== undefined) {
      let value: V | undefined;
      try {
        value = sync.store.getSync!(key);
      } catch (error) {
        sync.errors++;
        this.#stack.reportError(error, { kind: 'layer', layerName: sync.name, operation: 'get' });
      }
      if (value !== undefined) {
        sync.hits++;
        onServed?.(sync.name, FRESH);
        return Promise.resolve(value);
      }
    }
    return this.walk(ctx, key, onServed, cachesOnly);
  }

  /** Joins the walk of the key in flight, or starts one. */
  walk(
    ctx: OperationContext | undefined,
    key: K,
    onServed: ServedCallback | undefined,
    cachesOnly = false,
  ): Promise<V | undefined> {
    const flight = this.#stack.flights.open(key);
    let walk = flight.walkOf(cachesOnly);
    if (walk === undefined) {
      walk = {
        stale: flight.beingWritten,
        pendingWrite: undefined,
        promise: undefined!,
        active: 1,
        abortReason: undefined,
        servedBy: -1,
      };
      flight.setWalk(cachesOnly, walk);
      flight.readers.add(walk);
      walk.promise = this.#walkLayers(
        walk,
        flight,
        ctx ?? new OpContext<K, V>('get', undefined, {}),
        key,
        cachesOnly,
      );
      walk.promise.catch(noop);
    } else {
      walk.active++;
    }
    const shared = walk;
    const read = onServed
      ? shared.promise.then((value) => (onServed(this.#servedName(shared), FRESH), value))
      : shared.promise;
    const signal = ctx?.signal;
    if (signal === undefined) return read;
    return raceAbort(read, signal, () => {
      shared.active--;
      shared.abortReason = signal.reason;
    });
  }

  /** Reads the layers in order; the first value found wins and is written back above it. */
  async #walkLayers(
    walk: SharedWalk<V>,
    flight: KeyFlight<V>,
    ctx: OperationContext,
    key: K,
    cachesOnly: boolean,
  ): Promise<V | undefined> {
    const stack = this.#stack;
    const layers = stack.walkedLayers(cachesOnly);
    let found = -1;
    let value: V | undefined;
    let expiresAt: number | undefined;
    try {
      for (let i = stack.syncLayer ? 1 : 0; i < layers.length; i++) {
        if (walk.active === 0) throw walk.abortReason;
        const layer = layers[i];
        try {
          if (layer.index === 0) {
            value = await layer.get(key);
          } else {
            const entry = await layer.getWithExpiry(key);
            value = entry?.value;
            expiresAt = entry?.expiresAt;
          }
        } catch (error) {
          if (!(error instanceof NotFoundError)) {
            stack.readFailed(layer, error, ctx.operation);
            continue;
          }
          value = undefined;
        }
        if (value !== undefined) {
          layer.hits++;
          found = layer.index;
          walk.servedBy = found;
          break;
        }
        layer.misses++;
      }
    } catch (error) {
      stack.endRead(walk, flight, key);
      throw error;
    }
    if (stack.syncLayer) stack.syncLayer.misses++;
    if (found > 0 && !walk.stale) {
      // The walk stays joinable until its backfill is done: a reader arriving meanwhile gets its value
      // instead of reading the layers again. A write detaches it.
      stack.backFiller.schedule(
        {
          ctx,
          entries: [{ key, value: value as V, expiresAt, ticket: walk }],
          targets: stack.backFillTargets(found, cachesOnly),
          sourceLayerIndex: found,
          ttl: undefined,
        },
        () => stack.endRead(walk, flight, key),
      );
    } else {
      if (found > 0) stack.backFiller.dropped++;
      stack.endRead(walk, flight, key);
    }
    return value;
  }

  /**
   * Whether some layer holds a live value: layers in order, the first that has it ends the walk (its
   * `store.has` when it has one, else a read). No backfill, no callback; failures follow the get rules.
   */
  async has(ctx: OperationContext, key: K, cachesOnly: boolean): Promise<boolean> {
    const stack = this.#stack;
    for (const layer of stack.walkedLayers(cachesOnly)) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      try {
        if (layer.store.has) {
          if (await layer.has(key)) return true;
        } else if ((await layer.get(key)) !== undefined) {
          return true;
        }
      } catch (error) {
        if (!(error instanceof NotFoundError)) stack.readFailed(layer, error, ctx.operation);
      }
    }
    return false;
  }

  #servedName(walk: SharedWalk<V>): string | undefined {
    return walk.servedBy >= 0 ? this.#stack.layers[walk.servedBy].name : undefined;
  }

  /** A get; on a miss, one loader call for every concurrent caller, its result written to the caches. */
  async getOrLoad(
    ctx: OperationContext,
    key: K,
    loader: Loader<K, V>,
    ttl: number | undefined,
    onServed: ServedCallback | undefined,
    cachesOnly = false,
  ): Promise<V | undefined> {
    const flights = this.#stack.flights;
    const flight = flights.open(key);
    // A load in flight will write the value: walking the layers now could only miss, so join it; unless
    // it was born stale (its walk overlapped a write), which makes it older than this call.
    let load = flight.loadOf(cachesOnly);
    if (load?.stale) load = undefined;
    if (load === undefined) {
      // Watches the walk: a write of the key that overlaps it makes the load that follows stale too.
      const watch: ReadTicket = { stale: flight.beingWritten, pendingWrite: undefined };
      const since = flight.writesDone;
      flight.readers.add(watch);
      let servedBy: string | undefined;
      let servedInfo = FRESH;
      let cached: V | undefined;
      try {
        cached = await this.get(
          ctx,
          key,
          onServed && ((name, info) => ((servedBy = name), (servedInfo = info))),
          cachesOnly,
        );
      } catch (error) {
        flight.readers.delete(watch);
        flights.release(key, flight);
        throw error;
      }
      flight.readers.delete(watch);
      if (cached !== undefined) {
        flights.release(key, flight);
        onServed?.(servedBy, servedInfo);
        return cached;
      }
      load = flight.loadOf(cachesOnly) ?? flight.settledLoadOf(cachesOnly);
      // A stale load (its walk overlapped a write) is shared only with a reader that overlapped the same
      // writes: one that began before any of them finished.
      if (load === undefined || (load.stale && (!watch.stale || load.since !== since))) {
        load = this.#startLoad(flight, ctx, key, loader, ttl, watch.stale, since, cachesOnly);
      }
    }
    const loaded = ctx.signal ? await raceAbort(load.promise, ctx.signal) : await load.promise;
    onServed?.(loaded === undefined ? undefined : 'loader', FRESH);
    return loaded;
  }

  #startLoad(
    flight: KeyFlight<V>,
    ctx: OperationContext,
    key: K,
    loader: Loader<K, V>,
    ttl: number | undefined,
    stale: boolean,
    since: number,
    cachesOnly: boolean,
  ): SharedLoad<V> {
    const stack = this.#stack;
    const load: SharedLoad<V> = {
      stale: stale || flight.beingWritten,
      pendingWrite: undefined,
      promise: undefined!,
      since,
    };
    flight.setLoad(cachesOnly, load);
    flight.readers.add(load);
    this.loads++;
    load.promise = callLoader(loader, key).then(
      (value) => {
        if (!load.stale) flight.setSettledLoad(cachesOnly, load);
        if (value !== undefined && !load.stale && stack.caches.length > 0) {
          stack.backFiller.schedule(
            {
              ctx,
              entries: [{ key, value, expiresAt: undefined, ticket: load }],
              targets: stack.caches,
              sourceLayerIndex: stack.layers.length,
              ttl,
            },
            () => stack.endRead(load, flight, key),
          );
        } else {
          if (value !== undefined && load.stale) stack.backFiller.dropped++;
          stack.endRead(load, flight, key);
        }
        return value;
      },
      (error: unknown) => {
        if (!load.stale) flight.setSettledLoad(cachesOnly, load);
        stack.endRead(load, flight, key);
        throw error;
      },
    );
    load.promise.catch(noop);
    return load;
  }
}

function callLoader<K, V>(loader: Loader<K, V>, key: K): Promise<V | undefined> {
  try {
    return Promise.resolve(loader(key));
  } catch (error) {
    return Promise.reject(error);
  }
}
