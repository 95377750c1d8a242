import { raceAbort } from './abort.js';
import { NotFoundError } from './errors.js';
import type {
  KeyFlight,
  ReadTicket,
  RefreshOutcome,
  SharedLoad,
  SharedRefresh,
  SharedWalk,
} from './key-flight.js';
import { isKnownMiss, KNOWN_MISS } from './known-miss.js';
import type { LayerRuntime } from './layer-runtime.js';
import type { LayerStack } from './layer-stack.js';
import type { OperationContext, ServedInfo } from './operation.js';
import { OpContext, type ServedCallback } from './operation-context.js';
import { Refresher } from './refresh.js';
import type { ValueWithExpiry } from './store.js';

export type Loader<K, V> = (key: K) => Promise<V | undefined>;

const noop = () => {};
const FRESH: ServedInfo = Object.freeze({ stale: false });
const STALE: ServedInfo = Object.freeze({ stale: true });
/** What onServed gets for a known miss: `{ stale: false }` to the user; getOrLoad tells it apart by identity. */
export const KNOWN_MISS_SERVED: ServedInfo = Object.freeze({ stale: false });

/** What a read of one layer found: an entry past its grace (its store has not dropped it yet) is expired. */
type Freshness = 'fresh' | 'stale' | 'refresh-ahead' | 'expired';

/**
 * A read of one key: layer 0 synchronously when it can, else a walk of the layers shared by every
 * concurrent reader of the key, which leaves a backfill behind; getOrLoad's single-flight load; has.
 * An entry past its ttl but within its layer's grace is served at once and refreshed in the background.
 */
export class ReadPath<K, V> {
  readonly #stack: LayerStack<K, V>;
  readonly refresher: Refresher<K, V>;

  constructor(stack: LayerStack<K, V>) {
    this.#stack = stack;
    this.refresher = new Refresher(stack);
  }

  /** Loader calls made by getOrLoad (and the refreshes it started). */
  get loads(): number {
    return this.#stack.loads;
  }

  get(
    ctx: OperationContext | undefined,
    key: K,
    onServed?: ServedCallback,
    cachesOnly = false,
    loader?: Loader<K, V>,
    ttl?: number,
  ): Promise<V | undefined> {
    const stack = this.#stack;
    const sync = stack.syncLayer;
    if (sync !== undefined) {
      let value: V | undefined;
      let expiresAt: number | undefined;
      try {
        if (sync.needsExpiry) {
          const entry = sync.store.getSyncWithExpiry!(key);
          value = entry?.value;
          expiresAt = entry?.expiresAt;
        } else {
          value = sync.store.getSync!(key);
        }
      } catch (error) {
        sync.errors++;
        stack.reportError(error, { kind: 'layer', layerName: sync.name, operation: 'get' });
      }
      if (value !== undefined) {
        if (stack.negativeTtl !== undefined && isKnownMiss(value)) {
          sync.misses++;
          onServed?.(undefined, KNOWN_MISS_SERVED);
          return Promise.resolve(undefined);
        }
        const state =
          sync.needsExpiry && expiresAt !== undefined ? this.#freshness(sync, expiresAt) : 'fresh';
        if (state !== 'expired') {
          sync.hits++;
          if (state === 'stale') sync.staleHits++;
          if (state !== 'fresh') {
            const context = ctx ?? new OpContext<K, V>('get', undefined, {});
            const refresh = this.refresher.start(context, key, sync, cachesOnly, loader, ttl);
            if (state === 'stale') return this.#servedStale(sync, value, refresh, onServed);
          }
          onServed?.(sync.name, FRESH);
          return Promise.resolve(value);
        }
      }
    }
    return this.walk(ctx, key, onServed, cachesOnly, loader, ttl);
  }

  /** Joins the walk of the key in flight, or starts one. */
  walk(
    ctx: OperationContext | undefined,
    key: K,
    onServed: ServedCallback | undefined,
    cachesOnly = false,
    loader?: Loader<K, V>,
    ttl?: number,
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
        servedName: undefined,
        servedInfo: FRESH,
      };
      flight.setWalk(cachesOnly, walk);
      flight.addReader(walk);
      walk.promise = this.#walkLayers(
        walk,
        flight,
        ctx ?? new OpContext<K, V>('get', undefined, {}),
        key,
        cachesOnly,
        loader,
        ttl,
      );
      walk.promise.catch(noop);
    } else {
      walk.active++;
    }
    const shared = walk;
    const read = onServed
      ? shared.promise.then((value) => (onServed(shared.servedName, shared.servedInfo), value))
      : shared.promise;
    const signal = ctx?.signal;
    if (signal === undefined) return read;
    return raceAbort(read, signal, () => {
      shared.active--;
      shared.abortReason = signal.reason;
    });
  }

  /** Reads the layers in order; the first value found wins and is written back above it. */
  #walkLayers(
    walk: SharedWalk<V>,
    flight: KeyFlight<V>,
    ctx: OperationContext,
    key: K,
    cachesOnly: boolean,
    loader: Loader<K, V> | undefined,
    ttl: number | undefined,
  ): Promise<V | undefined> {
    const stack = this.#stack;
    const layers = stack.walkedLayers(cachesOnly);
    const first = stack.syncLayer ? 1 : 0;
    if (layers.length - first !== 1 || layers[first].index === 0) {
      return this.#walkEach(walk, flight, ctx, key, cachesOnly, loader, ttl, layers, first);
    }
    // One layer left to read (layer 0 answered synchronously): one promise step, not an async loop.
    const layer = layers[first];
    return layer.getWithExpiry(key).then(
      (entry) => {
        const value = this.#usable(layer, entry?.value, entry?.expiresAt);
        if (value === undefined) layer.misses++;
        return this.#settle(walk, flight, ctx, key, cachesOnly, loader, ttl, layer, value, entry?.expiresAt);
      },
      (error: unknown) => {
        if (!(error instanceof NotFoundError)) {
          try {
            stack.readFailed(layer, error, ctx.operation);
          } catch (failure) {
            stack.endRead(walk, flight, key);
            throw failure;
          }
        } else {
          layer.misses++;
        }
        return this.#settle(walk, flight, ctx, key, cachesOnly, loader, ttl, layer, undefined, undefined);
      },
    );
  }

  /** The walk of several layers, one at a time. */
  async #walkEach(
    walk: SharedWalk<V>,
    flight: KeyFlight<V>,
    ctx: OperationContext,
    key: K,
    cachesOnly: boolean,
    loader: Loader<K, V> | undefined,
    ttl: number | undefined,
    layers: LayerRuntime<K, V>[],
    first: number,
  ): Promise<V | undefined> {
    const stack = this.#stack;
    let found: LayerRuntime<K, V> | undefined;
    let value: V | undefined;
    let expiresAt: number | undefined;
    try {
      for (let i = first; i < layers.length; i++) {
        if (walk.active === 0) throw walk.abortReason;
        const layer = layers[i];
        try {
          if (layer.index === 0 && !layer.needsExpiry) {
            value = await layer.get(key);
            expiresAt = undefined;
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
        value = this.#usable(layer, value, expiresAt);
        if (value !== undefined) {
          found = layer;
          break;
        }
        layer.misses++;
      }
    } catch (error) {
      stack.endRead(walk, flight, key);
      throw error;
    }
    return this.#settle(walk, flight, ctx, key, cachesOnly, loader, ttl, found, value, expiresAt);
  }

  /** The value a layer answered, or undefined when it is no value to serve (see the rules inside). */
  #usable(layer: LayerRuntime<K, V>, value: V | undefined, expiresAt: number | undefined): V | undefined {
    if (value === undefined) return undefined;
    if (isKnownMiss(value) && this.#stack.negativeTtl === undefined) return undefined;
    // An entry past its grace that its store still returns (a lazily expiring store) is a miss.
    if (layer.needsExpiry && expiresAt !== undefined && Date.now() >= expiresAt) return undefined;
    return value;
  }

  /** The end of a walk: what it found (in `found`, or nothing) is served, refreshed, written back. */
  #settle(
    walk: SharedWalk<V>,
    flight: KeyFlight<V>,
    ctx: OperationContext,
    key: K,
    cachesOnly: boolean,
    loader: Loader<K, V> | undefined,
    ttl: number | undefined,
    found: LayerRuntime<K, V> | undefined,
    value: V | undefined,
    expiresAt: number | undefined,
  ): V | undefined | Promise<V | undefined> {
    const stack = this.#stack;
    if (value === undefined) found = undefined;
    if (stack.syncLayer) stack.syncLayer.misses++;
    if (found === undefined) {
      stack.endRead(walk, flight, key);
      return undefined;
    }
    if (isKnownMiss(value)) {
      // A known miss: the key has no value, and nothing lower is read. Faster layers get the marker too.
      found.misses++;
      walk.servedInfo = KNOWN_MISS_SERVED;
      this.#backFill(walk, flight, ctx, key, KNOWN_MISS as V, found, expiresAt, cachesOnly, true);
      return undefined;
    }
    found.hits++;
    walk.servedName = found.name;
    if (found.needsExpiry && expiresAt !== undefined) {
      const state = this.#freshness(found, expiresAt);
      if (state !== 'fresh') {
        const refresh = this.refresher.start(ctx, key, found, cachesOnly, loader, ttl, walk.stale);
        if (state === 'stale') {
          // A stale value is served, never written back: the refresh writes the fresh one. Every reader
          // of the walk is served it.
          found.staleHits += walk.active;
          walk.servedInfo = STALE;
          stack.endRead(walk, flight, key);
          const stale = value as V;
          return this.#waitForRefresh(refresh).then((refreshed) => {
            if (refreshed === undefined) return stale;
            walk.servedInfo = FRESH;
            walk.servedName = refreshed.layerName;
            return refreshed.value;
          });
        }
      }
    }
    this.#backFill(walk, flight, ctx, key, value as V, found, expiresAt, cachesOnly, false);
    return value;
  }

  /** Schedules the backfill of a walk's value (or known miss) above the layer that held it. */
  #backFill(
    walk: SharedWalk<V>,
    flight: KeyFlight<V>,
    ctx: OperationContext,
    key: K,
    value: V,
    found: LayerRuntime<K, V>,
    expiresAt: number | undefined,
    cachesOnly: boolean,
    knownMiss: boolean,
  ): void {
    const stack = this.#stack;
    const targets = found.index > 0 ? stack.backFillTargets(found.index, cachesOnly) : [];
    if (targets.length === 0 || walk.stale) {
      if (targets.length > 0 && !knownMiss) stack.backFiller.dropped++;
      stack.endRead(walk, flight, key);
      return;
    }
    // The walk stays joinable until its backfill is done: a reader arriving meanwhile gets its value
    // instead of reading the layers again. A write detaches it.
    // An in-process target is written at once (then the walk ends here); a remote one in the background.
    stack.backFiller.scheduleOne(
      ctx,
      { key, value, freshUntil: freshUntilOf(found, expiresAt), ticket: walk },
      targets,
      found.index,
      knownMiss ? stack.negativeTtl : undefined,
      knownMiss,
      () => stack.endRead(walk, flight, key),
    );
  }

  /** Fresh, stale (past its ttl, within grace), or fresh but due for a refresh (refreshAhead). */
  #freshness(layer: LayerRuntime<K, V>, expiresAt: number): Freshness {
    const now = Date.now();
    if (now >= expiresAt) return 'expired';
    const left = layer.freshUntil(expiresAt) - now;
    if (left <= 0) return 'stale';
    return layer.refreshAhead > 0 && left < layer.refreshAhead ? 'refresh-ahead' : 'fresh';
  }

  /** A stale value from layer 0: served at once, or the refreshed one when withStaleTimeout lets it arrive. */
  #servedStale(
    layer: LayerRuntime<K, V>,
    value: V,
    refresh: SharedRefresh<V> | undefined,
    onServed: ServedCallback | undefined,
  ): Promise<V | undefined> {
    if (refresh === undefined || this.#stack.staleTimeout === 0) {
      onServed?.(layer.name, STALE);
      return Promise.resolve(value);
    }
    return this.#waitForRefresh(refresh).then((refreshed) => {
      if (refreshed === undefined) {
        onServed?.(layer.name, STALE);
        return value;
      }
      onServed?.(refreshed.layerName, FRESH);
      return refreshed.value;
    });
  }

  /** The refresh's outcome when it arrives within withStaleTimeout, else undefined (one timer, stale reads only). */
  #waitForRefresh(refresh: SharedRefresh<V> | undefined): Promise<RefreshOutcome<V> | undefined> {
    const timeout = this.#stack.staleTimeout;
    if (refresh === undefined || timeout === 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeout);
      refresh.promise.then(
        (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
        () => {
          clearTimeout(timer);
          resolve(undefined);
        },
      );
    });
  }

  /**
   * Whether some layer holds a live value: layers in order, the first that has it ends the walk (its
   * `store.has` when it has one and no freshness or known miss needs the entry itself, else a read). No
   * backfill, no callback; failures follow the get rules. A stale entry counts, and is refreshed.
   */
  async has(ctx: OperationContext, key: K, cachesOnly: boolean): Promise<boolean> {
    const stack = this.#stack;
    for (const layer of stack.walkedLayers(cachesOnly)) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      try {
        if (layer.store.has && !layer.needsExpiry && (stack.negativeTtl === undefined || layer.primary)) {
          if (await layer.has(key)) return true;
          continue;
        }
        const entry: ValueWithExpiry<V | undefined> | undefined = layer.needsExpiry
          ? await layer.getWithExpiry(key)
          : { value: await layer.get(key) };
        if (entry === undefined || entry.value === undefined) continue;
        if (isKnownMiss(entry.value)) {
          if (stack.negativeTtl !== undefined) return false;
          continue;
        }
        if (layer.needsExpiry && entry.expiresAt !== undefined) {
          const state = this.#freshness(layer, entry.expiresAt);
          if (state === 'expired') continue;
          if (state === 'stale') layer.staleHits++;
          if (state !== 'fresh') this.refresher.start(ctx, key, layer, cachesOnly, undefined, undefined);
        }
        return true;
      } catch (error) {
        if (!(error instanceof NotFoundError)) stack.readFailed(layer, error, ctx.operation);
      }
    }
    return false;
  }

  /**
   * getOrLoad with no options and no middleware. Its promise is shared with every such caller of the key
   * that arrives before it settles: joining its walk, then its load, would give them the same value. A
   * write of the key ends the sharing (the flight's `overlapWrite`), so no caller that begins after a
   * write gets a value read before it.
   */
  getOrLoadPlain(key: K, loader: Loader<K, V>): Promise<V | undefined> {
    const flights = this.#stack.flights;
    const shared = flights.find(key)?.sharedGetOrLoad;
    if (shared !== undefined) return shared;
    const ctx = new OpContext<K, V>('getOrLoad', undefined, {}, undefined, loader);
    const promise = this.getOrLoad(ctx, key, loader, undefined, undefined);
    // getOrLoad opened the key's flight before its first await; it stays open until the call settles.
    const flight = flights.find(key);
    if (flight !== undefined) {
      flight.sharedGetOrLoad = promise;
      const unshare = () => {
        if (flight.sharedGetOrLoad === promise) flight.sharedGetOrLoad = undefined;
      };
      promise.then(unshare, unshare);
    }
    return promise;
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
    const stack = this.#stack;
    const fresh = this.#freshSyncHit(key, onServed);
    if (fresh !== undefined) return fresh;
    const flights = stack.flights;
    const flight = flights.open(key);
    // A load in flight will write the value: walking the layers now could only miss, so join it; unless
    // it was born stale (its walk overlapped a write), which makes it older than this call.
    let load = flight.loadOf(cachesOnly);
    if (load?.stale) load = undefined;
    if (load === undefined) {
      // Watches the walk: a write of the key that overlaps it makes the load that follows stale too.
      const watch: ReadTicket = { stale: flight.beingWritten, pendingWrite: undefined };
      const since = flight.writesDone;
      flight.addReader(watch);
      let servedBy: string | undefined;
      let servedInfo = FRESH;
      let cached: V | undefined;
      try {
        cached = await this.get(
          ctx,
          key,
          (name, info) => ((servedBy = name), (servedInfo = info)),
          cachesOnly,
          loader,
          ttl,
        );
      } catch (error) {
        flight.removeReader(watch);
        flights.release(key, flight);
        throw error;
      }
      flight.removeReader(watch);
      if (cached !== undefined || servedInfo === KNOWN_MISS_SERVED) {
        flights.release(key, flight);
        onServed?.(servedBy, servedInfo);
        return cached;
      }
      // The entry expired while a refresh that loads was in flight (it took longer than the grace left):
      // its load is this call's load. No write of the key began since it did (a write ends it).
      const refresh = flight.refresh;
      if (refresh !== undefined && refresh.loads && !refresh.stale && !watch.stale) {
        const outcome = await (ctx.signal ? raceAbort(refresh.promise, ctx.signal) : refresh.promise);
        flights.release(key, flight);
        if (outcome !== undefined) {
          onServed?.(outcome.layerName, FRESH);
          return outcome.value;
        }
        // It found nothing, or failed: this call reads and loads on its own.
        return this.getOrLoad(ctx, key, loader, ttl, onServed, cachesOnly);
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

  /**
   * Layer 0's value when it is a fresh hit (no refresh due), read without opening the key's flight; else
   * undefined, and the full path reads it again (and reports a failure).
   */
  #freshSyncHit(key: K, onServed: ServedCallback | undefined): V | undefined {
    const sync = this.#stack.syncLayer;
    if (sync === undefined) return undefined;
    let value: V | undefined;
    try {
      if (sync.needsExpiry) {
        const entry = sync.store.getSyncWithExpiry!(key);
        if (entry === undefined || entry.expiresAt === undefined) {
          value = entry?.value;
        } else if (this.#freshness(sync, entry.expiresAt) === 'fresh') {
          value = entry.value;
        }
      } else {
        value = sync.store.getSync!(key);
      }
    } catch {
      return undefined;
    }
    if (value === undefined || isKnownMiss(value)) return undefined;
    sync.hits++;
    onServed?.(sync.name, FRESH);
    return value;
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
    flight.addReader(load);
    stack.loads++;
    load.promise = callLoader(loader, key).then(
      (value) => {
        if (!load.stale) flight.setSettledLoad(cachesOnly, load);
        const knownMiss = value === undefined && stack.negativeTtl !== undefined;
        if ((value !== undefined || knownMiss) && !load.stale && stack.caches.length > 0) {
          stack.backFiller.schedule(
            {
              ctx,
              entries: [
                { key, value: knownMiss ? (KNOWN_MISS as V) : value!, freshUntil: undefined, ticket: load },
              ],
              targets: stack.caches,
              sourceLayerIndex: stack.layers.length,
              ttl: knownMiss ? stack.negativeTtl : ttl,
              knownMiss,
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

/** When the entry found in `layer` stops being fresh: a copy is never fresh longer. */
function freshUntilOf<K, V>(layer: LayerRuntime<K, V>, expiresAt: number | undefined): number | undefined {
  return expiresAt === undefined ? undefined : layer.freshUntil(expiresAt);
}

function callLoader<K, V>(loader: Loader<K, V>, key: K): Promise<V | undefined> {
  try {
    return Promise.resolve(loader(key));
  } catch (error) {
    return Promise.reject(error);
  }
}
