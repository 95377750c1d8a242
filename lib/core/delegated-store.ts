import type { Observable } from 'rxjs';
import { raceAbort } from './abort.js';
import type { BackFillCallback, BackFillEvent } from './backfill-event.js';
import { BackFiller, type BackFillEntry } from './backfill.js';
import { ConfigurationError, NotFoundError, StoreClosedError, WriteFailedError } from './errors.js';
import type { InvalidationBus } from './invalidation-bus.js';
import {
  FlightTable,
  type KeyFlight,
  type ReadTicket,
  type SharedLoad,
  type SharedWalk,
} from './key-flight.js';
import { LayerRuntime, validateLayers } from './layer-runtime.js';
import type { Middleware, OperationContext, OperationFunc, OperationOptions } from './operation.js';
import { OpContext, type InternalFields } from './operation-context.js';
import type { DelegatedStoreConfig, DelegatedStoreOption, StoreErrorSource } from './options.js';
import type { StoreStats } from './stats.js';
import type { Layer, ValueWithExpiry } from './store.js';

type Loader<K, V> = (key: K) => Promise<V | undefined>;
type ServedCallback = (layerName: string | undefined) => void;

const DEFAULT_MAX_PENDING_BACKFILLS = 10_000;
const noop = () => {};
/** A key whose read failed in a batch: a miss that is counted as an error, not as a miss. */
const FAILED_READ: ValueWithExpiry<never> = Object.freeze({ value: undefined as never });

/**
 * Several storage layers behind one store. A read walks the layers from the fastest to the slowest and
 * writes a value found low down back into every faster layer, in the background (the backfill). A write
 * goes to the primary layer first, then to the others. Every operation passes through the middleware chain.
 */
export class DelegatedStore<K, V> {
  readonly #layers: LayerRuntime<K, V>[];
  readonly #primary: LayerRuntime<K, V> | undefined;
  /** For each layer index, the layers above it: the targets of a backfill from there. */
  readonly #above: LayerRuntime<K, V>[][];
  /** The non-primary layers: the targets of a load's write. */
  readonly #caches: LayerRuntime<K, V>[];
  /** Layer 0 when its store can answer synchronously: a hit then costs no promise chain. */
  readonly #syncLayer: LayerRuntime<K, V> | undefined;
  /** The sync layer while the store has no middleware and is open: `get` then reads it directly. */
  #hotLayer: LayerRuntime<K, V> | undefined;
  readonly #middlewares: Middleware<K, V>[];
  #chain: OperationFunc<K, V>;
  readonly #flights = new FlightTable<K, V>();
  readonly #backFiller: BackFiller<K, V>;
  readonly #errorHandlers: DelegatedStoreConfig<K, V>['errorHandlers'];
  readonly #bus: InvalidationBus | undefined;
  readonly #writes = new Set<Promise<unknown>>();
  #loads = 0;
  #closing: Promise<void> | undefined;

  /** One event per layer written by a backfill or a load, after the write succeeded. */
  readonly backFill$: Observable<BackFillEvent<K, V>>;

  constructor(layers: Layer<K, V>[], ...options: DelegatedStoreOption<K, V>[]) {
    validateLayers<K, V>(layers);
    const config: DelegatedStoreConfig<K, V> = {
      backFillCallbacks: [],
      middlewares: [],
      errorHandlers: [],
      maxPendingBackFills: DEFAULT_MAX_PENDING_BACKFILLS,
    };
    options.forEach((option, index) => {
      if (typeof option !== 'function') {
        throw new ConfigurationError(
          `option ${index} must be a function such as withMiddleware(...), got ${option === null ? 'null' : typeof option}`,
        );
      }
      option(config);
    });
    this.#layers = layers.map((layer, index) => new LayerRuntime(layer, index));
    this.#primary = this.#layers.find((layer) => layer.primary);
    this.#above = this.#layers.map((_layer, index) => this.#layers.slice(0, index));
    this.#caches = this.#layers.filter((layer) => !layer.primary);
    const first = this.#layers[0];
    this.#syncLayer = typeof first.store.getSync === 'function' && !first.primary ? first : undefined;
    this.#errorHandlers = config.errorHandlers;
    this.#backFiller = new BackFiller(
      config.backFillCallbacks,
      config.maxPendingBackFills,
      this.#reportError,
    );
    this.backFill$ = this.#backFiller.events$;
    this.#middlewares = [...config.middlewares];
    this.#chain = this.#compose();
    this.#bus = config.bus;
    if (this.#bus) this.#subscribeToBus(this.#bus);
  }

  // ── Public operations: check the input, build the context, enter the chain ──────────────────────────

  get(key: K, options?: OperationOptions): Promise<V | undefined> {
    const hot = this.#hotLayer;
    if (hot !== undefined && options === undefined && key !== undefined && key !== null) {
      // The hot path (no middleware, no options, layer 0 synchronous): a hit costs one lookup and a promise.
      let value: V | undefined;
      try {
        value = hot.store.getSync!(key);
      } catch {
        return this.#get(undefined, key);
      }
      if (value !== undefined) {
        hot.hits++;
        return Promise.resolve(value);
      }
      return this.#read(undefined, key, undefined);
    }
    const invalid = this.#checkKey(key, 'get') ?? this.#checkOptions(options);
    if (invalid) return invalid;
    if (options === undefined && this.#middlewares.length === 0) return this.#get(undefined, key);
    return this.#enter(this.#context('get', options), key, undefined);
  }

  async set(key: K, value: V, options?: OperationOptions): Promise<void> {
    const invalid =
      this.#checkKey(key, 'set') ??
      (value === undefined
        ? Promise.reject(new TypeError('set: value must not be undefined (use delete)'))
        : undefined) ??
      this.#checkOptions(options);
    if (invalid) return invalid as Promise<never>;
    await this.#enter(this.#context('set', options), key, value);
  }

  async delete(key: K, options?: OperationOptions): Promise<void> {
    const invalid = this.#checkKey(key, 'delete') ?? this.#checkOptions(options);
    if (invalid) return invalid as Promise<never>;
    await this.#enter(this.#context('delete', options), key, undefined);
  }

  getOrLoad(key: K, loader: Loader<K, V>, options?: OperationOptions): Promise<V | undefined> {
    const invalid =
      this.#checkKey(key, 'getOrLoad') ??
      (typeof loader !== 'function'
        ? Promise.reject(new TypeError('getOrLoad: loader must be a function (key) => Promise<value>'))
        : undefined) ??
      this.#checkOptions(options);
    if (invalid) return invalid;
    return this.#enter(this.#context('getOrLoad', options, loader), key, undefined);
  }

  getMany(keys: readonly K[], options?: OperationOptions): Promise<Array<V | undefined>> {
    if (!Array.isArray(keys)) return Promise.reject(new TypeError('getMany: keys must be an array'));
    for (const key of keys) {
      const invalid = this.#checkKey(key, 'getMany');
      if (invalid) return invalid as Promise<never>;
    }
    const invalid = this.#checkOptions(options);
    if (invalid) return invalid as Promise<never>;
    const run = this.#enter(this.#context('getMany', options), keys as unknown as K, undefined);
    return run as unknown as Promise<Array<V | undefined>>;
  }

  // ── Configuration at run time ─────────────────────────────────────────────────────────────────────────

  /** Appends a callback, called after each successful backfill or load write. */
  onBackFill(callback: BackFillCallback<K, V>): void {
    if (typeof callback !== 'function')
      throw new ConfigurationError('onBackFill: the callback must be a function');
    this.#backFiller.callbacks.push(callback);
  }

  /** Removes every callback, those given as options too. */
  clearBackFillCallbacks(): void {
    this.#backFiller.callbacks.length = 0;
  }

  /** Adds middlewares; the last one added runs first. The chain is composed here, not per operation. */
  use(...middlewares: Middleware<K, V>[]): void {
    middlewares.forEach((middleware, index) => {
      if (typeof middleware !== 'function') {
        throw new ConfigurationError(`use: middleware ${index} must be a function, got ${typeof middleware}`);
      }
    });
    const previous = this.#middlewares.length;
    this.#middlewares.push(...middlewares);
    try {
      this.#chain = this.#compose();
    } catch (error) {
      this.#middlewares.length = previous;
      throw error;
    }
  }

  stats(): StoreStats {
    return {
      layers: this.#layers.map((layer) => layer.stats()),
      loads: this.#loads,
      droppedBackFills: this.#backFiller.dropped,
    };
  }

  /** Resolves when every backfill scheduled before the call has settled. */
  drain(): Promise<void> {
    return this.#backFiller.drain();
  }

  /** Drains, closes the bus and every layer store that has close(), completes backFill$. Idempotent. */
  close(): Promise<void> {
    this.#hotLayer = undefined;
    this.#closing ??= this.#close();
    return this.#closing;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The layers' names, in order. */
  get layerNames(): string[] {
    return this.#layers.map((layer) => layer.name);
  }

  // ── The chain ─────────────────────────────────────────────────────────────────────────────────────────

  #compose(): OperationFunc<K, V> {
    let chain: OperationFunc<K, V> = this.#dispatch;
    for (const middleware of this.#middlewares) {
      chain = middleware(chain);
      if (typeof chain !== 'function') {
        throw new ConfigurationError('a middleware must return a function (ctx, key, value) => Promise');
      }
    }
    this.#hotLayer = this.#middlewares.length === 0 && !this.#closing ? this.#syncLayer : undefined;
    return chain;
  }

  /** Enters the chain; a middleware that throws synchronously rejects the call instead of throwing. */
  #enter(ctx: OperationContext, key: K, value: V | undefined): Promise<V | undefined> {
    try {
      return this.#chain(ctx, key, value);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The bottom of the chain: the operation itself. */
  readonly #dispatch: OperationFunc<K, V> = (ctx, key, value) => {
    if (this.#closing) return Promise.reject(new StoreClosedError());
    const internal = ctx as OperationContext & InternalFields<K, V>;
    switch (ctx.operation) {
      case 'get':
        return this.#get(ctx, key, internal.onServed);
      case 'getOrLoad':
        if (typeof internal.loader !== 'function') {
          return Promise.reject(
            new TypeError(
              'getOrLoad: the context that reached the store has no loader; pass ctx (or { ...ctx }) to next',
            ),
          );
        }
        return this.#getOrLoad(ctx, key, internal.loader, internal.ttl, internal.onServed);
      case 'set':
        return this.#trackWrite(this.#write(ctx, key, value, internal.ttl)).then(() => value);
      case 'delete':
        return this.#trackWrite(this.#write(ctx, key, undefined, undefined)).then(() => undefined);
      case 'getMany':
        return this.#getMany(ctx, key as unknown as readonly K[]) as unknown as Promise<V | undefined>;
      default:
        return Promise.reject(new TypeError(`unknown operation "${String(ctx.operation)}"`));
    }
  };

  #context(operation: OperationContext['operation'], options?: OperationOptions, loader?: Loader<K, V>) {
    return new OpContext<K, V>(
      operation,
      options?.signal,
      options?.metadata ?? {},
      options?.ttl,
      loader,
      options?.onServed,
    );
  }

  #checkKey(key: K, operation: string): Promise<never> | undefined {
    if (key === undefined || key === null) {
      return Promise.reject(new TypeError(`${operation}: key must not be ${String(key)}`));
    }
    if (this.#closing) return Promise.reject(new StoreClosedError());
    return undefined;
  }

  #checkOptions(options: OperationOptions | undefined): Promise<never> | undefined {
    if (options === undefined) return undefined;
    if (options === null || typeof options !== 'object') {
      return Promise.reject(new TypeError('options must be an object { signal?, metadata?, ttl? }'));
    }
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    if (
      options.ttl !== undefined &&
      !(typeof options.ttl === 'number' && Number.isFinite(options.ttl) && options.ttl > 0)
    ) {
      return Promise.reject(
        new TypeError(`options.ttl must be a finite number of milliseconds > 0, got ${String(options.ttl)}`),
      );
    }
    return undefined;
  }

  // ── Reading ───────────────────────────────────────────────────────────────────────────────────────────

  /** A get: layer 0 synchronously when it can, else a walk shared with every concurrent reader of the key. */
  #get(ctx: OperationContext | undefined, key: K, onServed?: ServedCallback): Promise<V | undefined> {
    const sync = this.#syncLayer;
    if (sync !== undefined) {
      let value: V | undefined;
      try {
        value = sync.store.getSync!(key);
      } catch (error) {
        sync.errors++;
        this.#reportError(error, { kind: 'layer', layerName: sync.name, operation: 'get' });
      }
      if (value !== undefined) {
        sync.hits++;
        onServed?.(sync.name);
        return Promise.resolve(value);
      }
    }
    return this.#read(ctx, key, onServed);
  }

  #read(
    ctx: OperationContext | undefined,
    key: K,
    onServed: ServedCallback | undefined,
  ): Promise<V | undefined> {
    const flight = this.#flights.open(key);
    let walk = flight.walk;
    const starts = walk === undefined;
    if (walk === undefined) {
      walk = {
        stale: flight.writing > 0,
        pendingWrite: undefined,
        promise: undefined!,
        active: 0,
        abortReason: undefined,
        servedBy: -1,
      };
      flight.walk = walk;
      flight.readers.add(walk);
    }
    walk.active++;
    const signal = ctx?.signal;
    if (starts) {
      walk.promise = this.#walk(walk, flight, ctx ?? this.#context('get'), key);
      walk.promise.catch(noop);
    }
    const shared = walk;
    const read = onServed
      ? shared.promise.then((value) => (onServed(this.#servedName(shared)), value))
      : shared.promise;
    if (signal === undefined) return read;
    return raceAbort(read, signal, () => {
      shared.active--;
      shared.abortReason = signal.reason;
    });
  }

  /** Reads the layers in order; the first value found wins and is written back above it. */
  async #walk(
    walk: SharedWalk<V>,
    flight: KeyFlight<V>,
    ctx: OperationContext,
    key: K,
  ): Promise<V | undefined> {
    const layers = this.#layers;
    let found = -1;
    let value: V | undefined;
    let expiresAt: number | undefined;
    try {
      for (let i = this.#syncLayer ? 1 : 0; i < layers.length; i++) {
        if (walk.active === 0) throw walk.abortReason;
        const layer = layers[i];
        try {
          if (i === 0) {
            value = await layer.get(key);
          } else {
            const entry = await layer.getWithExpiry(key);
            value = entry?.value;
            expiresAt = entry?.expiresAt;
          }
        } catch (error) {
          if (error instanceof NotFoundError) {
            value = undefined;
          } else {
            layer.errors++;
            if (layer.primary) throw error;
            this.#reportError(error, { kind: 'layer', layerName: layer.name, operation: ctx.operation });
            continue;
          }
        }
        if (value !== undefined) {
          layer.hits++;
          found = i;
          walk.servedBy = i;
          break;
        }
        layer.misses++;
      }
    } catch (error) {
      this.#endRead(walk, flight, key);
      throw error;
    }
    if (this.#syncLayer) this.#syncLayer.misses++;
    if (found > 0 && !walk.stale) {
      // The walk stays joinable until its backfill is done: a reader arriving meanwhile gets its value
      // instead of reading the layers again. A write detaches it.
      this.#backFiller.schedule(
        {
          ctx,
          entries: [{ key, value: value as V, expiresAt, ticket: walk }],
          targets: this.#above[found],
          sourceLayerIndex: found,
          ttl: undefined,
        },
        () => this.#endRead(walk, flight, key),
      );
    } else {
      if (found > 0) this.#backFiller.dropped++;
      this.#endRead(walk, flight, key);
    }
    return value;
  }

  #endRead(reader: ReadTicket, flight: KeyFlight<V>, key: K): void {
    if (flight.walk === reader) flight.walk = undefined;
    if (flight.load === reader) flight.load = undefined;
    flight.readers.delete(reader);
    this.#flights.release(key, flight);
  }

  #servedName(walk: SharedWalk<V>): string | undefined {
    return walk.servedBy >= 0 ? this.#layers[walk.servedBy].name : undefined;
  }

  async #getOrLoad(
    ctx: OperationContext,
    key: K,
    loader: Loader<K, V>,
    ttl: number | undefined,
    onServed: ServedCallback | undefined,
  ): Promise<V | undefined> {
    const flight = this.#flights.open(key);
    // A load in flight will write the value: walking the layers now could only miss, so join it; unless
    // it was born stale (its walk overlapped a write), which makes it older than this call.
    let load = flight.load?.stale ? undefined : flight.load;
    if (load === undefined) {
      // Watches the walk: a write of the key that overlaps it makes the load that follows stale too.
      const watch: ReadTicket = { stale: flight.writing > 0, pendingWrite: undefined };
      flight.readers.add(watch);
      let servedBy: string | undefined;
      let cached: V | undefined;
      try {
        cached = await this.#get(ctx, key, onServed && ((name) => (servedBy = name)));
      } catch (error) {
        flight.readers.delete(watch);
        this.#flights.release(key, flight);
        throw error;
      }
      flight.readers.delete(watch);
      if (cached !== undefined) {
        this.#flights.release(key, flight);
        onServed?.(servedBy);
        return cached;
      }
      load = flight.load ?? flight.settledLoad;
      if (load === undefined || (load.stale && !watch.stale)) {
        load = this.#startLoad(flight, ctx, key, loader, ttl, watch.stale);
      }
    }
    const loaded = ctx.signal ? await raceAbort(load.promise, ctx.signal) : await load.promise;
    onServed?.(loaded === undefined ? undefined : 'loader');
    return loaded;
  }

  #startLoad(
    flight: KeyFlight<V>,
    ctx: OperationContext,
    key: K,
    loader: Loader<K, V>,
    ttl: number | undefined,
    stale: boolean,
  ): SharedLoad<V> {
    const load: SharedLoad<V> = {
      stale: stale || flight.writing > 0,
      pendingWrite: undefined,
      promise: undefined!,
    };
    flight.load = load;
    flight.readers.add(load);
    this.#loads++;
    load.promise = callLoader(loader, key).then(
      (value) => {
        if (!load.stale) flight.settledLoad = load;
        const targets = this.#caches;
        if (value !== undefined && !load.stale && targets.length > 0) {
          this.#backFiller.schedule(
            {
              ctx,
              entries: [{ key, value, expiresAt: undefined, ticket: load }],
              targets,
              sourceLayerIndex: this.#layers.length,
              ttl,
            },
            () => this.#endRead(load, flight, key),
          );
        } else {
          if (value !== undefined && load.stale) this.#backFiller.dropped++;
          this.#endRead(load, flight, key);
        }
        return value;
      },
      (error: unknown) => {
        if (!load.stale) flight.settledLoad = load;
        this.#endRead(load, flight, key);
        throw error;
      },
    );
    load.promise.catch(noop);
    return load;
  }

  /** One batch per layer for the keys still missing; each key then follows the get rules. */
  async #getMany(ctx: OperationContext, keys: readonly K[]): Promise<Array<V | undefined>> {
    const values: Array<V | undefined> = new Array(keys.length);
    const own: BatchEntry<K, V>[] = [];
    // Per key of this call: the entry it walks itself, or the walk of another reader it shares.
    const seen = new Map<K, { entry: BatchEntry<K, V> } | { shared: SharedWalk<V> }>();
    let joined: Array<[position: number, walk: SharedWalk<V>]> | undefined;
    for (let position = 0; position < keys.length; position++) {
      const key = keys[position];
      let reader = seen.get(key);
      if (reader === undefined) {
        const flight = this.#flights.open(key);
        if (flight.walk !== undefined) {
          // Another reader of the key is walking: share its walk, as concurrent gets do.
          flight.walk.active++;
          reader = { shared: flight.walk };
        } else {
          const entry = new BatchEntry<K, V>(key, flight);
          flight.walk = entry;
          flight.readers.add(entry);
          own.push(entry);
          reader = { entry };
        }
        seen.set(key, reader);
      }
      if ('entry' in reader) reader.entry.positions.push(position);
      else (joined ??= []).push([position, reader.shared]);
    }
    const run = async () => {
      if (own.length > 0) await this.#walkBatch(ctx, own);
      for (const entry of own) {
        if (entry.failure !== undefined) throw entry.failure.error;
        for (const position of entry.positions) values[position] = entry.value;
      }
      if (joined) for (const [position, walk] of joined) values[position] = await walk.promise;
      return values;
    };
    return ctx.signal ? raceAbort(run(), ctx.signal) : run();
  }

  /** Walks the layers for the keys of a getMany; each entry ends with its value or its failure. */
  async #walkBatch(ctx: OperationContext, entries: BatchEntry<K, V>[]): Promise<void> {
    let missing = entries;
    try {
      for (const layer of this.#layers) {
        if (missing.length === 0) break;
        if (ctx.signal?.aborted) throw ctx.signal.reason;
        const values = await this.#readBatch(layer, missing, ctx);
        const stillMissing: BatchEntry<K, V>[] = [];
        const found: BackFillEntry<K, V>[] = [];
        const settled: BatchEntry<K, V>[] = [];
        missing.forEach((entry, i) => {
          const answer = values[i];
          if (answer === undefined || answer.value === undefined) {
            if (answer !== FAILED_READ) layer.misses++;
            stillMissing.push(entry);
            return;
          }
          layer.hits++;
          entry.servedBy = layer.index;
          if (layer.index > 0 && !entry.stale) {
            found.push({ key: entry.key, value: answer.value, expiresAt: answer.expiresAt, ticket: entry });
          } else {
            if (layer.index > 0) this.#backFiller.dropped++;
            settled.push(entry);
          }
          entry.settle(answer.value);
        });
        for (const entry of settled) this.#endRead(entry, entry.flight, entry.key);
        if (found.length > 0) this.#backFillBatch(ctx, layer.index, found);
        missing = stillMissing;
      }
      for (const entry of missing) {
        entry.settle(undefined);
        this.#endRead(entry, entry.flight, entry.key);
      }
    } catch (error) {
      for (const entry of missing) {
        entry.fail(error);
        this.#endRead(entry, entry.flight, entry.key);
      }
    }
  }

  /** The keys of a getMany found in one layer are written back together: one setMany per layer above. */
  #backFillBatch(ctx: OperationContext, found: number, entries: BackFillEntry<K, V>[]): void {
    this.#backFiller.schedule(
      { ctx, entries, targets: this.#above[found], sourceLayerIndex: found, ttl: undefined },
      () => {
        for (const { ticket } of entries) {
          const entry = ticket as BatchEntry<K, V>;
          this.#endRead(entry, entry.flight, entry.key);
        }
      },
    );
  }

  /**
   * One layer's answer for a batch: an entry per key, `undefined` for a miss. A cache layer that fails
   * is a miss for the keys it failed (all of them for a failed batch call); a failing primary rejects.
   */
  async #readBatch(
    layer: LayerRuntime<K, V>,
    entries: BatchEntry<K, V>[],
    ctx: OperationContext,
  ): Promise<Array<ValueWithExpiry<V> | undefined>> {
    const keys = entries.map((entry) => entry.key);
    const store = layer.store;
    const withExpiry = layer.index > 0;
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
        return values.map((value) => (value === undefined ? undefined : { value }));
      } catch (error) {
        if (error instanceof NotFoundError) return keys.map(() => undefined);
        this.#layerReadFailed(layer, error, ctx);
        return keys.map(() => FAILED_READ);
      }
    }
    const outcomes = await Promise.allSettled(
      keys.map((key) => (withExpiry ? layer.getWithExpiry(key) : layer.get(key).then(wrapValue))),
    );
    return outcomes.map((outcome) => {
      if (outcome.status === 'fulfilled') return outcome.value;
      if (outcome.reason instanceof NotFoundError) return undefined;
      this.#layerReadFailed(layer, outcome.reason, ctx);
      return FAILED_READ;
    });
  }

  /** A failed read: counted, and for a cache layer reported; a failing primary fails the read. */
  #layerReadFailed(layer: LayerRuntime<K, V>, error: unknown, ctx: OperationContext): void {
    layer.errors++;
    if (layer.primary) throw error;
    this.#reportError(error, { kind: 'layer', layerName: layer.name, operation: ctx.operation });
  }

  // ── Writing ───────────────────────────────────────────────────────────────────────────────────────────

  #trackWrite(write: Promise<void>): Promise<void> {
    this.#writes.add(write);
    return write.finally(() => this.#writes.delete(write));
  }

  /**
   * A set (value given) or a delete (value undefined). Writes of one key are serialised, and each waits
   * for the layer writes that readers of the key still have in flight, so the write always lands last.
   */
  async #write(ctx: OperationContext, key: K, value: V | undefined, ttl: number | undefined): Promise<void> {
    const flight = this.#flights.open(key);
    flight.writing++;
    flight.overlapWrite();
    const readerWrites = flight.pendingReaderWrites();
    const previous = flight.lastWrite;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    flight.lastWrite = done;
    try {
      if (previous) await previous;
      if (readerWrites.length > 0) await Promise.allSettled(readerWrites);
      if (this.#primary) {
        await this.#writeLayer(this.#primary, key, value, this.#primary.ttl);
        await Promise.all(
          this.#layers.map((layer) =>
            layer.primary ? undefined : this.#writeCacheLayer(ctx, layer, key, value, ttl ?? layer.ttl),
          ),
        );
      } else {
        await this.#writeWithoutPrimary(ctx, key, value, ttl);
      }
    } finally {
      flight.writing--;
      flight.overlapWrite();
      finish();
      if (flight.lastWrite === done) flight.lastWrite = undefined;
      this.#flights.release(key, flight);
    }
    this.#publish(key);
  }

  #writeLayer(
    layer: LayerRuntime<K, V>,
    key: K,
    value: V | undefined,
    ttl: number | undefined,
  ): Promise<void> {
    return value === undefined ? layer.delete(key) : layer.set(key, value, ttl);
  }

  /** A cache layer's write never fails the call: on failure the key is deleted there, so it cannot serve old data. */
  async #writeCacheLayer(
    ctx: OperationContext,
    layer: LayerRuntime<K, V>,
    key: K,
    value: V | undefined,
    ttl: number | undefined,
  ): Promise<void> {
    try {
      await this.#writeLayer(layer, key, value, ttl);
    } catch (error) {
      layer.errors++;
      this.#reportError(error, { kind: 'layer', layerName: layer.name, operation: ctx.operation });
      if (value !== undefined) await layer.delete(key).catch(noop);
    }
  }

  async #writeWithoutPrimary(
    ctx: OperationContext,
    key: K,
    value: V | undefined,
    ttl: number | undefined,
  ): Promise<void> {
    const outcomes = await Promise.allSettled(
      this.#layers.map((layer) => this.#writeLayer(layer, key, value, ttl ?? layer.ttl)),
    );
    const errors: unknown[] = [];
    const cleanups: Promise<unknown>[] = [];
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') return;
      const layer = this.#layers[index];
      layer.errors++;
      errors.push(outcome.reason);
      if (value !== undefined) cleanups.push(layer.delete(key).catch(noop));
    });
    if (cleanups.length > 0) await Promise.all(cleanups);
    if (errors.length === this.#layers.length) {
      if (errors.length === 1) throw errors[0];
      throw new WriteFailedError(
        `${ctx.operation}: every layer failed (${this.layerNames.join(', ')})`,
        errors,
      );
    }
    errors.forEach((error) => this.#reportError(error, { kind: 'layer', operation: ctx.operation }));
  }

  // ── Other instances ───────────────────────────────────────────────────────────────────────────────────

  #publish(key: K): void {
    if (this.#bus === undefined) return;
    this.#bus.publish([String(key)]).catch((error: unknown) => this.#reportError(error, { kind: 'bus' }));
  }

  #subscribeToBus(bus: InvalidationBus): void {
    const onKeys = (keys: string[]) => {
      for (const key of keys) void this.#invalidateLocal(key as unknown as K);
    };
    bus.subscribe(onKeys).catch((error: unknown) => this.#reportError(error, { kind: 'bus' }));
  }

  /** Another instance wrote the key: drop our local copies and every backfill of it in flight. */
  async #invalidateLocal(key: K): Promise<void> {
    if (this.#closing) return;
    const flight = this.#flights.open(key);
    flight.writing++;
    flight.overlapWrite();
    const readerWrites = flight.pendingReaderWrites();
    try {
      if (readerWrites.length > 0) await Promise.allSettled(readerWrites);
      await Promise.all(
        this.#layers
          .filter((layer) => layer.local)
          .map((layer) =>
            layer.delete(key).catch((error: unknown) => {
              layer.errors++;
              this.#reportError(error, { kind: 'bus', layerName: layer.name });
            }),
          ),
      );
    } finally {
      flight.writing--;
      flight.overlapWrite();
      this.#flights.release(key, flight);
    }
  }

  // ── Lifecycle and reporting ───────────────────────────────────────────────────────────────────────────

  async #close(): Promise<void> {
    await Promise.allSettled([...this.#writes]);
    await this.#backFiller.drain();
    if (this.#bus)
      await this.#bus.close().catch((error: unknown) => this.#reportError(error, { kind: 'bus' }));
    const outcomes = await Promise.allSettled(this.#layers.map((layer) => layer.close()));
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'rejected') {
        this.#reportError(outcome.reason, {
          kind: 'layer',
          layerName: this.#layers[index].name,
          operation: 'close',
        });
      }
    });
    this.#backFiller.complete();
  }

  readonly #reportError = (error: unknown, source: StoreErrorSource): void => {
    for (const handler of this.#errorHandlers) {
      try {
        handler(error, source);
      } catch {
        // An error handler that throws must not turn a contained failure into a crash.
      }
    }
  };
}

function callLoader<K, V>(loader: Loader<K, V>, key: K): Promise<V | undefined> {
  try {
    return Promise.resolve(loader(key));
  } catch (error) {
    return Promise.reject(error);
  }
}

function wrapValue<V>(value: V | undefined): ValueWithExpiry<V> | undefined {
  return value === undefined ? undefined : { value };
}

function checkBatch(values: unknown, expected: number, layerName: string): void {
  if (!Array.isArray(values) || values.length !== expected) {
    throw new TypeError(
      `layer "${layerName}" answered a batch of ${expected} keys with ${Array.isArray(values) ? `${values.length} values` : String(values)}`,
    );
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
  servedBy = -1;
  /** The positions of this key in the getMany's key list (duplicates allowed). */
  readonly positions: number[] = [];
  value: V | undefined = undefined;
  failure: { error: unknown } | undefined = undefined;
  #settled = false;
  #promise: Promise<V | undefined> | undefined;
  #resolve: ((value: V | undefined) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;

  constructor(
    readonly key: K,
    readonly flight: KeyFlight<V>,
  ) {
    this.stale = flight.writing > 0;
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
