import { raceAbort } from './abort.js';
import type { BackFillEntry } from './backfill.js';
import { NotFoundError } from './errors.js';
import type { KeyFlight, ReadTicket, SharedRefresh, SharedWalk } from './key-flight.js';
import { isKnownMiss } from './known-miss.js';
import type { LayerRuntime } from './layer-runtime.js';
import type { LayerStack } from './layer-stack.js';
import type { OperationContext, ServedInfo } from './operation.js';
import type { Refresher } from './refresh.js';
import type { ValueWithExpiry } from './store.js';

const noop = () => {};
const FRESH: ServedInfo = Object.freeze({ stale: false });
/** A key whose read failed in a batch: a miss that is counted as an error, not as a miss. */
const FAILED_READ: ValueWithExpiry<never> = Object.freeze({ value: undefined as never });

/**
 * getMany: each layer is asked once, with one batch call when it has one, for the keys still missing;
 * each key then follows the get rules (failures, backfill, sharing the walk with concurrent readers).
 */
export class BatchRead<K, V> {
  readonly #stack: LayerStack<K, V>;
  readonly #refresher: Refresher<K, V>;

  constructor(stack: LayerStack<K, V>, refresher: Refresher<K, V>) {
    this.#stack = stack;
    this.#refresher = refresher;
  }

  async getMany(
    ctx: OperationContext,
    keys: readonly K[],
    cachesOnly = false,
  ): Promise<Array<V | undefined>> {
    const values: Array<V | undefined> = new Array(keys.length);
    const flights = this.#stack.flights;
    const own: BatchEntry<K, V>[] = [];
    // The positions that take their value from a walk found in the flight: a key repeated in this call
    // (its entry), or a key another reader is walking (shared, as concurrent gets do). Rare: made on demand.
    let shared: Array<[position: number, walk: SharedWalk<V>]> | undefined;
    for (let position = 0; position < keys.length; position++) {
      const key = keys[position];
      const flight = flights.open(key);
      const walking = flight.walkOf(cachesOnly);
      if (walking === undefined) {
        const entry = new BatchEntry<K, V>(key, flight, position, values);
        flight.setWalk(cachesOnly, entry);
        flight.addReader(entry);
        own.push(entry);
        continue;
      }
      if (!(walking instanceof BatchEntry && walking.batch === values)) walking.active++;
      (shared ??= []).push([position, walking]);
    }
    const run = async () => {
      if (own.length > 0) await this.#walk(ctx, own, cachesOnly);
      for (const entry of own) {
        if (entry.failure !== undefined) throw entry.failure.error;
        values[entry.position] = entry.value;
      }
      if (shared !== undefined) {
        for (const [position, walk] of shared) {
          values[position] =
            walk instanceof BatchEntry && walk.batch === values
              ? (walk as BatchEntry<K, V>).value
              : await walk.promise;
        }
      }
      return values;
    };
    return ctx.signal ? raceAbort(run(), ctx.signal) : run();
  }

  /** Walks the layers for the keys of a getMany; each entry ends with its value or its failure. */
  async #walk(ctx: OperationContext, entries: BatchEntry<K, V>[], cachesOnly: boolean): Promise<void> {
    const stack = this.#stack;
    let missing = entries;
    let refreshing: Array<[BatchEntry<K, V>, SharedRefresh<V>]> | undefined;
    try {
      for (const layer of stack.walkedLayers(cachesOnly)) {
        if (missing.length === 0) break;
        if (ctx.signal?.aborted) throw ctx.signal.reason;
        const values = await this.#read(layer, missing, ctx);
        const stillMissing: BatchEntry<K, V>[] = [];
        const found: BackFillEntry<K, V>[] = [];
        const knownMisses: BackFillEntry<K, V>[] = [];
        const now = layer.needsExpiry ? Date.now() : 0;
        missing.forEach((entry, i) => {
          const answer = values[i];
          let value = answer?.value;
          if (value !== undefined && stack.negativeTtl === undefined && isKnownMiss(value)) value = undefined;
          // An entry past its grace that its store still returns (a lazily expiring store) is a miss.
          if (
            value !== undefined &&
            layer.needsExpiry &&
            answer!.expiresAt !== undefined &&
            now >= answer!.expiresAt
          ) {
            value = undefined;
          }
          if (value === undefined) {
            if (answer !== FAILED_READ) layer.misses++;
            stillMissing.push(entry);
            return;
          }
          const freshUntil =
            answer!.expiresAt === undefined ? undefined : layer.freshUntil(answer!.expiresAt);
          if (isKnownMiss(value)) {
            // A known miss: undefined for this key, nothing lower is read, faster layers get the marker.
            layer.misses++;
            entry.settle(undefined);
            if (layer.index > 0 && !entry.stale)
              knownMisses.push({ key: entry.key, value, freshUntil, ticket: entry });
            else stack.endRead(entry, entry.flight, entry.key);
            return;
          }
          layer.hits++;
          entry.servedName = layer.name;
          entry.settle(value);
          if (layer.needsExpiry && freshUntil !== undefined) {
            const left = freshUntil - now;
            const stale = left <= 0;
            if (stale || (layer.refreshAhead > 0 && left < layer.refreshAhead)) {
              if (stale) layer.staleHits += entry.active;
              const refresh = this.#refresher.start(
                ctx,
                entry.key,
                layer,
                cachesOnly,
                undefined,
                undefined,
                entry.stale,
              );
              if (stale) {
                // Served stale, never written back: the refresh writes the fresh value.
                if (refresh) (refreshing ??= []).push([entry, refresh]);
                stack.endRead(entry, entry.flight, entry.key);
                return;
              }
            }
          }
          if (layer.index > 0 && !entry.stale) {
            // The entry is its own backfill entry: its value, its bound, and itself as the ticket.
            entry.freshUntil = freshUntil;
            found.push(entry as BackFillEntry<K, V>);
          } else {
            if (layer.index > 0) stack.backFiller.dropped++;
            stack.endRead(entry, entry.flight, entry.key);
          }
        });
        if (found.length > 0) this.#backFill(ctx, layer.index, found, cachesOnly, false);
        if (knownMisses.length > 0) this.#backFill(ctx, layer.index, knownMisses, cachesOnly, true);
        missing = stillMissing;
      }
      for (const entry of missing) {
        entry.settle(undefined);
        stack.endRead(entry, entry.flight, entry.key);
      }
    } catch (error) {
      for (const entry of missing) {
        entry.fail(error);
        stack.endRead(entry, entry.flight, entry.key);
      }
      return;
    }
    if (refreshing !== undefined && stack.staleTimeout > 0) await this.#awaitRefreshes(refreshing);
  }

  /** withStaleTimeout: the refreshed values that arrive in time replace the stale ones (one timer). */
  async #awaitRefreshes(refreshing: Array<[BatchEntry<K, V>, SharedRefresh<V>]>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#stack.staleTimeout)));
    const arrivals = refreshing.map(([entry, refresh]) =>
      refresh.promise.then(
        (outcome) => {
          if (outcome === undefined || entry.refreshedInTime === false) return;
          entry.value = outcome.value;
          entry.servedName = outcome.layerName;
          entry.refreshedInTime = true;
        },
        () => {},
      ),
    );
    await Promise.race([Promise.all(arrivals), timedOut]);
    clearTimeout(timer);
    for (const [entry] of refreshing) entry.refreshedInTime ??= false;
  }

  /** The keys found in one layer are written back together: one setMany per layer above, when it has one. */
  #backFill(
    ctx: OperationContext,
    found: number,
    entries: BackFillEntry<K, V>[],
    cachesOnly: boolean,
    knownMiss: boolean,
  ): void {
    const stack = this.#stack;
    stack.backFiller.schedule(
      {
        ctx,
        entries,
        targets: stack.backFillTargets(found, cachesOnly),
        sourceLayerIndex: found,
        ttl: knownMiss ? stack.negativeTtl : undefined,
        knownMiss,
      },
      () => {
        for (const { ticket } of entries) {
          const entry = ticket as BatchEntry<K, V>;
          stack.endRead(entry, entry.flight, entry.key);
        }
      },
    );
  }

  /**
   * One layer's answer for a batch: an entry per key, `undefined` for a miss. A cache layer that fails
   * is a miss for the keys it failed (all of them for a failed batch call); a failing primary rejects.
   */
  async #read(
    layer: LayerRuntime<K, V>,
    entries: BatchEntry<K, V>[],
    ctx: OperationContext,
  ): Promise<Array<ValueWithExpiry<V> | undefined>> {
    const keys = entries.map((entry) => entry.key);
    const store = layer.store;
    const withExpiry = layer.index > 0 || layer.needsExpiry;
    // A batch call when the layer has one, unless it would lose the expiry a backfill needs.
    const batch =
      withExpiry && store.getManyWithExpiry
        ? 'withExpiry'
        : store.getMany && !(withExpiry && store.getWithExpiry)
          ? 'plain'
          : undefined;
    if (batch !== undefined) {
      try {
        if (batch === 'withExpiry') {
          const found = await layer.getManyWithExpiry(keys);
          checkBatch(found, keys.length, layer.name);
          return found;
        }
        const values = await layer.getMany(keys);
        checkBatch(values, keys.length, layer.name);
        return values.map(wrapValue);
      } catch (error) {
        if (error instanceof NotFoundError) return keys.map(() => undefined);
        this.#stack.readFailed(layer, error, ctx.operation);
        return keys.map(() => FAILED_READ);
      }
    }
    const outcomes = await Promise.allSettled(
      keys.map((key) => (withExpiry ? layer.getWithExpiry(key) : layer.get(key).then(wrapValue))),
    );
    return outcomes.map((outcome) => {
      if (outcome.status === 'fulfilled') return outcome.value;
      if (outcome.reason instanceof NotFoundError) return undefined;
      this.#stack.readFailed(layer, outcome.reason, ctx.operation);
      return FAILED_READ;
    });
  }
}

function wrapValue<V>(value: V | undefined): ValueWithExpiry<V> | undefined {
  return value === undefined ? undefined : { value };
}

function checkBatch(values: unknown, expected: number, layerName: string): void {
  if (!Array.isArray(values) || values.length !== expected) {
    const got = Array.isArray(values) ? `${values.length} values` : String(values);
    throw new TypeError(`layer "${layerName}" answered a batch of ${expected} keys with ${got}`);
  }
}

/**
 * One key of a getMany that this call walks itself. Concurrent gets of the key join it like any walk;
 * its promise is only made when one does, so a batch costs no promise per key.
 */
class BatchEntry<K, V> implements SharedWalk<V> {
  stale: boolean;
  pendingWrite: Promise<unknown> | undefined = undefined;
  active = 1;
  abortReason: unknown = undefined;
  servedName: string | undefined = undefined;
  servedInfo: ServedInfo = FRESH;
  /** withStaleTimeout: whether the refresh of a stale value arrived in time (undefined while waiting). */
  refreshedInTime: boolean | undefined = undefined;
  value: V | undefined = undefined;
  /** As a backfill entry: until when the source's entry is fresh. */
  freshUntil: number | undefined = undefined;
  /** As a backfill entry: the read a write makes stale (the entry itself). */
  readonly ticket: ReadTicket = this;
  failure: { error: unknown } | undefined = undefined;
  #settled = false;
  #promise: Promise<V | undefined> | undefined;
  #resolve: ((value: V | undefined) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;

  constructor(
    readonly key: K,
    readonly flight: KeyFlight<V>,
    /** Its first position in the getMany's key list (repeats share it through the flight). */
    readonly position: number,
    /** The getMany it belongs to (its result array): a repeated key finds its own entry by it. */
    readonly batch: unknown,
  ) {
    this.stale = flight.beingWritten;
  }

  get promise(): Promise<V | undefined> {
    if (this.#promise === undefined) {
      if (!this.#settled) {
        this.#promise = new Promise<V | undefined>((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
        });
      } else {
        this.#promise = this.failure ? Promise.reject(this.failure.error) : Promise.resolve(this.value);
      }
      this.#promise.catch(noop);
    }
    return this.#promise;
  }

  settle(value: V | undefined): void {
    this.#settled = true;
    this.value = value;
    this.#resolve?.(value);
  }

  fail(error: unknown): void {
    this.#settled = true;
    this.failure = { error };
    this.#reject?.(error);
  }
}
