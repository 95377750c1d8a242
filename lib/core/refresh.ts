import { NotFoundError } from './errors.js';
import type { KeyFlight, RefreshOutcome, SharedRefresh } from './key-flight.js';
import { isKnownMiss, KNOWN_MISS } from './known-miss.js';
import type { LayerRuntime } from './layer-runtime.js';
import type { LayerStack } from './layer-stack.js';
import type { OperationContext } from './operation.js';
import type { ValueWithExpiry } from './store.js';

/** After a failed refresh, the key is not refreshed again for this long: a failing source is not hammered. */
const FAILURE_BACKOFF_MS = 1000;
/** The most keys remembered in back-off; past it the oldest are forgotten. */
const MAX_BACKOFF_KEYS = 10_000;

const noop = () => {};

/** What #read answers for a cache layer whose read failed or timed out (already counted and reported). */
class LayerReadFailure {
  constructor(readonly error: unknown) {}
}

export type RefreshLoader<K, V> = (key: K) => Promise<V | undefined>;

/**
 * The background refresh of an entry that a read found stale (or fresh with less than `refreshAhead`
 * left): one per key, shared by every reader. It walks the layers below the one that held the entry
 * (then calls the loader, for getOrLoad), and writes what it finds into the layers above where it found
 * it, as a backfill: fenced like any backfill (a write of the key that overlaps it drops its writes). When
 * the source no longer has the key, it deletes the stale copies; when it fails (the primary or the loader
 * fails, or a cache layer fails and neither answers after it), the stale entry stays servable until its
 * grace ends.
 */
export class Refresher<K, V> {
  readonly #stack: LayerStack<K, V>;
  /** Keys whose last refresh failed, with when: not refreshed again within FAILURE_BACKOFF_MS. */
  readonly #failedAt = new Map<K, number>();
  /** Refreshes in flight, which drain() and close() wait for. */
  readonly #running = new Set<Promise<unknown>>();
  /** Refreshes started in this turn of the event loop, to begin in the next (one setImmediate for all). */
  #queued: Array<() => void> = [];

  constructor(stack: LayerStack<K, V>) {
    this.#stack = stack;
  }

  /**
   * Starts the refresh of `key`, whose entry in layer `from` is stale or nearly so; or joins the one in
   * flight. `undefined` when the key is in back-off after a failure, or when the read that found the entry
   * overlapped a write of the key (`fenced`): the write replaced the entry, there is nothing to refresh.
   */
  start(
    ctx: OperationContext,
    key: K,
    from: LayerRuntime<K, V>,
    cachesOnly: boolean,
    loader: RefreshLoader<K, V> | undefined,
    ttl: number | undefined,
    fenced = false,
  ): SharedRefresh<V> | undefined {
    const flights = this.#stack.flights;
    const flight = flights.open(key);
    if (flight.refresh !== undefined) return flight.refresh;
    if (fenced || flight.beingWritten || this.#inBackoff(key)) {
      flights.release(key, flight);
      return undefined;
    }
    from.refreshes++;
    const refresh: SharedRefresh<V> = {
      stale: false,
      pendingWrite: undefined,
      promise: undefined!,
      loads: loader !== undefined,
    };
    flight.refresh = refresh;
    flight.addReader(refresh);
    // The refresh begins in the next turn: the read that found the entry stale is served first, without
    // paying for the refresh's reads (a Redis command is built and sent in the turn it is issued).
    refresh.promise = this.#nextTurn().then(() =>
      this.#run(refresh, flight, ctx, key, from, cachesOnly, loader, ttl),
    );
    refresh.promise.catch(noop);
    const running = refresh.promise.then(noop, noop);
    this.#running.add(running);
    void running.then(() => this.#running.delete(running));
    return refresh;
  }

  /** Resolves in the next turn of the event loop; every refresh started in this turn shares one setImmediate. */
  #nextTurn(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#queued.push(resolve) === 1) setImmediate(this.#beginQueued);
    });
  }

  readonly #beginQueued = (): void => {
    const queued = this.#queued;
    this.#queued = [];
    for (const begin of queued) begin();
  };

  /** Resolves when every refresh in flight has settled (its backfill then is scheduled, or done). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async #run(
    refresh: SharedRefresh<V>,
    flight: KeyFlight<V>,
    ctx: OperationContext,
    key: K,
    from: LayerRuntime<K, V>,
    cachesOnly: boolean,
    loader: RefreshLoader<K, V> | undefined,
    ttl: number | undefined,
  ): Promise<RefreshOutcome<V> | undefined> {
    const stack = this.#stack;
    const layers = stack.walkedLayers(cachesOnly);
    let handedOver = false;
    try {
      let knownMiss = false;
      let layerFailure: LayerReadFailure | undefined;
      /** Whether the primary or the loader answered: only they can say that the key is gone. */
      let sourceAnswered = false;
      for (const layer of layers) {
        if (layer.index <= from.index) continue;
        const entry = await this.#read(layer, key);
        if (layer.primary) sourceAnswered = true;
        if (entry instanceof LayerReadFailure) {
          layerFailure ??= entry;
          continue;
        }
        if (entry === undefined) continue;
        if (isKnownMiss(entry.value)) {
          if (stack.negativeTtl === undefined) continue;
          knownMiss = true;
          break;
        }
        // A stale entry below is no fresher than the one being refreshed.
        if (
          layer.needsExpiry &&
          entry.expiresAt !== undefined &&
          layer.freshUntil(entry.expiresAt) <= Date.now()
        ) {
          continue;
        }
        handedOver = this.#backFill(refresh, flight, ctx, key, entry, layer, cachesOnly);
        return { value: entry.value, layerName: layer.name };
      }
      if (!knownMiss && loader !== undefined) {
        stack.loads++;
        const value = await callLoader(loader, key);
        sourceAnswered = true;
        if (value !== undefined) {
          handedOver = this.#schedule(
            refresh,
            flight,
            ctx,
            key,
            value,
            stack.caches,
            stack.layers.length,
            ttl,
          );
          return { value, layerName: 'loader' };
        }
        if (stack.negativeTtl !== undefined) {
          handedOver = this.#schedule(
            refresh,
            flight,
            ctx,
            key,
            KNOWN_MISS as V,
            stack.caches,
            -1,
            stack.negativeTtl,
          );
          return undefined;
        }
      }
      // A layer that failed may hold the key: with no source to say otherwise, the refresh has failed.
      if (layerFailure !== undefined && !knownMiss && !sourceAnswered) throw layerFailure.error;
      // The source no longer has the key: the stale copies go.
      await this.#deleteCopies(refresh, key, layers, from);
      return undefined;
    } catch (error) {
      from.refreshFailures++;
      this.#backOff(key);
      stack.reportError(error, { kind: 'refresh', layerName: from.name, operation: ctx.operation });
      return undefined;
    } finally {
      if (!handedOver) stack.endRead(refresh, flight, key);
    }
  }

  /**
   * A layer's entry for the refresh. A failing cache layer is reported, and the walk goes on without it;
   * a failing primary fails the refresh.
   */
  async #read(layer: LayerRuntime<K, V>, key: K): Promise<ValueWithExpiry<V> | LayerReadFailure | undefined> {
    try {
      const entry = await layer.getWithExpiry(key);
      return entry === undefined || entry.value === undefined ? undefined : entry;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      this.#stack.readFailed(layer, error, 'refresh');
      return new LayerReadFailure(error);
    }
  }

  /** Writes a value found in `layer` into the layers above it. */
  #backFill(
    refresh: SharedRefresh<V>,
    flight: KeyFlight<V>,
    ctx: OperationContext,
    key: K,
    entry: ValueWithExpiry<V>,
    layer: LayerRuntime<K, V>,
    cachesOnly: boolean,
  ): boolean {
    const stack = this.#stack;
    const freshUntil = entry.expiresAt === undefined ? undefined : layer.freshUntil(entry.expiresAt);
    const targets = stack.backFillTargets(layer.index, cachesOnly);
    if (targets.length === 0) return false;
    stack.backFiller.schedule(
      {
        ctx,
        entries: [{ key, value: entry.value, freshUntil, ticket: refresh }],
        targets,
        sourceLayerIndex: layer.index,
        ttl: undefined,
      },
      () => stack.endRead(refresh, flight, key),
    );
    return true;
  }

  /** Writes a loaded value (or a known miss, source -1) into the cache layers. */
  #schedule(
    refresh: SharedRefresh<V>,
    flight: KeyFlight<V>,
    ctx: OperationContext,
    key: K,
    value: V,
    targets: LayerRuntime<K, V>[],
    source: number,
    ttl: number | undefined,
  ): boolean {
    const stack = this.#stack;
    if (targets.length === 0) return false;
    stack.backFiller.schedule(
      {
        ctx,
        entries: [{ key, value, freshUntil: undefined, ticket: refresh }],
        targets,
        sourceLayerIndex: source,
        ttl,
        knownMiss: source === -1,
      },
      () => stack.endRead(refresh, flight, key),
    );
    return true;
  }

  /** Deletes the key from the cache layers at and above `from`, unless a write overlapped the refresh. */
  async #deleteCopies(
    refresh: SharedRefresh<V>,
    key: K,
    layers: LayerRuntime<K, V>[],
    from: LayerRuntime<K, V>,
  ): Promise<void> {
    for (const layer of layers) {
      if (layer.index > from.index || layer.primary) continue;
      if (refresh.stale) return;
      const deleted = layer.delete(key);
      refresh.pendingWrite = deleted;
      try {
        await deleted;
      } catch (error) {
        layer.errors++;
        this.#stack.reportError(error, { kind: 'refresh', layerName: layer.name, operation: 'delete' });
      } finally {
        refresh.pendingWrite = undefined;
      }
    }
  }

  #inBackoff(key: K): boolean {
    const failedAt = this.#failedAt.get(key);
    if (failedAt === undefined) return false;
    if (Date.now() - failedAt < FAILURE_BACKOFF_MS) return true;
    this.#failedAt.delete(key);
    return false;
  }

  #backOff(key: K): void {
    this.#failedAt.delete(key);
    this.#failedAt.set(key, Date.now());
    if (this.#failedAt.size > MAX_BACKOFF_KEYS) {
      const oldest = this.#failedAt.keys().next().value as K;
      this.#failedAt.delete(oldest);
    }
  }
}

function callLoader<K, V>(loader: RefreshLoader<K, V>, key: K): Promise<V | undefined> {
  try {
    return Promise.resolve(loader(key));
  } catch (error) {
    return Promise.reject(error);
  }
}
