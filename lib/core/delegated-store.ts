import type { Observable } from 'rxjs';
import type { BackFillCallback, BackFillEvent } from './backfill-event.js';
import { BatchRead } from './batch-read.js';
import { ChangeCallbacks } from './change-callbacks.js';
import { ConfigurationError, StoreClosedError, describeValue } from './errors.js';
import { CLEAR_ALL_KEYS, type InvalidationBus } from './invalidation-bus.js';
import { RESERVED_PROPERTY } from './known-miss.js';
import type { LayerRuntime } from './layer-runtime.js';
import { validateLayers } from './layer-runtime.js';
import { LayerStack } from './layer-stack.js';
import type { Middleware, OperationContext, OperationFunc, OperationOptions } from './operation.js';
import { OpContext, type InternalFields } from './operation-context.js';
import type { DelegatedStoreConfig, DelegatedStoreOption, StoreErrorSource } from './options.js';
import { ReadPath, type Loader } from './read-path.js';
import type { StoreStats } from './stats.js';
import type { Layer } from './store.js';
import { WritePath } from './write-path.js';

const DEFAULT_MAX_PENDING_BACKFILLS = 10_000;
const noop = (): undefined => undefined;

/** The options of `clear()`. */
export interface ClearOptions extends OperationOptions {
  /** Empties every layer but the primary: the cache purge, which leaves the source of truth alone. */
  cachesOnly?: boolean;
}

/**
 * Several storage layers behind one store. A read walks the layers from the fastest to the slowest and
 * writes a value found low down back into every faster layer, in the background (the backfill). A write
 * goes to the primary layer first, then to the others. Every operation passes through the middleware chain.
 */
export class DelegatedStore<K, V> {
  readonly #stack: LayerStack<K, V>;
  readonly #reader: ReadPath<K, V>;
  readonly #batchReader: BatchRead<K, V>;
  readonly #writer: WritePath<K, V>;
  /** Layer 0 when it answers synchronously, while the store has no middleware and is open: `get` reads it directly. */
  #hotLayer: LayerRuntime<K, V> | undefined;
  /** No middleware and not closing: a getOrLoad without options may take the shared plain path. */
  #plainLoads = false;
  readonly #middlewares: Middleware<K, V>[];
  #chain: OperationFunc<K, V>;
  readonly #errorHandlers: DelegatedStoreConfig<K, V>['errorHandlers'];
  readonly #bus: InvalidationBus | undefined;
  /** Bus publishes in flight, which close() lets finish before it closes the bus. */
  readonly #publishes = new Set<Promise<void>>();
  /** The layers as configured, for getLayer(). */
  readonly #layers: ReadonlyArray<Readonly<Layer<K, V>>>;
  /** Writes in progress, which close() waits for; `#writesIdle` is close() waiting. */
  #writesInFlight = 0;
  #writesIdle: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  /** One event per layer written by a backfill or a load, after the write succeeded. */
  readonly backFill$: Observable<BackFillEvent<K, V>>;

  constructor(layers: Layer<K, V>[], ...options: DelegatedStoreOption<K, V>[]) {
    validateLayers<K, V>(layers);
    const config: DelegatedStoreConfig<K, V> = {
      backFillCallbacks: [],
      onChange: [],
      onDelete: [],
      middlewares: [],
      errorHandlers: [],
      maxPendingBackFills: DEFAULT_MAX_PENDING_BACKFILLS,
      staleTimeout: 0,
      negativeTtl: undefined,
      ttlJitter: 0,
    };
    options.forEach((option, index) => {
      if (typeof option !== 'function') {
        throw new ConfigurationError(
          `option ${index} must be a function such as withMiddleware(...), got ${describeValue(option)}`,
        );
      }
      option(config);
    });
    this.#errorHandlers = config.errorHandlers;
    this.#stack = new LayerStack(layers, config, this.#reportError);
    this.#layers = layers.map((layer, index) =>
      Object.freeze({ ...layer, name: this.#stack.layers[index].name }),
    );
    this.#reader = new ReadPath(this.#stack);
    this.#batchReader = new BatchRead(this.#stack, this.#reader.refresher);
    this.#writer = new WritePath(
      this.#stack,
      new ChangeCallbacks(config.onChange, config.onDelete, this.#reportError),
    );
    this.backFill$ = this.#stack.backFiller.events$;
    this.#middlewares = [...config.middlewares];
    this.#chain = this.#compose();
    this.#bus = config.bus;
    if (this.#bus) this.#subscribeToBus(this.#bus);
  }

  // ── Public operations: check the input, build the context, enter the chain ──────────────────────────

  /**
   * The first value in layer order, or `undefined`. A value found below layer 0 is written back into the
   * faster layers in the background, unless a write of the key overlapped the read. A failing cache layer
   * is a miss; a failing primary rejects.
   */
  get(key: K, options?: OperationOptions): Promise<V | undefined> {
    const hot = this.#hotLayer;
    if (hot !== undefined && options === undefined && key !== undefined && key !== null) {
      // The hot path (no middleware, no options, layer 0 synchronous): a hit costs one lookup and a promise.
      let value: V | undefined;
      try {
        value = hot.store.getSync!(key);
      } catch {
        return this.#reader.get(undefined, key);
      }
      if (value !== undefined) {
        hot.hits++;
        return Promise.resolve(value);
      }
      return this.#reader.walk(undefined, key, undefined);
    }
    const invalid = this.#checkKey(key, 'get') ?? this.#checkOptions(options);
    if (invalid) return invalid;
    if (options === undefined && this.#middlewares.length === 0) return this.#reader.get(undefined, key);
    return this.#enter(this.#context('get', options), key, undefined);
  }

  /**
   * Writes the primary first (its failure rejects, nothing else is touched), then the other layers at once;
   * a cache layer that fails loses the key instead. `options.ttl` replaces the cache layers' ttl.
   */
  async set(key: K, value: V, options?: OperationOptions): Promise<void> {
    const invalid =
      this.#checkKey(key, 'set') ?? this.#checkValue(value, 'set') ?? this.#checkOptions(options);
    if (invalid) return invalid;
    await this.#enter(this.#context('set', options), key, value);
  }

  /** Deletes the key like `set` writes it: the primary first, then the other layers. */
  async delete(key: K, options?: OperationOptions): Promise<void> {
    const invalid = this.#checkKey(key, 'delete') ?? this.#checkOptions(options);
    if (invalid) return invalid;
    await this.#enter(this.#context('delete', options), key, undefined);
  }

  /**
   * A `get`; on a miss, calls `loader(key)` once for all concurrent callers and writes its result (unless
   * `undefined`) to every cache layer without delaying them. A rejection caches nothing.
   */
  getOrLoad(
    key: K,
    loader: (key: K) => Promise<V | undefined>,
    options?: OperationOptions,
  ): Promise<V | undefined> {
    if (this.#plainLoads && options === undefined && key !== undefined && key !== null) {
      if (typeof loader === 'function') {
        // No middleware, no options: a layer-0 hit costs one lookup; concurrent misses share one promise.
        const hot = this.#hotLayer;
        if (hot !== undefined) {
          let value: V | undefined;
          try {
            value = hot.store.getSync!(key);
          } catch {
            value = undefined;
          }
          if (value !== undefined) {
            hot.hits++;
            return Promise.resolve(value);
          }
        }
        return this.#reader.getOrLoadPlain(key, loader);
      }
    }
    const invalid =
      this.#checkKey(key, 'getOrLoad') ??
      (typeof loader !== 'function'
        ? Promise.reject(
            new TypeError(
              `getOrLoad: loader must be a function (key) => Promise<value>, got ${describeValue(loader)}`,
            ),
          )
        : undefined) ??
      this.#checkOptions(options);
    if (invalid) return invalid;
    return this.#enter(this.#context('getOrLoad', options, loader), key, undefined);
  }

  /**
   * One value (or `undefined`) per key, in order; each layer is asked once, only for the keys still missing.
   * Passes the middleware chain once, with the array as the key.
   */
  getMany(keys: readonly K[], options?: OperationOptions): Promise<Array<V | undefined>> {
    const invalid = this.#checkKeys(keys, 'getMany') ?? this.#checkOptions(options);
    if (invalid) return invalid;
    const run = this.#enter(this.#context('getMany', options), keys as unknown as K, undefined);
    return run as unknown as Promise<Array<V | undefined>>;
  }

  /** Whether some layer holds a live value for the key (no backfill, no callback). */
  has(key: K, options?: OperationOptions): Promise<boolean> {
    const invalid = this.#checkKey(key, 'has') ?? this.#checkOptions(options);
    if (invalid) return invalid;
    return this.#enter(this.#context('has', options), key, undefined) as unknown as Promise<boolean>;
  }

  /**
   * Writes the value as `set` does and resolves the value it replaced (what a `get` would have returned
   * just before). Concurrent getSets of a key through this store take turns.
   */
  getSet(key: K, value: V, options?: OperationOptions): Promise<V | undefined> {
    const invalid =
      this.#checkKey(key, 'getSet') ?? this.#checkValue(value, 'getSet') ?? this.#checkOptions(options);
    if (invalid) return invalid;
    if (options?.cachesOnly) {
      return Promise.reject(
        new TypeError(
          'getSet: cachesOnly is not supported: the swap happens at the source of truth (use get and set with cachesOnly for the caches)',
        ),
      );
    }
    return this.#enter(this.#context('getSet', options), key, value);
  }

  /**
   * Removes the key (or every key of an array) from every cache layer, never from the primary: a fenced
   * write of the caches, published on the bus. The next read finds the value in the primary (or misses).
   */
  async invalidate(key: K | readonly K[], options?: OperationOptions): Promise<void> {
    const invalid =
      (Array.isArray(key)
        ? this.#checkKeys(key as readonly K[], 'invalidate')
        : this.#checkKey(key as K, 'invalidate')) ?? this.#checkOptions(options);
    if (invalid) return invalid;
    await this.#enter(this.#context('invalidate', options), key as K, undefined);
  }

  /**
   * Empties every layer (`clear({ cachesOnly: true })`: every layer but the primary). Fences every key: no
   * backfill or load that overlapped it writes after it, and the other instances on the bus empty their
   * local layers.
   */
  async clear(options?: ClearOptions): Promise<void> {
    const invalid = this.#checkOpen() ?? this.#checkOptions(options);
    if (invalid) return invalid;
    await this.#enter(this.#context('clear', options), undefined as K, undefined);
  }

  /**
   * The keys of the primary layer (of the last layer when none is primary), each once. The operation
   * enters the middleware chain when the iteration starts.
   */
  keys(options?: OperationOptions): AsyncIterable<K> {
    return { [Symbol.asyncIterator]: () => this.#iterateKeys(options) };
  }

  /** The layer at `index` as configured (store, primary, ttl, name, timeout, local...). */
  getLayer(index: number): Readonly<Layer<K, V>> {
    if (!Number.isInteger(index) || index < 0 || index >= this.#layers.length) {
      throw new RangeError(
        `getLayer: index must be a whole number from 0 to ${this.#layers.length - 1}, got ${describeValue(index)}`,
      );
    }
    return this.#layers[index];
  }

  // ── Configuration at run time ─────────────────────────────────────────────────────────────────────────

  /** Appends a callback, called after each successful backfill or load write. */
  onBackFill(callback: BackFillCallback<K, V>): void {
    if (typeof callback !== 'function')
      throw new ConfigurationError('onBackFill: the callback must be a function');
    this.#stack.backFiller.callbacks.push(callback);
  }

  /** Removes every callback, those given as options too. */
  clearBackFillCallbacks(): void {
    this.#stack.backFiller.callbacks.length = 0;
  }

  /** Adds middlewares; the last one added runs first. The chain is composed here, not per operation. */
  use(...middlewares: Middleware<K, V>[]): void {
    middlewares.forEach((middleware, index) => {
      if (typeof middleware !== 'function') {
        throw new ConfigurationError(
          `use: middleware ${index} must be a function, got ${describeValue(middleware)}`,
        );
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

  /** Counters since construction: per layer hits, misses, errors, backfills, and the loader calls. */
  stats(): StoreStats {
    return {
      layers: this.#stack.layers.map((layer) => layer.stats()),
      loads: this.#reader.loads,
    };
  }

  /**
   * Backfills (and load writes) dropped since construction: because a write of the same key overlapped
   * them, or because `withMaxPendingBackFills` was reached. Kept out of `stats()`, whose shape is fixed.
   */
  get droppedBackFills(): number {
    return this.#stack.backFiller.dropped;
  }

  /** Resolves when every backfill scheduled before the call (and every background refresh) has settled. */
  async drain(): Promise<void> {
    await this.#reader.refresher.drain();
    await this.#stack.backFiller.drain();
  }

  /** Drains, closes the bus and every layer store that has close(), completes backFill$. Idempotent. */
  close(): Promise<void> {
    this.#hotLayer = undefined;
    this.#plainLoads = false;
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** True once `close()` was called: every operation then rejects with StoreClosedError. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The layers' names, in order. */
  get layerNames(): string[] {
    return this.#stack.names;
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
    const sync = this.#stack.syncLayer;
    // The hot path reads layer 0 with no freshness and no known misses to tell apart.
    const plain = sync !== undefined && !sync.needsExpiry && this.#stack.negativeTtl === undefined;
    this.#hotLayer = this.#middlewares.length === 0 && !this.#closing && plain ? sync : undefined;
    this.#plainLoads = this.#middlewares.length === 0 && !this.#closing;
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
    // Without a primary every layer is a cache: cachesOnly changes nothing.
    const cachesOnly = internal.cachesOnly === true && this.#stack.primary !== undefined;
    switch (ctx.operation) {
      case 'get':
        return this.#reader.get(ctx, key, internal.onServed, cachesOnly);
      case 'getOrLoad':
        if (typeof internal.loader !== 'function') {
          return Promise.reject(
            new TypeError(
              'getOrLoad: the context that reached the store has no loader; pass ctx (or { ...ctx }) to next',
            ),
          );
        }
        return this.#reader.getOrLoad(ctx, key, internal.loader, internal.ttl, internal.onServed, cachesOnly);
      case 'getMany':
        return this.#batchReader.getMany(
          ctx,
          key as unknown as readonly K[],
          cachesOnly,
        ) as unknown as Promise<V | undefined>;
      case 'has':
        return this.#reader.has(ctx, key, cachesOnly) as unknown as Promise<V | undefined>;
      case 'set':
        if (value === undefined)
          return Promise.reject(new TypeError('set: the value that reached the store is undefined'));
        return this.#written([key], this.#writer.write(ctx, key, value, internal.ttl, cachesOnly)).then(
          () => value,
        );
      case 'delete':
        return this.#written([key], this.#writer.write(ctx, key, undefined, undefined, cachesOnly)).then(
          noop,
        );
      case 'getSet':
        if (value === undefined)
          return Promise.reject(new TypeError('getSet: the value that reached the store is undefined'));
        return this.#written([key], this.#writer.getSet(ctx, key, value, internal.ttl));
      case 'invalidate': {
        const keys = Array.isArray(key) ? (key as readonly K[]) : [key];
        if (keys.length === 0) return Promise.resolve(undefined);
        return this.#written(keys, this.#writer.invalidate(ctx, keys), true).then(noop);
      }
      case 'clear': {
        const layers = cachesOnly ? this.#stack.caches : this.#stack.layers;
        return this.#written([CLEAR_ALL_KEYS as unknown as K], this.#writer.clear(ctx, layers), true).then(
          noop,
        );
      }
      case 'keys':
        return this.#keySource() as unknown as Promise<V | undefined>;
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
      options?.cachesOnly === true,
    );
  }

  #checkKey(key: K, operation: string): Promise<never> | undefined {
    if (key === undefined || key === null) {
      return Promise.reject(new TypeError(`${operation}: key must not be ${String(key)}`));
    }
    return this.#checkOpen();
  }

  #checkKeys(keys: readonly K[], operation: string): Promise<never> | undefined {
    if (!Array.isArray(keys)) {
      return Promise.reject(new TypeError(`${operation}: keys must be an array, got ${describeValue(keys)}`));
    }
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === undefined || key === null) {
        return Promise.reject(new TypeError(`${operation}: keys[${i}] must not be ${String(key)}`));
      }
    }
    return this.#checkOpen();
  }

  #checkValue(value: V, operation: string): Promise<never> | undefined {
    if (value === undefined) {
      return Promise.reject(new TypeError(`${operation}: value must not be undefined (use delete)`));
    }
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, RESERVED_PROPERTY)) {
      return Promise.reject(
        new TypeError(
          `${operation}: the value has a property named "${RESERVED_PROPERTY}", which the store reserves for its own entries; rename it`,
        ),
      );
    }
    return undefined;
  }

  #checkOpen(): Promise<never> | undefined {
    return this.#closing ? Promise.reject(new StoreClosedError()) : undefined;
  }

  #checkOptions(options: OperationOptions | undefined): Promise<never> | undefined {
    if (options === undefined) return undefined;
    if (options === null || typeof options !== 'object') {
      return Promise.reject(
        new TypeError(
          `options must be an object { signal?, metadata?, ttl?, cachesOnly? }, got ${describeValue(options)}`,
        ),
      );
    }
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    if (
      options.ttl !== undefined &&
      !(typeof options.ttl === 'number' && Number.isFinite(options.ttl) && options.ttl > 0)
    ) {
      return Promise.reject(
        new TypeError(
          `options.ttl must be a finite number of milliseconds > 0, got ${describeValue(options.ttl)}`,
        ),
      );
    }
    if (options.onServed !== undefined && typeof options.onServed !== 'function') {
      return Promise.reject(
        new TypeError(`options.onServed must be a function, got ${describeValue(options.onServed)}`),
      );
    }
    return undefined;
  }

  /** The primary's keys (the last layer's without a primary): what the `keys` operation resolves. */
  #keySource(): Promise<AsyncIterable<K>> {
    const layer = this.#stack.primary ?? this.#stack.layers[this.#stack.layers.length - 1];
    const store = layer.store;
    if (typeof store.keys !== 'function') {
      return Promise.reject(
        new ConfigurationError(
          `keys: layer "${layer.name}" (the ${layer.primary ? 'primary' : 'last'} layer) has a store without keys(); give its store a keys() method that yields every key`,
        ),
      );
    }
    try {
      return Promise.resolve(store.keys());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** One iteration of keys(): enters the chain once, then yields the source's keys, each once. */
  async *#iterateKeys(options: OperationOptions | undefined): AsyncGenerator<K> {
    const invalid = this.#checkOpen() ?? this.#checkOptions(options);
    if (invalid) await invalid;
    const source = (await this.#enter(this.#context('keys', options), undefined as K, undefined)) as unknown;
    if (source === null || typeof source !== 'object' || !(Symbol.asyncIterator in source)) {
      throw new TypeError(
        `keys: the middleware chain resolved ${describeValue(source)} instead of the layer's async iterable of keys`,
      );
    }
    const seen = new Set<K>();
    for await (const key of source as AsyncIterable<K>) {
      if (seen.has(key)) continue;
      seen.add(key);
      yield key;
    }
  }

  // ── Writing, and other instances ────────────────────────────────────────────────────────────────────

  /**
   * A write in progress, counted until it settles (close() waits for it); once it resolved, its keys are
   * published on the bus (also when it rejected, with `publishOnFailure`: a failed invalidation may still
   * have removed copies, and dropping other instances' local copies is always safe).
   */
  #written<T>(keys: readonly K[], write: Promise<T>, publishOnFailure = false): Promise<T> {
    this.#writesInFlight++;
    return write.then(
      (result) => {
        this.#publish(keys);
        this.#writeSettled();
        return result;
      },
      (error: unknown) => {
        if (publishOnFailure) this.#publish(keys);
        this.#writeSettled();
        throw error;
      },
    );
  }

  #writeSettled(): void {
    if (--this.#writesInFlight === 0 && this.#writesIdle !== undefined) {
      const idle = this.#writesIdle;
      this.#writesIdle = undefined;
      idle();
    }
  }

  #publish(keys: readonly K[]): void {
    if (this.#bus === undefined) return;
    let published: Promise<void>;
    try {
      published = this.#bus.publish(keys.map(String));
    } catch (error) {
      published = Promise.reject(error);
    }
    const tracked = published.then(noop, (error: unknown) => this.#reportError(error, { kind: 'bus' }));
    this.#publishes.add(tracked);
    void tracked.then(() => this.#publishes.delete(tracked));
  }

  #subscribeToBus(bus: InvalidationBus): void {
    const onKeys = (keys: string[]) => {
      if (this.#closing) return;
      for (const key of keys) {
        const done =
          key === CLEAR_ALL_KEYS
            ? this.#writer.clear(new OpContext<K, V>('clear', undefined, {}), this.#stack.locals)
            : this.#writer.invalidateLocal(key as unknown as K);
        done.catch((error: unknown) => this.#reportError(error, { kind: 'bus' }));
      }
    };
    let subscribed: Promise<void>;
    try {
      subscribed = bus.subscribe(onKeys);
    } catch (error) {
      subscribed = Promise.reject(error);
    }
    // A subscription that fails because close() closed the bus is no failure.
    subscribed.catch((error: unknown) => {
      if (!this.#closing) this.#reportError(error, { kind: 'bus' });
    });
  }

  // ── Lifecycle and reporting ───────────────────────────────────────────────────────────────────────────

  async #close(): Promise<void> {
    if (this.#writesInFlight > 0) await new Promise<void>((resolve) => (this.#writesIdle = resolve));
    await this.drain();
    // The publishes of the last writes go out before the bus closes: other instances still hear of them.
    while (this.#publishes.size > 0) await Promise.allSettled([...this.#publishes]);
    if (this.#bus) {
      await Promise.resolve()
        .then(() => this.#bus!.close())
        .catch((error: unknown) => this.#reportError(error, { kind: 'bus' }));
    }
    const layers = this.#stack.layers;
    const outcomes = await Promise.allSettled(layers.map((layer) => layer.close()));
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'rejected') {
        this.#reportError(outcome.reason, {
          kind: 'layer',
          layerName: layers[index].name,
          operation: 'close',
        });
      }
    });
    this.#stack.backFiller.complete();
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
